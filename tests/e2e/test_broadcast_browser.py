"""An organiser writes to delegates in Chromium: the segment's reach, the preview in its sandboxed frame (in the
recipient's language, a typed script shown as text), the confirmation carrying the draft's line breaks, and a
second confirmation that sends nothing more."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from playwright.async_api import async_playwright
from sqlalchemy import select

from schemas.base import decode
from schemas.registration import BroadcastRequested
from services.common.auth import ORGANISER_COOKIE, organiser_token
from services.common.outbox import outbox_table
from services.devtools.processes import free_port
from services.registration.app import build
from services.registration.config import RegistrationSettings
from tests.e2e.chromium import launch, served

SECRET = "e2e-secret"
INVOICE = {"institution_name": "Universidade de São Paulo", "institution_address": "Rua X, 1", "email": "p@example.org"}


@pytest.mark.browser
async def test_an_organiser_previews_and_sends_a_message_once(stripe_mock_url: str, tmp_path: Path) -> None:
    port = free_port()
    settings = RegistrationSettings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'reg.sqlite3'}",
        stripe_api_base=stripe_mock_url,
        public_url=f"http://127.0.0.1:{port}",
        http_port=port,
        CONGRESS_SECRET=SECRET,
        KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:1",
    )
    runtime, app = build(settings, clock=lambda: datetime(2026, 6, 1, tzinfo=UTC))
    async with served(app, port) as base, async_playwright() as p:
        async with httpx.AsyncClient(base_url=base) as api:
            for n, (country, language) in enumerate((("BR", "pt"), ("BR", "fr"), ("KE", "en"))):
                person = {
                    "given_name": f"Ana{n}",
                    "family_name": "Souza",
                    "affiliation": "USP",
                    "country": country,
                    "email": f"ana{n}@example.org",
                    "language": language,
                    "category": "member",
                }
                body = {"delegates": [person], "payment_method": "invoice", "invoice": INVOICE}
                assert (await api.post("/api/registrations", json=body)).status_code == 201
        browser = await launch(p)
        context = await browser.new_context()
        token = organiser_token(SECRET, "organiser@icsei.example.org")
        await context.add_cookies([{"name": ORGANISER_COOKIE, "value": token, "url": base}])
        page = await context.new_page()
        await page.goto(f"{base}/organiser/broadcasts")
        await page.get_by_label("Country").fill("BR")
        await page.locator("#subject_en").fill("Venue change")
        await page.locator("#body_en").fill(
            "We **move** to Hall B.\n\n<script>alert(1)</script>\n\n- line one\n- line two"
        )
        await page.locator("#subject_fr").fill("Changement de lieu")
        await page.locator("#body_fr").fill("Nous **déménageons** en salle B.")
        await page.get_by_label("Preview as a recipient who reads").select_option("fr")
        await page.get_by_role("button", name="Preview").click()

        assert await page.locator("#reach").inner_text() == "This message reaches 2 delegates"
        assert await page.locator("#preview-subject").inner_text() == "Changement de lieu"
        frame = page.frame_locator("iframe[title='The message as the recipient sees it']")
        assert await frame.locator("strong").first.inner_text() == "déménageons"
        assert "Bonjour Ana1 Souza," in await frame.locator("body").inner_text()

        await page.get_by_label("Preview as a recipient who reads").select_option("en")
        await page.get_by_role("button", name="Preview").click()
        frame = page.frame_locator("iframe[title='The message as the recipient sees it']")
        assert await frame.locator("li").all_inner_texts() == ["line one", "line two"]
        assert "<script>alert(1)</script>" in await frame.locator("body").inner_text()  # shown as text, not run
        assert await frame.locator("script").count() == 0

        confirmation = page.locator("form[action='/organiser/broadcasts/send']")
        hidden = confirmation.locator("input[type=hidden]")
        fields = {str(await field.get_attribute("name")): await field.input_value() for field in await hidden.all()}
        await page.get_by_label("I have read the preview").check()
        await page.get_by_role("button", name="Send").click()
        assert "Sent to 2 delegates" in await page.get_by_role("status").inner_text()
        # The same confirmation posted again (a double click, a retried request): nothing more is sent.
        again = await page.request.post(f"{base}/organiser/broadcasts/send", form=fields | {"confirm": "yes"})
        assert again.status == 200 and "already sent" in await again.text()
        await browser.close()
    async with runtime.sessionmaker() as session:
        values = (await session.execute(select(outbox_table.c.value))).scalars().all()
    (sent,) = [e.data for e in map(decode, values) if isinstance(e.data, BroadcastRequested)]
    assert sent.total == 2 and sent.segment == "confirmed delegates; country: BR"
    english = next(v for v in sent.versions if v.language == "en")
    assert english.body_markdown == "We **move** to Hall B.\n\n<script>alert(1)</script>\n\n- line one\n- line two"
