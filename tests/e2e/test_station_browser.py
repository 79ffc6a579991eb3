"""The badge station in Debian's Chromium: search, print, reprint, scan — and keep going with Kafka cut off.

The badges service runs in this event loop (uvicorn on a free port) against a Kafka
broker of its own (``services.devtools.kafka_launcher``, not the session broker other
tests share), because this test stops it: the real link goes. Check-ins go on being
recorded locally, the page shows the station offline with the events kept, and once
the broker is back every check-in reaches the topic exactly once and in order (the
badges topic is created with one partition so the order on it is the publish order).
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
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from playwright.async_api import async_playwright, expect

from schemas import topics
from schemas.badges import BadgeIssued, BadgePrinted, DelegateCheckedIn
from services.badges import domain
from services.badges.app import build
from services.badges.config import BadgesSettings
from services.common.auth import organiser_token, sign
from services.devtools.kafka_launcher import KafkaLauncher
from tests.e2e.chromium import launch, served
from tests.integration.badges import factories as f
from tests.kafka_helpers import publish, read_events

SECRET = "browser-secret"


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
    async with served(app, port) as base:
        await app.state.warming  # the pool warms in the background (decision 9); the page's print expects it warm
        yield base, runtime


@contextlib.asynccontextmanager
async def own_broker(data_dir: Path) -> AsyncIterator[KafkaLauncher]:
    """A broker for this test alone, so stopping it cuts no one else's link."""
    launcher = KafkaLauncher(data_dir, port=free_port())
    await launcher.start_async(timeout=120)
    try:
        yield launcher
    finally:
        await asyncio.to_thread(launcher.stop)


async def one_partition_topic(bootstrap: str, topic: str) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])
    finally:
        await admin.close()


def qr(delegate_id: str) -> str:
    return sign(SECRET, domain.QR_PURPOSE, domain.qr_payload(delegate_id, 1, f.CONGRESS))


@pytest.mark.browser
async def test_station_searches_prints_and_checks_in_through_a_kafka_outage(
    topic_prefix: str, congress_home: Path
) -> None:
    muller = f.delegate("Jürgen", "Müller", language="de", number=1)
    yamada = f.delegate("さくら", "山田", language="ja", number=2)
    hassan = f.delegate("محمد", "حسن", language="ar", number=3)
    badges_topic = topic_prefix + topics.BADGES
    expect.set_options(timeout=15_000)  # two shared cores: allow for a busy machine, never assert speed

    async with own_broker(congress_home / "kafka") as broker:
        kafka = broker.bootstrap
        await one_partition_topic(kafka, badges_topic)
        async with serving(kafka, topic_prefix, congress_home) as (base, _runtime):
            await publish(kafka, topic_prefix + topics.REGISTRATION, [f.confirmed(d) for d in (muller, yamada, hassan)])
            await read_events(
                kafka,
                badges_topic,
                until=lambda evs: sum(isinstance(e.data, BadgeIssued) for e in evs) >= 3,
                timeout=60,
            )
            async with httpx.AsyncClient(base_url=base) as http:
                bearer = {"authorization": f"Bearer {organiser_token(SECRET, 'organiser@icsei.example.org')}"}
                issued = (await http.post("/organiser/stations", data={"label": "Desk 1"}, headers=bearer)).text
            login = issued.split('id="station-link" href="')[1].split('"')[0].replace("&amp;", "&")

            async with async_playwright() as p:
                browser = await launch(p)
                page = await browser.new_page()
                await page.goto(base + login)
                await expect(page.locator("#link")).to_have_text("Online", timeout=15000)
                await print_and_check_in_online(page, muller)

                await asyncio.to_thread(broker.stop)  # the venue's uplink goes
                await expect(page.locator("#link")).to_contain_text("Offline", timeout=30000)
                for person in (yamada, hassan):
                    await scan(page, person)
                    await expect(page.locator("#scan-result")).to_contain_text("Checked in")
                await expect(page.locator("#link")).to_contain_text("2 event(s) kept locally", timeout=10000)
                await page.fill("#q", "山田")
                await page.press("#q", "Enter")
                await expect(page.locator(f'tr[data-delegate="{yamada.delegate_id}"]')).to_contain_text("山田")

                await broker.start_async(timeout=120)  # and comes back
                await expect(page.locator("#link")).to_have_text("Online", timeout=60000)
                await browser.close()

            def three_checkins(evs: list[Any]) -> bool:
                return sum(isinstance(e.data, DelegateCheckedIn) for e in evs) >= 3

            await read_events(kafka, badges_topic, until=three_checkins, timeout=60)
            await asyncio.sleep(2.0)  # anything published twice would have arrived by now
            events = await read_events(kafka, badges_topic, until=three_checkins, timeout=30)

    checkins = [e.data.delegate_id for e in events if isinstance(e.data, DelegateCheckedIn)]
    assert checkins == [muller.delegate_id, yamada.delegate_id, hassan.delegate_id]  # once each, in order
    assert [e.data.print_count for e in events if isinstance(e.data, BadgePrinted)] == [1, 2]


async def scan(page: Any, person: Any) -> None:
    await page.fill("#scan", qr(person.delegate_id))
    await page.press("#scan", "Enter")


async def print_and_check_in_online(page: Any, muller: Any) -> None:
    await page.fill("#q", "Muller")
    await page.press("#q", "Enter")
    row = page.locator(f'tr[data-delegate="{muller.delegate_id}"]')
    await expect(row).to_contain_text("Jürgen Müller")
    await row.locator("button.print").click()
    await expect(page.locator("#message")).to_have_text("Printed")
    await page.locator(f'tr[data-delegate="{muller.delegate_id}"] button.print').click()
    await expect(page.locator("#message")).to_have_text("Reprinted (print 2)")
    await scan(page, muller)
    await expect(page.locator("#scan-result")).to_contain_text("Checked in")
    await scan(page, muller)
    await expect(page.locator("#scan-outcome")).to_have_text("Already checked in")
