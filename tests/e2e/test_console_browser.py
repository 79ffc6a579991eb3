"""The console in Debian's Chromium: sign in, watch events arrive without a reload, filter, pause,
open an event's CloudEvent, and a burst of 300 events (screenshot saved as a test artefact)."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Locator, Page, async_playwright, expect

from schemas import EventData, new_event
from schemas.notify import NotificationFailed
from schemas.registration import RegistrationCreated
from schemas.values import PaymentMethod
from services.common.topic_admin import TopicPlan, ensure_topics
from services.devtools.processes import free_port
from tests.e2e.chromium import launch
from tests.kafka_helpers import publish
from tests.unit.console.events import burst, common, delegate, eur, scenario

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
PASSWORD = "console-browser-test-password"
ORGANISER = "organiser@icsei.example.org"

pytestmark = pytest.mark.browser


@pytest.fixture
def console_url(kafka_bootstrap: str, topic_prefix: str, congress_home: Path) -> Iterator[str]:
    """The console as ``make demo`` runs it: ``python -m services.console.app`` with its environment."""
    port = free_port()
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "KAFKA_TOPIC_PREFIX": topic_prefix,
        "CONGRESS_SECRET": "console-browser-secret",
        "CONGRESS_ORGANISER_PASSWORD": PASSWORD,
        "CONSOLE_HTTP_PORT": str(port),
        "CONSOLE_LAG_INTERVAL_SECONDS": "1",
    }
    log = (congress_home / "console.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "services.console.app"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, (congress_home / "console.log").read_text()
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=15)
        log.close()


@pytest.fixture
async def page() -> AsyncIterator[Page]:
    async with async_playwright() as p:
        browser = await launch(p)
        context = await browser.new_context(viewport={"width": 1440, "height": 1000}, locale="en-GB")
        yield await context.new_page()
        await browser.close()


def figure(page: Page, card: str) -> Locator:
    return page.locator(f"#fig-{card} strong")


async def test_live_console_in_chromium(console_url: str, page: Page, kafka_bootstrap: str, topic_prefix: str) -> None:
    await ensure_topics(kafka_bootstrap, TopicPlan(prefix=topic_prefix))
    before = scenario()
    for data in before:
        await publish(kafka_bootstrap, topic_prefix + data.topic(), [data])

    # Signing in: the page sends us to the shared organiser sign-in and back.
    await page.goto(console_url + "/")
    await expect(page).to_have_url(f"{console_url}/organiser/login?next=/")
    await page.fill("input[name=email]", ORGANISER)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await expect(page).to_have_url(console_url + "/")
    await expect(page.locator("#status")).to_have_text("live")
    await expect(page.locator("li.event")).to_have_count(len(before))
    await expect(figure(page, "registrations")).to_have_text("4")

    # A new event appears without a reload, with its readable line, and the figures follow.
    newcomer = delegate("d-777", country="VN", category="student", name="Nguyễn Thị Hương")
    await publish(
        kafka_bootstrap,
        topic_prefix + "congress.registration",
        [
            RegistrationCreated(
                **common("d-777"), delegate=newcomer, total=eur(32000), payment_method=PaymentMethod.CARD
            )
        ],
    )
    line = page.locator('li.event[data-subject="d-777"]')
    await expect(line).to_have_count(1)
    await expect(line).to_contain_text("RegistrationCreated")
    await expect(line).to_contain_text("Nguyễn Thị Hương")
    await expect(line).to_contain_text("(VN, student) · EUR 320.00 · card")
    await expect(page.locator("li.event").first).to_have_attribute("data-subject", "d-777")
    await expect(figure(page, "registrations")).to_have_text("5")

    # Filters: by type, then by subject.
    await page.select_option("#f-type", "congress.notify.NotificationFailed.v1")
    await expect(page.locator("li.event")).to_have_count(1)
    await expect(page.locator("li.event")).to_have_attribute("data-subject", "d-003")
    await page.select_option("#f-type", "")
    await page.fill("#f-subject", "d-001")
    rows = page.locator("li.event")
    await expect(rows).to_have_count(sum(1 for e in before if e.key() == "d-001"))
    assert set(await rows.evaluate_all("els => els.map(e => e.dataset.subject)")) == {"d-001"}
    await page.select_option("#f-context", "badges")
    assert set(await rows.evaluate_all("els => els.map(e => e.dataset.context)")) == {"badges"}
    await page.select_option("#f-context", "")
    await page.fill("#f-subject", "")

    # Clicking an event shows its whole CloudEvent.
    await line.click()
    detail = page.locator("#detail-json")
    await expect(detail).to_be_visible()
    await expect(detail).to_contain_text('"specversion": "1.0"')
    await expect(detail).to_contain_text('"type": "congress.registration.RegistrationCreated.v1"')
    await expect(detail).to_contain_text("Nguyễn Thị Hương")

    # Pause holds new lines back; resume shows them.
    await page.click("#pause")
    failed = new_event(
        NotificationFailed(
            recipient_id="d-778",
            template="welcome",
            cause_event_id="c",
            message_id="<x@y>",
            to="x@invalid",
            reason="550 unknown user",
            permanent=True,
        ),
        "/tests",
    )
    await publish(kafka_bootstrap, topic_prefix + "congress.notify", [failed])
    await expect(page.locator("#shown")).to_contain_text("1 new (paused)")
    await expect(page.locator('li.event[data-subject="d-778"]')).to_have_count(0)
    await page.click("#pause")
    await expect(page.locator('li.event[data-subject="d-778"]')).to_have_count(1)

    # A burst of 300 events: the page keeps up; the screenshot is the artefact (and the README's picture).
    total = len(before) + 2 + 300
    await publish_all(kafka_bootstrap, topic_prefix, burst(300))
    await expect(figure(page, "events")).to_have_text(str(total), timeout=60_000)
    await expect(page.locator("li.event")).to_have_count(total)
    await expect(figure(page, "registrations")).to_have_text(
        str(5 + sum(1 for e in burst(300) if e.name == "RegistrationCreated"))
    )
    await page.locator('li.event[data-subject="d-0101"][data-type$=".RegistrationCreated.v1"]').click()
    await expect(detail).to_contain_text("山田 花子")
    await page.click("#close-detail")
    await page.locator("#events").evaluate("el => el.scrollTop = 0")
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "console-under-load.png"
    await page.screenshot(path=str(shot), full_page=False)
    if os.environ.get("UPDATE_DOCS_SCREENSHOT"):  # refresh the README's picture on purpose only
        shutil.copyfile(shot, ROOT / "docs" / "console.png")

    # The drill-down page lists everything about one delegate, in order.
    await page.goto(console_url + "/delegates/d-001")
    await expect(page.locator("#delegate-name")).to_contain_text("Ana Silva")
    names = await page.locator(".history li strong").all_inner_texts()
    assert names[:3] == ["RegistrationCreated", "RegistrationConfirmed", "PaymentSucceeded"]
    assert len(names) == sum(1 for e in before if e.key() == "d-001")


async def publish_all(bootstrap: str, prefix: str, items: list[EventData]) -> None:
    """One producer per topic, concurrently (order per delegate holds within each topic)."""
    by_topic: dict[str, list[EventData]] = {}
    for data in items:
        by_topic.setdefault(prefix + data.topic(), []).append(data)
    await asyncio.gather(*(publish(bootstrap, topic, events) for topic, events in by_topic.items()))
