"""The public programme on a phone at the venue, in Chromium: a 360-px screen, offline after the first visit,
"now" and "next" by room.

A programme is published through the abstracts API. A visitor opens ``/programme`` on a 360×740 screen with
the display clock set (``?at=``) to ten minutes into a session: nothing scrolls sideways, the page says which
version it shows and when it was published, and "Now and next" names that session and the room's next one.
The network is then cut and the page reloaded: the offline worker serves the saved copy, which still says
when it last updated, and the page says it is an offline copy. A French browser's "now and next" speak French.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.async_api import Page, async_playwright

from schemas.programme import SessionScheduled
from services.abstracts.app import build
from services.abstracts.commands import publishing
from services.abstracts.config import AbstractsSettings
from services.devtools.processes import free_port
from tests.e2e.chromium import launch, served
from tests.integration.abstracts.conftest import BEFORE_DEADLINE, ORGANISER, SECRET, Service
from tests.integration.abstracts.programme_data import accept_abstracts

PHONE = {"width": 360, "height": 740}


@asynccontextmanager
async def abstracts_without_kafka(db_path: Path) -> AsyncIterator[Service]:
    """The abstracts service on a free port; no broker answers (its outbox fills, nothing is lost)."""
    port = free_port()
    settings = AbstractsSettings(
        database_url=f"sqlite+aiosqlite:///{db_path}",
        public_url=f"http://127.0.0.1:{port}",
        http_port=port,
        KAFKA_BOOTSTRAP_SERVERS=f"127.0.0.1:{free_port()}",
        CONGRESS_SECRET=SECRET,
    )
    runtime, app = build(settings, clock=lambda: BEFORE_DEADLINE)
    async with served(app, port) as base, httpx.AsyncClient(base_url=base) as client:
        yield Service(runtime, app, app.state.deps, client, [BEFORE_DEADLINE])


async def publish(service: Service) -> list[SessionScheduled]:
    await accept_abstracts(service)
    for step in ("generate", "publish"):
        answer = await service.client.post(f"/api/organiser/programme/{step}", headers=ORGANISER)
        assert answer.status_code == 200, answer.text
    return await publishing.published(service.app.state.programme)


def running_and_next(sessions: list[SessionScheduled]) -> tuple[SessionScheduled, SessionScheduled]:
    """A session with a later one in the same room: the one on now, and the room's next."""
    for s in sorted(sessions, key=lambda s: s.starts_at):
        later = sorted(
            (o for o in sessions if o.room_code == s.room_code and o.starts_at >= s.ends_at), key=lambda o: o.starts_at
        )
        if later:
            return s, later[0]
    raise AssertionError("no room holds two sessions")


async def scroll_width(page: Page) -> int:
    return int(await page.evaluate("() => document.documentElement.scrollWidth"))


@pytest.mark.browser
async def test_the_programme_on_a_phone_offline_with_now_and_next(tmp_path: Path) -> None:
    async with abstracts_without_kafka(tmp_path / "abstracts.sqlite3") as service:
        sessions = await publish(service)
        now, following = running_and_next(sessions)
        at = (now.starts_at + timedelta(minutes=10)).isoformat()
        base = str(service.client.base_url).rstrip("/")
        async with async_playwright() as p:
            browser = await launch(p)
            context = await browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
            page = await context.new_page()
            await page.goto(f"{base}/programme?at={at.replace('+', '%2B')}")
            await page.evaluate("() => navigator.serviceWorker.ready")
            assert await scroll_width(page) <= PHONE["width"]

            published = BEFORE_DEADLINE.astimezone(ZoneInfo(now.timezone))
            updated = f"Version 1, last updated {published:%A %-d %B %Y, %H:%M} ({now.timezone})."
            assert await page.locator("#updated").inner_text() == updated
            assert await page.locator("[data-offline-notice]").is_hidden()

            room = page.locator(f"#now-next li[data-room='{now.room_name}']")
            local = ZoneInfo(now.timezone)
            assert await room.locator(".now a").inner_text() == now.title
            assert await room.locator(".next a").inner_text() == following.title
            assert f"{following.starts_at.astimezone(local):%H:%M}" in await room.locator(".next").inner_text()
            assert await room.locator(".now a").get_attribute("href") == f"#{now.session_id}"

            await context.set_offline(True)
            failed = "() => fetch('/programme.ics').then(() => false, () => true)"
            assert await page.evaluate(failed), "the network is still there"
            await page.reload()
            assert await page.locator("#updated").inner_text() == updated
            assert await page.locator("[data-offline-notice]").is_visible()
            assert await page.locator(f"article#{following.session_id}").count() == 1
            assert await room.locator(".now a").inner_text() == now.title  # its script came from the copy too
            assert await scroll_width(page) <= PHONE["width"]

            french = await browser.new_context(viewport=PHONE, is_mobile=True, locale="fr-FR")  # Accept-Language: fr
            page = await french.new_page()
            await page.goto(f"{base}/programme?at={at.replace('+', '%2B')}")
            room = page.locator(f"#now-next li[data-room='{now.room_name}']")
            assert (await room.locator(".now").inner_text()).startswith(f"En cours : {now.title} (")
            said = await room.locator(".next").inner_text()
            assert (
                said.startswith(f"Ensuite : {following.title} (")
                and f"{following.starts_at.astimezone(local):%H:%M}" in said
            )
            assert "Now" not in await page.locator("#now-next").inner_text()
            await browser.close()
