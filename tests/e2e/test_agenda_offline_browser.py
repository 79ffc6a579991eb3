"""A delegate's agenda on a phone without the venue's Wi-Fi, in Chromium, and gone from the device on sign-out.

Registration holds a published programme (its replica, as the programme consumer leaves it) and a delegate
who marked a session. Signed in by the emailed link on a 360×740 screen, the delegate opens "my agenda":
nothing scrolls sideways and the page says when it was made. The network is cut and the page reloaded: the
offline worker serves the saved copy, which still lists the marked session and says it is an offline copy.
Back online the delegate signs out: the saved copies and their workers are deleted, so with the network cut
again the agenda no longer opens on this device.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import async_playwright

from services.common.auth import sign
from services.devtools.processes import free_port
from services.registration.app import build
from services.registration.commands import agenda, links
from services.registration.commands.records import Deps
from services.registration.config import RegistrationSettings
from tests.e2e.audited_services import DELEGATE, INVOICE
from tests.e2e.chromium import launch, served
from tests.e2e.test_programme_offline_browser import PHONE, scroll_width
from tests.integration.abstracts.conftest import SECRET
from tests.integration.registration.test_agenda_kafka import DATA, EARLY

NOW = datetime(2026, 12, 20, 9, 0, tzinfo=UTC)
KEPT = (
    "() => Promise.race([navigator.serviceWorker.ready.then(() => true),"
    " new Promise((r) => setTimeout(r, 20000, false))])"
)
OFFLINE_COPIES = "() => caches.keys().then((names) => names.filter((n) => n.startsWith('offline:')))"


@asynccontextmanager
async def registration_without_kafka(db_path: Path) -> AsyncIterator[tuple[str, Deps, str]]:
    """Registration on a free port (no broker answers) with the programme replica and one delegate who marked
    DATA; yields the base URL, the service's ports and the path of the delegate's sign-in link."""
    port = free_port()
    settings = RegistrationSettings(
        database_url=f"sqlite+aiosqlite:///{db_path}",
        public_url=f"http://127.0.0.1:{port}",
        http_port=port,
        KAFKA_BOOTSTRAP_SERVERS=f"127.0.0.1:{free_port()}",
        CONGRESS_SECRET=SECRET,
    )
    _runtime, app = build(settings, clock=lambda: NOW)
    deps: Deps = app.state.deps
    async with served(app, port) as base, httpx.AsyncClient(base_url=base) as http:
        created = await http.post(
            "/api/registrations", json={"delegates": [DELEGATE], "payment_method": "invoice", "invoice": INVOICE}
        )
        assert created.status_code == 201, created.text
        rid = created.json()["registrations"][0]["registration_id"]
        async with deps.units.begin() as tx:
            for session in (DATA, EARLY):
                assert await agenda.on_scheduled(tx, session, NOW)
        assert await agenda.mark(deps, rid, DATA.session_id)
        link = sign(SECRET, links.SIGN_IN, {"rid": rid, "jti": uuid.uuid4().hex})  # as the emailed link holds
        yield base, deps, f"/me/{link}"


@pytest.mark.browser
async def test_the_agenda_opens_offline_on_a_phone_and_is_deleted_on_sign_out(tmp_path: Path) -> None:
    async with (
        registration_without_kafka(tmp_path / "registration.sqlite3") as (base, deps, link),
        async_playwright() as p,
    ):
        browser = await launch(p)
        context = await browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
        page = await context.new_page()
        await page.goto(base + link)
        await page.get_by_role("button", name="Sign me in").click()  # signs in, then /me
        await page.wait_for_url(f"{base}/me")
        await page.goto(f"{base}/me/agenda")
        assert await page.evaluate(KEPT), "no offline worker took the page"
        assert await scroll_width(page) <= PHONE["width"]
        made = NOW.astimezone(deps.congress.tz)
        updated = f"This page as of {made:%A %-d %B %Y, %H:%M} ({deps.congress.timezone})."
        assert await page.locator("#updated").inner_text() == updated
        assert await page.locator("[data-offline-notice]").is_hidden()
        assert await page.evaluate(OFFLINE_COPIES) == [f"offline:{base}/me/agenda"]

        await context.set_offline(True)
        await page.reload()
        assert DATA.title in await page.locator(f"#s-{DATA.session_id}").inner_text()
        assert await page.locator("#updated").inner_text() == updated
        assert await page.locator("[data-offline-notice]").is_visible()
        assert await scroll_width(page) <= PHONE["width"]

        await context.set_offline(False)
        await page.reload()
        await page.get_by_role("button", name="Sign out").click()
        await page.locator("html[data-offline-forgotten='true']").wait_for(state="attached")
        assert await page.locator("#signed-out").is_visible()
        assert await page.evaluate(OFFLINE_COPIES) == []
        assert await page.evaluate("() => navigator.serviceWorker.getRegistrations().then((r) => r.length)") == 0

        await context.set_offline(True)
        with pytest.raises(PlaywrightError):
            await page.goto(f"{base}/me/agenda")
        await browser.close()
