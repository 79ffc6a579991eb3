"""An abstract goes from author to decision through the pages in Chromium, with the events on real Kafka.

The author makes mistakes (messages beside the fields, the first one focused, nothing typed lost), adds and
removes author rows with and without JavaScript, watches the live word count (the same rule as
``domain.count_words``), submits and revises through the edit link; the organiser signs in, adds two
reviewers and assigns them; a reviewer opens their portal link and sees the abstract without any author
identity, and scores it; the organiser decides. Every event is read back from ``congress.abstracts`` once.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from schemas import topics
from schemas.abstracts import (
    AbstractDecided,
    AbstractRevised,
    AbstractSubmitted,
    Decision,
    ReviewerAssignedV2,
    ReviewSubmitted,
)
from schemas.personal import Open
from services.abstracts.app import build
from services.abstracts.config import AbstractsSettings
from services.abstracts.domain.submission import count_words
from services.devtools.processes import free_port
from tests.e2e.chromium import launch, served
from tests.kafka_helpers import following_keys, read_events

BEFORE_DEADLINE = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
PASSWORD = "browser-test-password"
SHORT = "学校でdata useを研究する"  # 学 校 で data use を 研 究 す る = 10 words
TEXT = " ".join(["Schools that use data well improve their teaching and learning."] * 12)  # 120 words
IDENTITIES = ("Aiko", "田中", "aiko@example.org", "東京大学", "Amani", "Otieno", "amani@example.org", "Kenyatta")
WORD_SAMPLES = [
    "",
    "well-known  results,\tagain\n",
    "東京でresearchを",
    "한국어 문장 두 개",
    "日本語の文章です。",
    "𠮷野家 2024 年",
    "a\u3000b\xa0c\u2003d",
    "ｶﾀｶﾅ と ＡＢＣ",
    "— 42 — x",
]


@asynccontextmanager
async def serving(kafka: str, prefix: str, db_path: Path) -> AsyncIterator[str]:
    port = free_port()
    settings = AbstractsSettings(
        database_url=f"sqlite+aiosqlite:///{db_path}",
        public_url=f"http://127.0.0.1:{port}",
        http_port=port,
        relay_poll_seconds=0.2,
        KAFKA_BOOTSTRAP_SERVERS=kafka,
        KAFKA_TOPIC_PREFIX=prefix,
        CONGRESS_SECRET="browser-test-secret",
        CONGRESS_ORGANISER_PASSWORD=PASSWORD,
    )
    _runtime, app = build(settings, clock=lambda: BEFORE_DEADLINE)
    async with served(app, port) as base:
        yield base


@pytest.mark.browser
async def test_abstract_from_submission_to_decision_in_the_browser(
    kafka_bootstrap: str, topic_prefix: str, tmp_path: Path
) -> None:
    async with serving(kafka_bootstrap, topic_prefix, tmp_path / "abstracts.sqlite3") as base:
        async with async_playwright() as p:
            browser = await launch(p)
            await rows_without_javascript(browser, base)
            author = await browser.new_page()
            edit_link = await submit_with_mistakes_then_correct(author, base)
            await revise(author, edit_link)
            abstract_id = edit_link.split("/abstracts/")[1].split("?")[0]
            organiser = await browser.new_page()  # its own context: the organiser's cookie stays there
            portal = await add_reviewers_and_assign(organiser, base)
            reviewer = await browser.new_page()
            await review_blind(reviewer, portal)
            await decide(organiser, base, abstract_id)
            await browser.close()
        async with following_keys(kafka_bootstrap, topic_prefix, "browser-test-secret") as open_:
            await check_events(kafka_bootstrap, topic_prefix + topics.ABSTRACTS, open_)  # authors' fields are sealed


async def has_focus(page: Page, element_id: str) -> bool:
    """Waits (briefly) for ``autofocus`` or a script to move the focus to the element."""
    script = "id => document.activeElement !== null && document.activeElement.id === id"
    return bool(await page.wait_for_function(script, arg=element_id, timeout=5000))


async def rows_without_javascript(browser: Browser, base: str) -> None:
    """The add/remove buttons post the form; the page comes back with everything typed."""
    context = await browser.new_context(java_script_enabled=False)
    page = await context.new_page()
    await page.goto(f"{base}/submit")
    await page.get_by_label("Title", exact=True).fill("Kept while rows change")
    await page.locator("#authors-0-given_name").fill("Ana")
    await page.get_by_role("button", name="Add an author").click()
    await expect(page.locator("fieldset.author")).to_have_count(4)
    assert await page.get_by_label("Title", exact=True).input_value() == "Kept while rows change"
    assert await page.locator("#authors-0-given_name").input_value() == "Ana"
    assert await has_focus(page, "authors-1-given_name")  # the first empty row
    await page.get_by_role("button", name="Remove author 1").click()
    await expect(page.locator("fieldset.author")).to_have_count(3)
    assert await page.locator("#authors-0-given_name").input_value() == ""
    assert await page.get_by_label("Title", exact=True).input_value() == "Kept while rows change"
    await context.close()


async def fill_author(page: Page, i: int, **fields: str) -> None:
    for name, value in fields.items():
        locator = page.locator(f"#authors-{i}-{name}")
        if name == "country":
            await locator.select_option(value)
        else:
            await locator.fill(value)


async def submit_with_mistakes_then_correct(page: Page, base: str) -> str:
    await page.goto(f"{base}/submit")
    await page.get_by_label("Format").select_option("paper")
    await page.get_by_label("Network").select_option("DU")
    await page.get_by_label("Abstract", exact=True).fill(SHORT)
    assert await page.locator("#text-count").inner_text() == f"{count_words(SHORT)} words — a paper needs 100–500"
    assert await page.evaluate("xs => xs.map(window.abstractWordCount)", WORD_SAMPLES) == [
        count_words(s) for s in WORD_SAMPLES
    ]
    await page.get_by_label("Your email").fill("aiko@example.org")
    await fill_author(page, 0, given_name="Aiko", family_name="田中", email="not-an-email", affiliation="東京大学")
    await fill_author(page, 0, country="JP")
    await page.locator("#authors-0-presenting").check()
    await fill_author(page, 1, given_name="Amani", family_name="Otieno", email="amani@example.org")
    await fill_author(page, 1, affiliation="Kenyatta University", country="KE")
    await fill_author(page, 2, given_name="Temporary")
    await page.get_by_role("button", name="Remove author 3").click()  # in place, with JavaScript
    await expect(page.locator("fieldset.author")).to_have_count(2)
    await page.get_by_role("button", name="Add an author").click()
    await expect(page.locator("fieldset.author")).to_have_count(3)
    assert await has_focus(page, "authors-2-given_name")
    assert await page.locator("#authors-2-given_name").input_value() == ""
    assert await page.locator("#authors-1-family_name").input_value() == "Otieno"
    await page.get_by_role("button", name="Submit abstract").click()

    # Back with messages beside the fields, the first one focused, and everything as typed.
    assert await page.locator("#error-summary").get_attribute("role") == "alert"
    assert await page.locator("#title-error").inner_text() == "Please give your abstract a title."
    assert await page.get_by_label("Title", exact=True).get_attribute("aria-describedby") == "title-hint title-error"
    assert await has_focus(page, "title")
    assert "needs at least 100 words; this one has 10" in await page.locator("#text-error").inner_text()
    assert "Enter an email address" in await page.locator("#authors-0-email-error").inner_text()
    assert await page.get_by_label("Abstract", exact=True).input_value() == SHORT
    assert await page.locator("#authors-0-family_name").input_value() == "田中"
    assert await page.locator("#authors-0-country").input_value() == "JP"
    assert await page.locator("#authors-0-presenting").is_checked()
    assert await page.locator("#authors-1-affiliation").input_value() == "Kenyatta University"
    assert "10 words" in await page.locator("#text-count").inner_text()

    await page.get_by_label("Title", exact=True).fill("Data use in Japanese schools")
    await page.get_by_label("Abstract", exact=True).fill(TEXT)
    assert (await page.locator("#text-count").inner_text()).startswith("120 words")
    await page.locator("#authors-0-email").fill("aiko@example.org")
    await page.get_by_role("button", name="Submit abstract").click()
    assert await page.locator("#reference").inner_text() == "ICSEI27-A-0001"
    link = await page.locator("#edit-link").get_attribute("href")
    assert link is not None and "/abstracts/" in link and "?t=" in link
    return link


async def revise(page: Page, edit_link: str) -> None:
    await page.goto(edit_link)
    assert await page.locator("#status").inner_text() == "submitted"
    assert await page.locator("#authors-1-given_name").input_value() == "Amani"
    await page.get_by_label("Title", exact=True).fill("データ活用と学校改善")
    await page.get_by_role("button", name="Save changes").click()
    assert await page.get_by_role("status").inner_text() == "Your changes are saved."
    assert "version 2" in await page.locator("main").inner_text()
    assert await page.get_by_label("Title", exact=True).input_value() == "データ活用と学校改善"


async def add_reviewers_and_assign(page: Page, base: str) -> str:
    await page.goto(f"{base}/organiser/reviewers")
    await page.wait_for_url(re.compile(r"/organiser/login"))
    await page.get_by_label("Email").fill("organiser@icsei.example.org")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(re.compile(r"/organiser/reviewers$"))
    await page.get_by_role("button", name="Add reviewer").click()
    assert await page.locator("#name-error").inner_text() == "Please fill in the reviewer's name."
    assert await has_focus(page, "name")
    for name, email, institution in (
        ("Mwangi Njeri", "njeri@rev.example.org", "University of Nairobi"),
        ("Bo Larsen", "bo@rev.example.org", "Aarhus University"),
    ):
        await page.get_by_label("Name", exact=True).fill(name)
        await page.get_by_label("Email", exact=True).fill(email)
        await page.get_by_label("Institution", exact=True).fill(institution)
        await page.get_by_label("Data Use").check()
        await page.get_by_role("button", name="Add reviewer").click()
        assert await page.get_by_role("status").inner_text() == f"{name} added."
    await page.get_by_role("link", name="Abstracts").click()
    await page.get_by_role("button", name="Assign reviewers").click()
    assert await page.get_by_role("status").inner_text() == "2 assignment(s) made."
    await page.get_by_role("link", name="Reviewers").click()
    portal = await page.get_by_label("Portal link of Mwangi Njeri").get_attribute("href")
    assert portal is not None and "/review/" in portal
    return portal


async def review_blind(page: Page, portal: str) -> None:
    await page.goto(portal)
    await page.get_by_role("link", name="ICSEI27-A-0001").click()
    html, text = await page.content(), await page.locator("body").inner_text()
    assert "データ活用と学校改善" in html and "Schools that use data well" in html
    leaked = [s for s in (*IDENTITIES, "Japan", "Kenya") if s.casefold() in html.casefold()]
    assert leaked == [], f"the reviewer's page shows {leaked}"
    assert not re.search(r"\b(JP|KE)\b", text)
    await page.get_by_role("radio", name="4").first.check()  # relevance only: the others are missing
    await page.get_by_role("button", name="Save review").click()
    assert "Give a score from 1" in await page.locator("#scores-originality-error").inner_text()
    assert await has_focus(page, "originality-1")
    for code, score in (("originality", 3), ("rigour", 5), ("clarity", 4)):
        await page.locator(f"#{code}-{score}").check()
    await page.get_by_label("Accept", exact=True).check()
    await page.get_by_label("Comments to the authors").fill("A clear, useful study.")
    await page.get_by_role("button", name="Save review").click()
    assert (await page.get_by_role("status").inner_text()).startswith("Thank you — your review is saved.")
    assert await page.locator("#rigour-5").is_checked()


async def decide(page: Page, base: str, abstract_id: str) -> None:
    await page.goto(f"{base}/organiser/abstracts/{abstract_id}")
    assert "Mwangi Njeri" in await page.locator("main").inner_text()
    await page.get_by_role("button", name="Accept").click()
    assert await page.get_by_role("status").inner_text() == "ICSEI27-A-0001 accepted."
    assert await page.locator("#status").inner_text() == "accepted"


async def check_events(bootstrap: str, topic: str, open_: Open) -> None:
    def decided(events: list[Any]) -> bool:
        return any(isinstance(e.data, AbstractDecided) for e in events)

    events = await read_events(bootstrap, topic, until=decided, open_=open_)
    kinds = Counter(type(e.data).name for e in events)
    once = ("AbstractSubmitted", "AbstractRevised", "ReviewSubmitted", "AbstractDecided")
    assert kinds == Counter({**dict.fromkeys(once, 1), "ReviewerAssigned": 2})
    assert len({e.id for e in events}) == len(events)  # each exactly once
    submitted = next(e.data for e in events if isinstance(e.data, AbstractSubmitted))
    assert [a.family_name for a in submitted.authors] == ["田中", "Otieno"] and submitted.authors[0].presenting
    revised = next(e.data for e in events if isinstance(e.data, AbstractRevised))
    assert revised.title == "データ活用と学校改善" and revised.content_version == 2
    assigned = [e.data for e in events if isinstance(e.data, ReviewerAssignedV2)]
    assert {a.reviewer_name for a in assigned} == {"Mwangi Njeri", "Bo Larsen"}
    review = next(e.data for e in events if isinstance(e.data, ReviewSubmitted))
    assert review.scores == {"relevance": 4, "originality": 3, "rigour": 5, "clarity": 4}
    decision = next(e.data for e in events if isinstance(e.data, AbstractDecided))
    assert decision.decision == Decision.ACCEPTED and decision.title == "データ活用と学校改善"
    assert decision.mean_score == 4.0 and decision.comments_to_authors == ("A clear, useful study.",)
