"""The main delegate form and the abstract submission form completed with the keyboard alone in Chromium:
every control is reached with Tab, text is typed, boxes ticked with Space, buttons pressed with Enter (a
select takes typed letters, as a keyboard user chooses in it). No click, no fill. The pages a form leads to
(which no address opens, so ``tests/e2e/pages.py`` cannot list them) are audited with axe-core on the way."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.async_api import Page, async_playwright

from services.devtools.processes import free_port
from services.registration.app import build
from services.registration.config import RegistrationSettings
from tests.e2e.audited_services import Place, abstracts_service
from tests.e2e.axe import axe_source, blocking_violations
from tests.e2e.chromium import launch, served
from tests.e2e.keyboard import press_on, tab_to, type_into
from tests.integration.abstracts.conftest import ORGANISER

pytestmark = pytest.mark.browser
ABSTRACT = " ".join(["Schools that use data well improve their teaching and learning."] * 12)  # 120 words


async def audited(page: Page) -> None:
    """No serious or critical axe-core violation on the page now shown."""
    assert await blocking_violations(page, axe_source()) == [], page.url


async def choose(page: Page, selector: str, label: str) -> None:
    """Tab to a select and type the start of an option's label; the option chosen must be that one."""
    await type_into(page, selector, label)
    chosen = await page.eval_on_selector(selector, "s => s.options[s.selectedIndex].textContent")
    assert chosen.startswith(label), f"{selector}: typed {label!r}, chose {chosen!r}"


async def test_register_and_pay_with_the_keyboard_alone(
    kafka_bootstrap: str, stripe_mock_url: str, topic_prefix: str, tmp_path: Path
) -> None:
    port = free_port()
    settings = RegistrationSettings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'reg.sqlite3'}",
        stripe_api_base=stripe_mock_url,
        public_url=f"http://127.0.0.1:{port}",
        http_port=port,
        CONGRESS_SECRET="keyboard-secret",
        KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap,
        KAFKA_TOPIC_PREFIX=topic_prefix,
    )
    _runtime, app = build(settings, clock=lambda: datetime(2026, 6, 1, tzinfo=UTC))
    async with served(app, port) as base, async_playwright() as p:
        browser = await launch(p)
        page = await browser.new_page()
        await page.goto(base + "/")
        await type_into(page, "#delegates-0-given_name", "José")
        await type_into(page, "#delegates-0-family_name", "Núñez")
        await type_into(page, "#delegates-0-affiliation", "Universidad de Chile")
        if await tab_to(page, "#delegates-0-country") == "SELECT":
            await page.keyboard.type("Chile")
        else:
            await page.keyboard.type("CL")
        await type_into(page, "#delegates-0-email", "jose@example.org")
        await choose(page, "#delegates-0-category", "Student")
        await press_on(page, "#delegates-0-dinner", " ")
        await press_on(page, "#delegates-0-consent_listed", " ")
        assert await page.locator("#delegates-0-dinner").is_checked()
        await press_on(page, "button[value=review]", "Enter")
        await page.wait_for_url(re.compile(r"/register$"))
        assert await page.locator("#total").inner_text() == "€355.00"  # student early bird 270.00 + dinner 85.00
        await audited(page)

        await press_on(page, "button[value=confirm]", "Enter")
        await page.wait_for_url(re.compile(r"/test-checkout/"))
        await audited(page)
        await press_on(page, "button[value=paid]", "Enter")
        await page.wait_for_url(re.compile(r"/registrations/"))
        assert "Confirmed and paid" in await page.locator(".status").inner_text()
        await audited(page)
        await browser.close()


async def test_submit_an_abstract_with_the_keyboard_alone(
    kafka_bootstrap: str, topic_prefix: str, tmp_path: Path
) -> None:
    async with abstracts_service(Place(tmp_path, kafka_bootstrap, topic_prefix)) as service, async_playwright() as p:
        browser = await launch(p)
        page = await browser.new_page()
        await page.goto(f"{service.client.base_url}/submit")
        await choose(page, "#format", "Paper")
        await choose(page, "#network", "Data")
        await type_into(page, "#title", "Data use in Kenyan schools")
        await type_into(page, "#text", ABSTRACT)
        await type_into(page, "#keywords", "data use, equity")
        await type_into(page, "#submitter_email", "amani@example.org")
        await type_into(page, "#authors-0-given_name", "Amani")
        await type_into(page, "#authors-0-family_name", "Otieno")
        await type_into(page, "#authors-0-email", "amani@example.org")
        await type_into(page, "#authors-0-affiliation", "Kenyatta University")
        await choose(page, "#authors-0-country", "Kenya")
        await press_on(page, "#authors-0-presenting", " ")
        async with page.expect_navigation():
            await press_on(page, "button[value=submit]:not([tabindex='-1'])", "Enter")
        assert await page.locator(".error").all_inner_texts() == []
        assert await page.locator("#reference").inner_text() == "ICSEI27-A-0001"
        await audited(page)
        listed = await service.client.get("/api/organiser/abstracts", headers=ORGANISER)
        assert [a["title"] for a in listed.json()] == ["Data use in Kenyan schools"]
        await browser.close()
