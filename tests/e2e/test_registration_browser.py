"""A delegate registers through the pages in Chromium, pays on the local test checkout and sees the confirmation."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
import uvicorn
from playwright.async_api import async_playwright

from services.common.kafka_launcher import free_port
from services.registration.app import build
from services.registration.config import RegistrationSettings

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


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
        KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap,
        KAFKA_TOPIC_PREFIX=topic_prefix,
    )
    _runtime, app = build(settings, clock=lambda: datetime(2026, 6, 1, tzinfo=UTC))  # early-bird prices
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False))
    serving = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 -- uvicorn exposes `started` only as a bool, no event to await
        await asyncio.sleep(0.05)
    try:
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = await browser.new_page()
            await page.goto(f"http://127.0.0.1:{port}/")
            await page.get_by_role("button", name="See the price").click()
            assert await page.locator("#delegates-0-given_name-error").inner_text() == "Please fill this in."

            await page.get_by_label("Given name(s)", exact=True).fill("José")
            await page.get_by_label("Family name", exact=True).fill("<b>Núñez</b>")
            await page.get_by_label("Institution", exact=True).fill("Universidad de Chile")
            await page.get_by_label("Country of the institution").fill("CL")
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
            await browser.close()
    finally:
        server.should_exit = True
        await serving
