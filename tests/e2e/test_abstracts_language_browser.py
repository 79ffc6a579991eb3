"""The call for papers on a 360-px phone screen in the author's language: French from the browser, the form
fits without sideways scrolling, its script speaks French (a row added is "Auteur 2"), the country list is
in French, and the switch turns the submission form and the programme Spanish."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import async_playwright

from tests.e2e.chromium import launch
from tests.e2e.test_abstracts_browser import serving
from tests.e2e.test_registration_language_browser import PHONE, fits_the_screen


@pytest.mark.browser
async def test_the_call_for_papers_in_french_then_spanish_on_a_phone(
    kafka_bootstrap: str, topic_prefix: str, tmp_path: Path
) -> None:
    async with serving(kafka_bootstrap, topic_prefix, tmp_path / "abstracts.sqlite3") as base, async_playwright() as p:
        browser = await launch(p)
        context = await browser.new_context(locale="fr-FR", viewport=PHONE)
        page = await context.new_page()
        await page.goto(f"{base}/submit")
        assert await page.locator("h1").inner_text() == "Déposer un résumé"
        await fits_the_screen(page)
        await page.get_by_role("button", name="Ajouter un auteur").click()
        assert await page.locator("fieldset.author legend").all_inner_texts() == [
            "Auteur 1",
            "Auteur 2",
            "Auteur 3",
            "Auteur 4",
        ]
        await page.locator("#text").fill("Un deux trois")
        assert (await page.locator("#text-count").inner_text()).startswith("3 mots")
        country = page.locator("#authors-0-country")
        assert "Allemagne" in await country.locator("option").all_inner_texts()
        await fits_the_screen(page)
        await page.get_by_role("navigation", name="Langue").get_by_role("link", name="Español").click()
        assert await page.locator("h1").inner_text() == "Enviar un resumen"
        assert await page.locator("html").get_attribute("lang") == "es"
        await page.goto(f"{base}/programme")
        assert await page.locator("h1").inner_text() == "Programa"
        await fits_the_screen(page)
        await browser.close()
