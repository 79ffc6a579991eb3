"""A failed book render waits a growing, capped, jittered time recorded in its publication's row: every copy of
badges honours it, a failure is counted once whichever copies saw it, and a book is made once after it.
Real SQL on each database; the renderer is a stand-in that fails (the PDFs are the other tests')."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import cast

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from services.badges.adapters import db
from services.badges.adapters.book_db import SqlBookUnits
from services.badges.adapters.store import DiskPdfStore
from services.badges.commands import book
from services.badges.domain.backoff import Backoff
from services.badges.domain.book import Book, Publication
from services.badges.ports import BookDeps, Renderer
from services.common.congress import load_congress
from services.common.db import create_tables, make_engine, make_sessionmaker
from services.common.outbox import Outbox
from tests.integration.badges.test_book_once import NOW, pseudonym, scheduled, submitted
from tests.integration.badges.test_station_pages import Badges, badges  # noqa: F401 - the fixture

BACKOFF = Backoff(base_seconds=60, cap_seconds=600)


@dataclass
class MovableClock:
    at: datetime

    def now(self) -> datetime:
        return self.at


class FlakyRenderer:
    """Fails its first ``failures`` renders (as a broken render pool would), then renders a book as its titles."""

    def __init__(self, failures: int) -> None:
        self.failures, self.calls, self.books = failures, 0, 0
        self.languages: list[str] = []

    async def render_book(self, made: Book) -> bytes:
        self.calls += 1
        self.languages.append(made.language)
        await asyncio.sleep(0.02)  # copies rendering at once overlap
        if self.calls <= self.failures:
            raise RuntimeError(f"render worker died (call {self.calls})\nTraceback line")
        self.books += 1
        return f"%PDF {made.language} {[i.title for i in made.items]}".encode()


async def publish(deps: BookDeps) -> None:
    from schemas.programme import ProgrammePublished

    async with deps.units.begin() as store:
        await book.record_content(store, submitted("a1", "DU"), pseudonym)
        await book.record_session(store, scheduled("DU-1", "a1", "DU"))
        await book.record_publication(
            store,
            ProgrammePublished(
                congress_id="icsei-2027",
                programme_version=1,
                sessions=1,
                presentations=1,
                sessions_changed=1,
                presentations_moved=0,
                published_at=NOW,
                published_by="chair@x.example",
            ),
        )


def retry_at(publication: Publication) -> datetime:
    assert publication.retry_at is not None
    return publication.retry_at


async def row(deps: BookDeps) -> Publication:
    async with deps.units.read() as store:
        newest = await store.newest_publication()
    assert newest is not None
    return newest[0]


@dataclass
class Copies:
    """Copies of badges on one database (each its own engine), sharing one movable clock."""

    engines: list[AsyncEngine]
    store: DiskPdfStore
    clock: MovableClock

    def copy(self, renderer: FlakyRenderer) -> BookDeps:
        units = SqlBookUnits(make_sessionmaker(self.engines[self.made % 2]), Outbox("/badges"))
        self.made += 1
        return book_deps(units, renderer, self.clock, self.store)

    made: int = 0


def book_deps(units: SqlBookUnits, renderer: FlakyRenderer, clock: MovableClock, store: DiskPdfStore) -> BookDeps:
    """A copy's dependencies with a fixed jitter (0.5: each wait three quarters of its ceiling)."""
    return BookDeps(units, cast(Renderer, renderer), store, load_congress(None), clock, "s", BACKOFF, lambda: 0.5)


@pytest.fixture
async def two_copies(db_url: str, tmp_path: Path) -> AsyncIterator[Copies]:
    engines = [make_engine(db_url), make_engine(db_url)]
    await create_tables(engines[0], db.metadata)
    yield Copies(engines, DiskPdfStore(tmp_path / "pdfs"), MovableClock(NOW))
    for e in engines:
        await e.dispose()


async def test_a_render_that_fails_twice_waits_longer_each_time_then_makes_the_book_once(
    two_copies: Copies, caplog: pytest.LogCaptureFixture
) -> None:
    clock, renderer = two_copies.clock, FlakyRenderer(failures=2)
    a, b = two_copies.copy(renderer), two_copies.copy(renderer)
    await publish(a)
    caplog.set_level(logging.INFO, logger="congress.badges.book")

    assert await book.make_books(a) is None  # the first render fails
    first = await row(a)
    assert first.attempts == 1 and first.failure == "RuntimeError: render worker died (call 1)"
    first_wait = retry_at(first) - NOW
    assert timedelta(seconds=30) <= first_wait <= timedelta(seconds=60)

    clock.at = retry_at(first) - timedelta(seconds=1)
    assert await book.make_books(b) is None and renderer.calls == 1  # the other copy waits too: no render

    clock.at = retry_at(first)
    assert await book.make_books(b) is None  # the second render fails
    second = await row(a)
    second_wait = retry_at(second) - clock.at
    assert second.attempts == 2 and second_wait > first_wait
    assert timedelta(seconds=60) <= second_wait <= timedelta(seconds=120)

    clock.at = retry_at(second) - timedelta(seconds=1)
    assert await book.make_books(a) is None and renderer.calls == 2
    clock.at = retry_at(second)
    assert await book.make_books(a) == 1  # the third render makes the books
    assert await book.make_books(b) is None  # made: nothing rendered again
    assert renderer.calls == 4 and renderer.books == 2  # two failures, then the whole book and DU's, once each
    async with a.units.read() as store:
        assert [f.network for f in await store.latest_files()] == ["", "DU"]

    failures = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert [(r.attempt, r.reason, r.programme_version) for r in failures] == [  # type: ignore[attr-defined]
        (1, "RuntimeError: render worker died (call 1)", 1),
        (2, "RuntimeError: render worker died (call 2)", 1),
    ]
    assert [r.retry_in_seconds for r in failures] == [first_wait.total_seconds(), second_wait.total_seconds()]  # type: ignore[attr-defined]


async def test_one_failure_seen_by_two_copies_at_once_is_counted_once(
    two_copies: Copies, caplog: pytest.LogCaptureFixture
) -> None:
    a, b = two_copies.copy(FlakyRenderer(failures=1)), two_copies.copy(FlakyRenderer(failures=1))
    await publish(a)
    caplog.set_level(logging.INFO, logger="congress.badges.book")
    both = await asyncio.gather(book.make_books(a), book.make_books(b))  # no lease (as on SQLite): both render
    assert list(both) == [None, None]
    assert (await row(a)).attempts == 1  # one failure of one pass-time, counted once
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 1


async def test_the_programme_team_sees_a_failing_book_and_when_it_is_tried_again(badges: Badges) -> None:  # noqa: F811
    units = SqlBookUnits(badges.runtime.sessionmaker, Outbox("/badges"))
    deps = book_deps(units, FlakyRenderer(failures=1), MovableClock(NOW), DiskPdfStore(Path("/nonexistent")))
    assert "No programme has been published yet" in (await badges.client.get("/organiser/book")).text
    await publish(deps)
    await book.make_books(deps)
    page = (await badges.client.get("/organiser/book")).text
    assert 'id="book-state" class="failed"' in page and "failed 1 time." in page
    assert "RuntimeError: render worker died (call 1)" in page and "Next try: 5 January 2027, 10:" in page  # Tokyo
    public = (await badges.client.get("/book")).text
    assert "render worker" not in public and 'id="not-yet"' in public  # the public page shows no reason
    anonymous = await badges.client.get("/organiser/book", headers={"authorization": ""})
    assert anonymous.status_code in (303, 401)
