"""The programme from draft to public page in Chromium, with the events on real Kafka.

Accepted abstracts are made through the service's own JSON API (not the browser). The organiser signs in,
generates the draft, sees the day × room grid, tries a move that breaks a rule (the reason beside the field,
focused), moves a presentation, names a chair and publishes. A visitor then reads ``/programme`` by day and
local time (titles and presenters, no email anywhere) and downloads ``/programme.ics``; the publication is
read back from ``congress.programme``, each event once.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from icalendar import Calendar
from playwright.async_api import Browser, Page, async_playwright

from schemas import topics
from schemas.programme import ProgrammePublished, SessionScheduled
from services.abstracts.app import build
from services.abstracts.config import AbstractsSettings
from services.common.accounts import seeded_account_id
from services.devtools.processes import free_port
from tests.e2e.chromium import launch, served
from tests.integration.abstracts.conftest import BEFORE_DEADLINE, SECRET, Service
from tests.integration.abstracts.programme_data import accept_abstracts
from tests.kafka_helpers import read_events

PASSWORD = "programme-browser-password"
ORGANISER_EMAIL = "organiser@icsei.example.org"
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
CHAIR = "Jürgen Müller"


@asynccontextmanager
async def serving(kafka: str, prefix: str, db_path: Path) -> AsyncIterator[Service]:
    """The abstracts service on a free port (its lifespan starts the outbox relay), and an API client to it."""
    port = free_port()
    settings = AbstractsSettings(
        database_url=f"sqlite+aiosqlite:///{db_path}",
        public_url=f"http://127.0.0.1:{port}",
        http_port=port,
        relay_poll_seconds=0.2,
        KAFKA_BOOTSTRAP_SERVERS=kafka,
        KAFKA_TOPIC_PREFIX=prefix,
        CONGRESS_SECRET=SECRET,
        CONGRESS_ORGANISER_PASSWORD=PASSWORD,
    )
    runtime, app = build(settings, clock=lambda: BEFORE_DEADLINE)
    async with served(app, port) as base, httpx.AsyncClient(base_url=base) as client:
        yield Service(runtime, app, app.state.deps, client, [BEFORE_DEADLINE])


@pytest.mark.browser
async def test_programme_from_draft_to_public_page_in_the_browser(
    kafka_bootstrap: str, topic_prefix: str, tmp_path: Path
) -> None:
    async with serving(kafka_bootstrap, topic_prefix, tmp_path / "abstracts.sqlite3") as service:
        made = await accept_abstracts(service)
        base = str(service.client.base_url).rstrip("/")
        async with async_playwright() as p:
            browser = await launch(p)
            organiser = await browser.new_page()
            await sign_in_and_generate(organiser, base, made)
            await refused_move(organiser, f"SY-{made['s1']['reference']}")
            await valid_move_chair_publish(organiser, made)
            opened = service.runtime.keyring.opener(final=True)  # presenters' fields are sealed per person
            events = await read_events(kafka_bootstrap, topic_prefix + topics.PROGRAMME, until=published, open_=opened)
            scheduled = check_events(events)
            await visitor_reads_programme(browser, base, scheduled, tmp_path)
            await browser.close()


def published(events: list[Any]) -> bool:
    return len(events) >= 7 and any(isinstance(e.data, ProgrammePublished) for e in events)


async def has_focus(page: Page, element_id: str) -> bool:
    script = "id => document.activeElement !== null && document.activeElement.id === id"
    return bool(await page.wait_for_function(script, arg=element_id, timeout=5000))


async def sign_in_and_generate(page: Page, base: str, made: dict[str, dict[str, Any]]) -> None:
    await page.goto(f"{base}/organiser/programme")
    await page.wait_for_url(re.compile(r"/organiser/login"))
    await page.get_by_label("Email").fill(ORGANISER_EMAIL)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(re.compile(r"/organiser/programme$"))
    assert "Not published yet" in await page.locator("main").inner_text()
    assert await page.get_by_role("button", name="Publish").count() == 0  # nothing to publish before a draft
    await page.get_by_role("button", name="Generate the draft").click()
    assert await page.get_by_role("status").inner_text() == "Draft generated: 6 session(s) placed, 0 not placed."
    # The day × room grid: one table per day, a column per room, a row per time, the sessions in the cells.
    assert await page.get_by_role("heading", name="Tuesday 5 January 2027").count() == 1  # the workshop day
    grid = page.locator("table.grid")
    assert await grid.count() >= 2
    headers = await grid.first.locator("thead th").all_inner_texts()
    assert headers[0] == "Time" and "Room 301" in headers
    cells = " ".join(await grid.locator("td").all_inner_texts())
    for name in ("p1", "p2", "e1", "s1", "w1", "po"):
        assert made[name]["reference"] in cells
    assert made["r1"]["reference"] not in cells  # rejected: not in the programme
    # Two forms each have a "Session" select: ids stay unique, so each label names its own form's select.
    duplicates = "() => { const ids = [...document.querySelectorAll('[id]')].map(e => e.id);"
    duplicates += " return ids.filter((id, i) => ids.indexOf(id) !== i); }"
    assert await page.evaluate(duplicates) == []
    for action in ("move-session", "chair"):
        form = page.locator(f"form[action='/organiser/programme/{action}']")
        assert await form.get_by_label("Session", exact=True).count() == 1


async def refused_move(page: Page, symposium: str) -> None:
    """A symposium into a workshop room: the reason beside the place select, which has the focus."""
    await page.locator("#session_id").select_option(symposium)
    await page.get_by_label("To day, time and room").select_option("2027-01-06|0|R411")
    await page.get_by_role("button", name="Move the session").click()
    summary = page.get_by_role("alert")
    assert "does not suit a symposium session" in await summary.inner_text()
    reason = await page.locator("#place-error").inner_text()
    assert "does not suit a symposium session" in reason
    place = page.get_by_label("To day, time and room")
    assert await place.get_attribute("aria-invalid") == "true"
    assert await place.get_attribute("aria-describedby") == "place-error"
    assert await has_focus(page, "place")
    assert await place.input_value() == "2027-01-06|0|R411"  # what was chosen stays chosen
    assert await page.locator("#session_id").input_value() == symposium
    await summary.get_by_role("link").click()  # the summary's link leads to the field
    assert await has_focus(page, "place")


async def valid_move_chair_publish(page: Page, made: dict[str, dict[str, Any]]) -> None:
    await page.get_by_label("Paper or poster").select_option(made["p5"]["abstract_id"])
    await page.get_by_label("Into session").select_option("PO-1")  # a paper among posters: refused
    await page.get_by_role("button", name="Move the presentation").click()
    assert "can only join another paper session" in await page.locator("#to_session-error").inner_text()
    assert await has_focus(page, "to_session")
    assert await page.get_by_label("Paper or poster").input_value() == made["p5"]["abstract_id"]
    await page.get_by_label("Into session").select_option("DU-P2")
    await page.get_by_role("button", name="Move the presentation").click()
    assert (await page.get_by_role("status").inner_text()).startswith("Presentation moved.")
    assert await page.get_by_role("alert").count() == 0
    du2 = page.locator("table.grid td", has_text="DU-P2")
    assert made["p5"]["reference"] in await du2.inner_text()

    await page.locator("#chair-session").select_option("DU-P2")
    await page.get_by_label("Chair", exact=True).fill(CHAIR)
    await page.get_by_role("button", name="Save the chair").click()
    assert await page.get_by_role("status").inner_text() == "Chair of DU-P2 saved."
    assert f"chair: {CHAIR}" in await du2.inner_text()

    await page.get_by_role("button", name="Publish").click()
    message = "Version 1 published: 6 session(s) changed, 0 presentation(s) moved."
    assert await page.get_by_role("status").inner_text() == message
    assert "Version 1 is published" in await page.locator("main").inner_text()


def check_events(events: list[Any]) -> list[SessionScheduled]:
    """Six sessions scheduled and the publication, each exactly once; the sessions returned."""
    assert len({e.id for e in events}) == len(events)
    kinds = Counter(type(e.data).__name__ for e in events)
    assert kinds == Counter({"SessionScheduled": 6, "ProgrammePublished": 1})
    scheduled = [e.data for e in events if isinstance(e.data, SessionScheduled)]
    assert len({s.session_id for s in scheduled}) == 6
    done = next(e.data for e in events if isinstance(e.data, ProgrammePublished))
    assert (
        done.programme_version == 1
        and done.sessions == 6
        and done.published_by == seeded_account_id(SECRET, ORGANISER_EMAIL)
    )
    du2 = next(s for s in scheduled if s.session_id == "DU-P2")
    assert du2.chair == CHAIR and len(du2.presentations) == 3  # p2, p4 and the moved p5
    return scheduled


async def visitor_reads_programme(browser: Browser, base: str, scheduled: list[SessionScheduled], tmp: Path) -> None:
    context = await browser.new_context(accept_downloads=True)  # no organiser cookie
    page = await context.new_page()
    await page.goto(f"{base}/programme")
    html = await page.content()
    assert EMAIL.findall(html) == [], "the public programme shows email addresses"
    assert "Asia/Tokyo" in await page.locator("main").inner_text()
    for s in scheduled:
        tz = ZoneInfo(s.timezone)
        start, end = s.starts_at.astimezone(tz), s.ends_at.astimezone(tz)
        assert start.date() == s.day
        section = page.locator("section", has=page.get_by_role("heading", name=f"{start:%A %-d %B %Y}", exact=True))
        article = section.locator(f"article#{s.session_id}")
        assert await article.count() == 1, f"{s.session_id} is not under {start:%A %-d %B %Y}"
        heading = await article.evaluate(
            "a => { let n = a.previousElementSibling; while (n.tagName !== 'H3') n = n.previousElementSibling;"
            " return n.textContent; }"
        )
        assert heading == f"{start:%H:%M}–{end:%H:%M}"
        text = await article.inner_text()
        assert s.title in text and s.room_name in text
        for presentation in s.presentations:
            assert presentation.title in text
            assert all(x.name in text for x in presentation.presenters)
            assert all(x.email not in html for x in presentation.presenters)
        if s.session_id == "DU-P2":
            assert f"chair: {CHAIR}" in text

    async with page.expect_download() as info:
        await page.get_by_role("link", name="Add the programme to your calendar").click()
    download = await info.value
    path = tmp / download.suggested_filename
    await download.save_as(path)
    calendar = Calendar.from_ical(path.read_bytes())
    vevents = {str(e["uid"]): e for e in calendar.walk("VEVENT")}
    assert set(vevents) == {f"{s.session_id}@icsei-2027" for s in scheduled}
    for s in scheduled:
        event = vevents[f"{s.session_id}@icsei-2027"]
        assert event.decoded("dtstart") == s.starts_at and event.decoded("dtend") == s.ends_at
        assert str(event["summary"]) == s.title and str(event["location"]).startswith(s.room_name)
    assert EMAIL.findall(path.read_text(encoding="utf-8")) == []
    await context.close()
