"""A delegate registers through the pages in Chromium, pays on the local test checkout and sees the confirmation;
then signs in by magic link (opened from the sealed MagicLinkRequested event on Kafka, as notify does), changes
the badge to a name in Japanese script and cancels under the refund policy, seeing the refund amount."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.async_api import Page, async_playwright

from schemas import topics
from schemas.personal import Open
from schemas.registration import MagicLinkRequestedV2, RefundIssued, RegistrationCancelled, RegistrationUpdated
from services.common.sealing import NOTIFY_LINK, unseal
from services.devtools.processes import free_port
from services.registration.app import build
from services.registration.config import RegistrationSettings
from tests.e2e.chromium import launch, served
from tests.kafka_helpers import read_events

SECRET = "e2e-secret"


@pytest.mark.browser
async def test_register_and_pay_in_the_browser(
    kafka_bootstrap: str, stripe_mock_url: str, topic_prefix: str, tmp_path: Path
) -> None:
    port = free_port()
    settings = RegistrationSettings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'reg.sqlite3'}",
        stripe_api_base=stripe_mock_url,
        public_url=f"http://127.0.0.1:{port}",
        http_port=port,
        CONGRESS_SECRET=SECRET,
        KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap,
        KAFKA_TOPIC_PREFIX=topic_prefix,
    )
    runtime, app = build(settings, clock=lambda: datetime(2026, 6, 1, tzinfo=UTC))  # early-bird prices
    async with served(app, port), async_playwright() as p:
        browser = await launch(p)
        page = await browser.new_page()
        await page.goto(f"http://127.0.0.1:{port}/")
        await page.get_by_role("button", name="See the price").click()
        assert await page.locator("#delegates-0-given_name-error").inner_text() == "Please fill this in."

        await page.get_by_label("Given name(s)", exact=True).fill("José")
        await page.get_by_label("Family name", exact=True).fill("<b>Núñez</b>")
        await page.get_by_label("Institution", exact=True).fill("Universidad de Chile")
        await page.get_by_label("Country of the institution").select_option("CL")
        await page.get_by_label("Email", exact=True).fill("jose@example.org")
        await page.get_by_label("Category", exact=True).select_option("student")
        await page.get_by_label(re.compile("Congress dinner")).check()
        await page.get_by_role("button", name="See the price").click()
        # Student early bird 270.00, high income group; dinner 85.00.
        assert await page.locator("#total").inner_text() == "€355.00"
        assert await page.locator("h2").first.inner_text() == "José <b>Núñez</b>"  # text, not markup

        await page.get_by_role("button", name="Confirm and pay").click()
        await page.wait_for_url(re.compile(r"/test-checkout/"))
        assert "TEST CHECKOUT" in await page.locator(".test-banner").inner_text()
        await page.get_by_role("button", name=re.compile(r"^Pay ")).click()
        await page.wait_for_url(re.compile(r"/registrations/"))
        assert "Confirmed and paid" in await page.locator(".status").inner_text()
        opener = runtime.keyring.opener(final=True)  # registration's own keys open its personal fields
        await sign_in_change_badge_and_cancel(page, port, kafka_bootstrap, topic_prefix + topics.REGISTRATION, opener)
        await browser.close()


async def sign_in_change_badge_and_cancel(page: Page, port: int, bootstrap: str, topic: str, opener: Open) -> None:
    await page.goto(f"http://127.0.0.1:{port}/sign-in")
    await page.get_by_label("Email you registered with").fill("jose@example.org")
    await page.get_by_role("button", name="Email me a link").click()
    assert "sign-in link is on its way" in await page.get_by_role("status").inner_text()
    events = await read_events(
        bootstrap, topic, until=lambda evs: any(isinstance(e.data, MagicLinkRequestedV2) for e in evs)
    )
    sealed = next(e.data for e in events if isinstance(e.data, MagicLinkRequestedV2))
    link = unseal(SECRET, NOTIFY_LINK, sealed.sealed_link, bound_to=sealed.registration_id)  # as notify opens it
    assert link.startswith(f"http://127.0.0.1:{port}/me/")

    await page.goto(link)  # shows whom it signs in; only the button spends it (mail scanners open links too)
    assert await page.locator("h1").inner_text() == "Sign in as José"
    await page.get_by_role("button", name="Sign me in").click()
    await page.wait_for_url(re.compile(r"/me$"))
    assert "Your registration" in await page.locator("h1").inner_text()
    await page.get_by_label("Name on the badge").fill("ホセ・ヌニェス")
    await page.get_by_label("Given name(s)", exact=True).fill("ホセ")
    await page.get_by_role("button", name="Save badge details").click()
    assert await page.get_by_role("status").inner_text() == "Badge details saved."
    assert await page.get_by_label("Name on the badge").input_value() == "ホセ・ヌニェス"
    assert (await page.goto(link)) is not None and "already used" in await page.locator("h1").inner_text()
    await page.goto(f"http://127.0.0.1:{port}/me")
    assert await page.get_by_label("Given name(s)", exact=True).input_value() == "ホセ"

    # Paid 355.00 on 1 June 2026: the first tier refunds 100 % less the 25.00 fee.
    cancel = page.locator("form[action='/me/cancel']")
    assert "€330.00" in await cancel.inner_text()
    await page.get_by_label("Reason (optional)").fill("visa refused")
    await page.get_by_role("button", name="Cancel my registration").click()
    assert await page.get_by_role("status").inner_text() == "Your registration is cancelled."
    assert "cancelled" in await page.locator("main").inner_text()

    events = await read_events(
        bootstrap, topic, until=lambda evs: any(isinstance(e.data, RefundIssued) for e in evs), open_=opener
    )
    updated = [e.data for e in events if isinstance(e.data, RegistrationUpdated)]
    assert updated[-1].delegate.badge_name == "ホセ・ヌニェス" and updated[-1].delegate.given_name == "ホセ"
    assert set(updated[-1].changed_fields) == {"badge_name", "given_name"}
    cancelled = next(e.data for e in events if isinstance(e.data, RegistrationCancelled))
    assert cancelled.cancelled_by == "delegate" and cancelled.refund_due.amount_minor == 33000
    assert next(e.data for e in events if isinstance(e.data, RefundIssued)).amount.amount_minor == 33000
    await page.goto(f"http://127.0.0.1:{port}/me")  # Stripe accepted the refund: the page says what came back
    assert "Refunded to your card: €330.00." in await page.locator(".refund").inner_text()
