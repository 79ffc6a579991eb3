"""Forged posts in a real browser (issue 12, finding 2): a page on another port of the same host.

Chromium holds an organiser's cookie for 127.0.0.1; a page served from another port (the same
site, so ``SameSite=Lax`` sends the cookie) posts a form that would cancel a registration and a
``text/plain`` fetch that would mark an invoice paid. Both are refused and change nothing; the
organiser's own page, posting its form with its token, still cancels.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from playwright.async_api import async_playwright

from services.common.auth import ORGANISER_COOKIE, organiser_token
from services.devtools.processes import free_port
from services.registration.app import build
from services.registration.config import RegistrationSettings
from tests.e2e.chromium import launch, served

SECRET = "forged-posts-secret"
INVOICE = {"institution_name": "Uni", "institution_address": "Street 1", "email": "billing@example.org"}
DELEGATE = {
    "given_name": "Amani",
    "family_name": "Njeri",
    "affiliation": "University of Nairobi",
    "country": "KE",
    "email": "amani@example.org",
    "category": "member",
}


def attacker(target: str, rid: str) -> FastAPI:
    """The other port's page: a cancel form aimed at registration, and a text/plain fetch."""
    app = FastAPI()
    page = f"""<!doctype html><html><body>
<form method="post" action="{target}/organiser/registrations/{rid}/cancel">
<input name="reason" value="forged"><button id="forge">Win a prize</button></form>
<script>
async function markPaid() {{
  await fetch("{target}/api/organiser/registrations/{rid}/mark-paid", {{
    method: "POST", mode: "no-cors", credentials: "include", body: "{{}}", headers: {{"content-type": "text/plain"}}
  }});
  document.title = "sent";
}}
</script><button id="fetch" onclick="markPaid()">Claim</button></body></html>"""

    @app.get("/")
    async def home() -> HTMLResponse:
        return HTMLResponse(page)

    return app


async def registration_of(base: str, rid: str) -> dict[str, Any]:
    bearer = {"authorization": f"Bearer {organiser_token(SECRET, 'organiser@icsei.example.org')}"}
    async with httpx.AsyncClient(base_url=base) as http:
        rows = (await http.get("/api/organiser/registrations", headers=bearer)).json()["items"]  # one page of them
    return next(r for r in rows if r["id"] == rid)


@pytest.mark.browser
async def test_a_page_on_another_port_cannot_cancel_or_mark_paid_with_the_organisers_cookie(tmp_path: Path) -> None:
    port, other = free_port(), free_port()
    settings = RegistrationSettings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'reg.sqlite3'}",
        public_url=f"http://127.0.0.1:{port}",
        KAFKA_BOOTSTRAP_SERVERS=f"127.0.0.1:{free_port()}",  # nobody there: the service works locally
        CONGRESS_SECRET=SECRET,
    )
    _runtime, app = build(settings, clock=lambda: datetime(2026, 6, 1, tzinfo=UTC))
    async with served(app, port) as base:
        async with httpx.AsyncClient(base_url=base) as http:
            created = await http.post(
                "/api/registrations", json={"delegates": [DELEGATE], "payment_method": "invoice", "invoice": INVOICE}
            )
        assert created.status_code == 201, created.text
        rid = created.json()["registrations"][0]["registration_id"]
        async with served(attacker(base, rid), other) as evil, async_playwright() as p:
            browser = await launch(p)
            context = await browser.new_context()
            cookie = organiser_token(SECRET, "organiser@icsei.example.org")
            await context.add_cookies([{"name": ORGANISER_COOKIE, "value": cookie, "url": base}])
            page = await context.new_page()
            await page.goto(base + "/organiser/registrations")  # the organiser has the page open: a token cookie too
            forged = await context.new_page()
            await forged.goto(evil)
            async with forged.expect_navigation() as navigation:
                await forged.locator("#forge").click()
            answer = await navigation.value
            assert answer is not None and answer.status == 403
            assert "another origin" in await forged.locator("[role=alert]").inner_text()
            await forged.goto(evil)
            await forged.locator("#fetch").click()
            await forged.wait_for_function("document.title === 'sent'")
            row = await registration_of(base, rid)
            assert (row["status"], row["paid"]) == ("confirmed", False)

            # The organiser's own page posts its form with its token: that cancels, once confirmed.
            await page.goto(f"{base}/organiser/registrations/{rid}")
            row_form = page.locator(f"form[action='/organiser/registrations/{rid}/cancel']")
            await row_form.locator("input[name=reason]").fill("asked by email")
            await row_form.get_by_role("button", name="Cancel registration…").click()
            await page.get_by_role("button", name="Yes, cancel the registration").click()
            await page.wait_for_url(lambda url: "message=" in url)
            await browser.close()
        assert (await registration_of(base, rid))["status"] == "cancelled"
