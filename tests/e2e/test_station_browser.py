"""The badge station in Debian's Chromium: search, print, reprint, scan — and keep going with Kafka cut off.

The badges service runs in this event loop (uvicorn on a free port) against the
real broker. Cutting the link stops the outbox relay: check-ins go on being
recorded locally, the page shows the station offline, and once the relay is back
every check-in reaches the topic exactly once.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from playwright.async_api import async_playwright, expect

from schemas import topics
from schemas.badges import BadgeIssued, BadgePrinted, DelegateCheckedIn
from services.badges import domain
from services.badges.app import build
from services.badges.config import BadgesSettings
from services.common.auth import organiser_token, sign
from tests.integration.badges import factories as f
from tests.kafka_helpers import publish, read_events

SECRET = "browser-secret"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.asynccontextmanager
async def serving(kafka_bootstrap: str, topic_prefix: str, home: Path) -> AsyncIterator[tuple[str, Any]]:
    settings = BadgesSettings(
        KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap,
        KAFKA_TOPIC_PREFIX=topic_prefix,
        CONGRESS_SECRET=SECRET,
        database_url=f"sqlite+aiosqlite:///{home / 'station.db'}",
        store_dir=home / "pdfs",
        render_workers=1,
        relay_poll_seconds=0.2,
    )
    runtime, app = build(settings)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", runtime
    finally:
        server.should_exit = True
        await task


async def cut_link(runtime: Any) -> None:
    """Stop the outbox relay, as if the venue's uplink to Kafka had gone."""
    for task in [t for t in runtime._tasks if t.get_name() == "outbox-relay"]:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        runtime._tasks.remove(task)


def restore_link(runtime: Any) -> None:
    runtime._tasks.append(asyncio.create_task(runtime.relay.run(), name="outbox-relay"))


def qr(delegate_id: str) -> str:
    return sign(SECRET, domain.QR_PURPOSE, domain.qr_payload(delegate_id, 1, f.CONGRESS))


@pytest.mark.browser
async def test_station_searches_prints_and_checks_in_through_a_kafka_outage(
    kafka_bootstrap: str, topic_prefix: str, congress_home: Path
) -> None:
    muller = f.delegate("Jürgen", "Müller", language="de", number=1)
    yamada = f.delegate("さくら", "山田", language="ja", number=2)
    hassan = f.delegate("محمد", "حسن", language="ar", number=3)
    badges_topic = topic_prefix + topics.BADGES
    expect.set_options(timeout=15_000)  # two shared cores: allow for a busy machine, never assert speed

    async with serving(kafka_bootstrap, topic_prefix, congress_home) as (base, runtime):
        await publish(
            kafka_bootstrap,
            topic_prefix + topics.REGISTRATION,
            [f.confirmed(d) for d in (muller, yamada, hassan)],
        )
        await read_events(
            kafka_bootstrap,
            badges_topic,
            until=lambda evs: sum(isinstance(e.data, BadgeIssued) for e in evs) >= 3,
            timeout=60,
        )
        async with httpx.AsyncClient(base_url=base) as http:
            bearer = {"authorization": f"Bearer {organiser_token(SECRET, 'organiser@icsei.example.org')}"}
            issued = (await http.post("/organiser/stations", data={"label": "Desk 1"}, headers=bearer)).text
        login = issued.split('id="station-link" href="')[1].split('"')[0].replace("&amp;", "&")

        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = await browser.new_page()
            await page.goto(base + login)
            await expect(page.locator("#link")).to_have_text("Online", timeout=15000)

            await page.fill("#q", "Muller")
            await page.press("#q", "Enter")
            row = page.locator(f'tr[data-delegate="{muller.delegate_id}"]')
            await expect(row).to_contain_text("Jürgen Müller")
            await row.locator("button.print").click()
            await expect(page.locator("#message")).to_have_text("Printed")
            await page.locator(f'tr[data-delegate="{muller.delegate_id}"] button.print').click()
            await expect(page.locator("#message")).to_have_text("Reprinted (print 2)")

            await page.fill("#scan", qr(muller.delegate_id))
            await page.press("#scan", "Enter")
            await expect(page.locator("#scan-result")).to_contain_text("Checked in")
            await page.fill("#scan", qr(muller.delegate_id))
            await page.press("#scan", "Enter")
            await expect(page.locator("#scan-outcome")).to_have_text("Already checked in")

            await cut_link(runtime)
            await expect(page.locator("#link")).to_contain_text("Offline", timeout=15000)
            for person in (yamada, hassan):
                await page.fill("#scan", qr(person.delegate_id))
                await page.press("#scan", "Enter")
                await expect(page.locator("#scan-result")).to_contain_text("Checked in")
            await expect(page.locator("#link")).to_contain_text("2 event(s) kept locally", timeout=5000)
            await page.fill("#q", "山田")
            await page.press("#q", "Enter")
            await expect(page.locator(f'tr[data-delegate="{yamada.delegate_id}"]')).to_contain_text("山田")

            restore_link(runtime)
            await expect(page.locator("#link")).to_have_text("Online", timeout=30000)
            await browser.close()

        def three_checkins(evs: list[Any]) -> bool:
            return sum(isinstance(e.data, DelegateCheckedIn) for e in evs) >= 3

        events = await read_events(kafka_bootstrap, badges_topic, until=three_checkins, timeout=30)
        await asyncio.sleep(1.0)  # anything published twice would have arrived by now
        events = await read_events(kafka_bootstrap, badges_topic, until=three_checkins, timeout=30)
        checkins = [e.data.delegate_id for e in events if isinstance(e.data, DelegateCheckedIn)]
        assert sorted(checkins) == sorted([muller.delegate_id, yamada.delegate_id, hassan.delegate_id])
        assert [e.data.print_count for e in events if isinstance(e.data, BadgePrinted)] == [1, 2]
