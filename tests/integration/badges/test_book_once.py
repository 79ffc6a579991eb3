"""The books of a publication are made once, whichever copy of badges gets there, and only once the publication's
session events have all arrived (``ProgrammePublished`` is keyed by congress, the sessions by session: another
partition, any order), and the content of its abstracts. Real SQL on each database; the renderer is a
stand-in (the PDFs are the other test's)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from schemas.abstracts import AbstractSubmitted, Author
from schemas.programme import Presentation, Presenter, ProgrammePublished, SessionKind, SessionScheduled
from services.badges.adapters import db
from services.badges.adapters.book_db import SqlBookUnits
from services.badges.adapters.clock import SystemClock
from services.badges.adapters.store import DiskPdfStore
from services.badges.commands import book
from services.badges.domain.book import WHOLE, Book
from services.badges.ports import BookDeps
from services.common import jobs
from services.common.congress import load_congress
from services.common.db import create_tables, make_engine, make_sessionmaker
from services.common.outbox import Outbox

NOW = datetime(2027, 1, 5, 1, 0, tzinfo=UTC)


class CountingRenderer:
    """Renders a book as its titles, and counts the books it was asked for."""

    def __init__(self, copy: str) -> None:
        self.copy, self.books = copy, 0

    async def render_book(self, made: Book) -> bytes:
        self.books += 1
        await asyncio.sleep(0.05)  # both copies are rendering at once
        return f"%PDF {self.copy} {[i.title for i in made.items]}".encode()


def submitted(abstract_id: str, network: str) -> AbstractSubmitted:
    person = Author(given_name="Ana", family_name=abstract_id, email="a@x.example", affiliation="U", country="PT")
    return AbstractSubmitted(
        congress_id="icsei-2027",
        abstract_id=abstract_id,
        reference=f"R-{abstract_id}",
        content_version=1,
        format="paper",
        network=network,
        title=f"Title {abstract_id}",
        text="Text.",
        authors=(person,),
        submitter_email="a@x.example",
        submitted_at=NOW,
    )


def pseudonym(email: str) -> str:
    """Stands in for ``keyring.person_ref``: the replica keeps this instead of the address."""
    return "person-1"


def scheduled(session_id: str, abstract_id: str, network: str) -> SessionScheduled:
    return SessionScheduled(
        congress_id="icsei-2027",
        session_id=session_id,
        title=session_id,
        kind=SessionKind.PAPER,
        network=network,
        day=NOW.date(),
        starts_at=NOW,
        ends_at=NOW,
        timezone="Asia/Tokyo",
        room_code="R1",
        room_name="Room 1",
        presentations=(
            Presentation(
                abstract_id=abstract_id,
                reference="R",
                title=f"Title {abstract_id}",
                presenters=(Presenter(name="Ana", email="p@x.example"),),
            ),
        ),
        programme_version=1,
    )


async def test_two_copies_make_a_publications_books_once_and_only_when_it_is_complete(
    db_url: str, tmp_path: Path
) -> None:
    engines = [make_engine(db_url), make_engine(db_url)]
    await create_tables(engines[0], db.metadata)
    copies = [
        BookDeps(
            SqlBookUnits(make_sessionmaker(e), Outbox("/badges")),
            CountingRenderer(f"copy{n}"),  # type: ignore[arg-type]
            DiskPdfStore(tmp_path / "pdfs"),
            load_congress(None),
            SystemClock(),
            "secret",
        )
        for n, e in enumerate(engines)
    ]
    first = copies[0]
    try:
        async with first.units.begin() as store:
            await book.record_content(store, submitted("a1", "DU"), pseudonym)
            published = ProgrammePublished(
                congress_id="icsei-2027",
                programme_version=1,
                sessions=2,
                presentations=2,
                sessions_changed=2,
                presentations_moved=0,
                published_at=NOW,
                published_by="chair@x.example",
            )
            await book.record_publication(store, published)  # before its sessions: another partition was slower
            await book.record_session(store, scheduled("DU-1", "a1", "DU"))
        assert await book.make_books(first) is None  # one session event still on its way
        async with first.units.begin() as store:
            await book.record_session(store, scheduled("EL-1", "a2", "EL"))
            await book.record_publication(store, published)  # a second copy of the event changes nothing
        assert await book.make_books(first) is None  # a2's content is behind on the abstracts topic
        async with first.units.begin() as store:
            await book.record_content(store, submitted("a2", "EL"), pseudonym)

        made = await asyncio.gather(*(book.make_books(c) for c in copies))  # no lease: the settle decides
        assert sorted(made, key=str) == [1, None]
        again = [
            await jobs.run_once(e, jobs.Job("badges.book", lambda c=c: book.make_books(c)))
            for e, c in zip(engines, copies, strict=True)
        ]
        assert again == [True, True]  # the lease was free; there was nothing left to make
        async with first.units.read() as store:
            files = await store.latest_files()
            kept = f"{await store.abstracts()} {await store.live_sessions()}"
        assert "x.example" not in kept and "Ana" in kept  # names kept, no address
        assert [(f.programme_version, f.network) for f in files] == [(1, WHOLE), (1, "DU"), (1, "EL")]
        winner = next(c for c, m in zip(copies, made, strict=True) if m == 1)
        stored = {f.network: first.store.get(f.sha256) for f in files}
        assert stored["EL"] == f"%PDF {winner.renderer.copy} ['Title a2']".encode()  # type: ignore[attr-defined]
        assert stored[WHOLE].endswith(b"['Title a1', 'Title a2']")
        assert [c.renderer.books for c in copies] == [3, 3]  # type: ignore[attr-defined]  # none made twice after
    finally:
        for e in engines:
            await e.dispose()
