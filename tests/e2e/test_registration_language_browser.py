"""A delegate whose browser asks for French registers in French on a 360-px phone screen, choosing the country
from a list of French names; the confirmation email that notify sends through a real SMTP server is French;
the signed-in page is French too, and the visible switch turns the pages German (and they stay German).
Registration and notify talk over real Kafka; Chromium is Debian's."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest
from playwright.async_api import Page, async_playwright

from schemas import topics
from schemas.registration import MagicLinkRequestedV2
from services.common.sealing import NOTIFY_LINK, unseal
from services.devtools.processes import free_port
from services.notify.app import build as build_notify
from services.notify.config import NotifySettings
from services.registration.app import build
from services.registration.config import RegistrationSettings
from tests.e2e.chromium import launch, served
from tests.integration.notify.sink import RecordingSink
from tests.kafka_helpers import eventually, read_events

SECRET = "e2e-secret"
PHONE = {"width": 360, "height": 740}


async def fits_the_screen(page: Page) -> None:
    """Nothing wider than the viewport: the page never scrolls sideways."""
    widths = await page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1] == PHONE["width"], f"{page.url} is {widths[0]} px wide"


def confirmation_to(sink: RecordingSink, address: str) -> EmailMessage | None:
    found = [m for m in sink.handler.snapshot() if address in str(m["To"]) and "confirmée" in str(m["Subject"])]
    return found[0] if found else None


@pytest.mark.browser
async def test_a_french_registration_on_a_phone_gets_french_pages_and_a_french_email(
    kafka_bootstrap: str, stripe_mock_url: str, topic_prefix: str, tmp_path: Path
) -> None:
    port = free_port()
    settings = RegistrationSettings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'reg.sqlite3'}",
        stripe_api_base=stripe_mock_url,
        public_url=f"http://127.0.0.1:{port}",
        http_port=port,
        relay_poll_seconds=0.2,
        CONGRESS_SECRET=SECRET,
        KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap,
        KAFKA_TOPIC_PREFIX=topic_prefix,
    )
    _runtime, app = build(settings, clock=lambda: datetime(2026, 6, 1, tzinfo=UTC))
    with RecordingSink() as sink:
        notify_settings = NotifySettings(
            kafka_bootstrap_servers=kafka_bootstrap,
            kafka_topic_prefix=topic_prefix,
            database_url=f"sqlite+aiosqlite:///{tmp_path / 'notify.sqlite3'}",
            smtp_host="127.0.0.1",
            smtp_port=sink.port,
            embedded_sink=False,
            mail_dir=str(tmp_path / "mail"),
            CONGRESS_SECRET=SECRET,
        )
        _notify_runtime, notify_app = build_notify(notify_settings)
        async with notify_app.router.lifespan_context(notify_app), served(app, port), async_playwright() as p:
            browser = await launch(p)
            context = await browser.new_context(locale="fr-FR", viewport=PHONE)  # Accept-Language: fr-FR
            page = await context.new_page()
            await register_in_french(page, port)
            mail = await eventually(lambda: confirmation_to(sink, "amelie@example.org"), timeout=60)
            text = mail.get_body(("plain",))
            assert text is not None and "Bien cordialement," in text.get_content()
            await signed_in_in_french(page, port, kafka_bootstrap, topic_prefix + topics.REGISTRATION)
            await switch_to_german(page, port)
            await browser.close()


async def register_in_french(page: Page, port: int) -> None:
    await page.goto(f"http://127.0.0.1:{port}/")
    assert await page.locator("html").get_attribute("lang") == "fr"
    assert await page.locator("h1").inner_text() == "S’inscrire"
    await fits_the_screen(page)
    await page.get_by_role("button", name="Voir le prix").click()
    assert await page.locator("#delegates-0-given_name-error").inner_text() == "Veuillez remplir ce champ."
    await page.get_by_label("Prénom(s)").fill("Amélie")
    await page.get_by_label("Nom de famille").fill("Dubois")
    await page.get_by_label("Établissement", exact=True).fill("Université de Genève")
    country = page.get_by_label("Pays de l’établissement")
    assert "Allemagne" in await country.locator("option").all_inner_texts()
    await page.get_by_role("searchbox", name="Tapez pour filtrer les pays").fill("etats")  # the script's filter box
    shown = await country.locator("option:not([hidden])").all_inner_texts()
    assert "États-Unis" in shown and "Allemagne" not in shown and len(shown) < 10
    await page.get_by_role("searchbox", name="Tapez pour filtrer les pays").fill("suis")
    assert await country.input_value() == "CH"  # the one match is chosen
    await country.select_option(label="Suisse")
    await page.get_by_label("E-mail", exact=True).fill("amelie@example.org")
    assert await page.get_by_label("Langue des e-mails").input_value() == "fr"  # the page's language by default
    await page.get_by_label("Catégorie").select_option("student")
    await fits_the_screen(page)
    await page.get_by_role("button", name="Voir le prix").click()
    assert await page.locator("h1").inner_text() == "Vérifier le prix"
    total = await page.locator("#total").inner_text()
    assert re.sub(r"\s", " ", total) == "270,00 €"  # student early bird, Switzerland (high income), French format
    await fits_the_screen(page)
    await page.get_by_role("button", name="Confirmer et payer").click()
    await page.wait_for_url(re.compile(r"/test-checkout/"))
    await page.get_by_role("button", name=re.compile(r"^Pay ")).click()
    await page.wait_for_url(re.compile(r"/registrations/"))
    assert "Confirmée et payée" in await page.locator(".status").inner_text()
    await fits_the_screen(page)


async def signed_in_in_french(page: Page, port: int, bootstrap: str, topic: str) -> None:
    await page.goto(f"http://127.0.0.1:{port}/sign-in")
    await fits_the_screen(page)
    await page.get_by_label("E-mail utilisé pour l’inscription").fill("amelie@example.org")
    await page.get_by_role("button", name="M’envoyer un lien").click()
    events = await read_events(
        bootstrap, topic, until=lambda evs: any(isinstance(e.data, MagicLinkRequestedV2) for e in evs)
    )
    sealed = next(e.data for e in events if isinstance(e.data, MagicLinkRequestedV2))
    await page.goto(unseal(SECRET, NOTIFY_LINK, sealed.sealed_link, bound_to=sealed.registration_id))
    await page.get_by_role("button", name="Me connecter").click()
    await page.wait_for_url(re.compile(r"/me$"))
    assert (await page.locator("h1").inner_text()).startswith("Votre inscription")
    await fits_the_screen(page)
    await page.get_by_label("Nom sur le badge").fill("Amélie D.")
    await page.get_by_role("button", name="Enregistrer le badge").click()
    assert await page.get_by_role("status").inner_text() == "Informations du badge enregistrées."


async def switch_to_german(page: Page, port: int) -> None:
    await page.goto(f"http://127.0.0.1:{port}/me")  # the switch returns to a page it can fetch again (not a POST's)
    await page.get_by_role("navigation", name="Langue").get_by_role("link", name="Deutsch").click()
    await page.wait_for_url(re.compile(r"/me$"))
    assert await page.locator("html").get_attribute("lang") == "de"
    assert (await page.locator("h1").inner_text()).startswith("Ihre Anmeldung")
    await page.goto(f"http://127.0.0.1:{port}/")  # remembered: the browser still asks for French
    assert await page.locator("h1").inner_text() == "Anmelden"
    assert "Schweiz" in await page.get_by_label("Land der Institution").locator("option").all_inner_texts()
