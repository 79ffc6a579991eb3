"""An author's erasure reaches the book of abstracts' replica in badges (docs/privacy.md): the replica keeps each
author's pseudonym, not their address, and on ``AuthorErased`` (or a delegate's ``RegistrationErased``) the
person's name and institution go from every abstract outside the published programme, and stay as printed in
the published programme's. Real SQL on each database, through the consumers' own handler tables."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from schemas.abstracts import AbstractSubmitted, Author, AuthorErased
from schemas.base import EventData, new_event
from schemas.programme import Presentation, Presenter, SessionKind, SessionScheduled
from schemas.registration import RegistrationErased
from services.badges.adapters import db
from services.badges.adapters.book_db import SqlBookUnits, book_abstracts, book_sessions
from services.badges.adapters.clock import SystemClock
from services.badges.adapters.store import DiskPdfStore
from services.badges.ports import BookDeps
from services.badges.subscriptions import book_handlers, handlers
from services.common.congress import load_congress
from services.common.db import create_tables, make_engine, make_sessionmaker
from services.common.keyring import person_ref
from services.common.outbox import Outbox

SECRET = "book-erasure-secret"
NOW = datetime(2027, 1, 5, 1, 0, tzinfo=UTC)


def author(family: str, email: str, institution: str) -> Author:
    return Author(given_name="Ines", family_name=family, email=email, affiliation=institution, country="PT")


def submitted(abstract_id: str, *authors: Author) -> AbstractSubmitted:
    return AbstractSubmitted(
        congress_id="icsei-2027",
        abstract_id=abstract_id,
        reference=f"R-{abstract_id}",
        content_version=1,
        format="paper",
        network="DU",
        title=f"Title {abstract_id}",
        text="Text.",
        authors=authors,
        submitter_email=authors[0].email,
        submitted_at=NOW,
    )


def scheduled(abstract_id: str) -> SessionScheduled:
    return SessionScheduled(
        congress_id="icsei-2027",
        session_id="DU-1",
        title="Session",
        kind=SessionKind.PAPER,
        network="DU",
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
                title="T",
                presenters=(Presenter(name="Ines Printed", email="printed@x.example"),),
            ),
        ),
        programme_version=1,
    )


async def test_an_erased_author_of_an_unpublished_abstract_is_not_readable_in_badges(
    db_url: str, tmp_path: Path
) -> None:
    engine = make_engine(db_url)
    await create_tables(engine, db.metadata)
    sessions = make_sessionmaker(engine)
    deps = BookDeps(
        SqlBookUnits(sessions, Outbox("/badges")),
        None,  # type: ignore[arg-type]  # no book is rendered here
        DiskPdfStore(tmp_path / "pdfs"),
        load_congress(None),
        SystemClock(),
        SECRET,
    )
    book_table = book_handlers(deps)
    registration_table = handlers(None, book_units=deps.units)  # type: ignore[arg-type]  # only the erasure

    async def deliver(table: dict[type[EventData], Any], data: EventData) -> None:
        async with sessions() as session, session.begin():
            await table[type(data)](new_event(data, "/test"), session)

    async def kept() -> str:
        async with sessions() as session:
            rows = (await session.execute(select(book_abstracts.c.abstract_id, book_abstracts.c.payload))).all()
            published = (await session.execute(select(book_sessions.c.payload))).scalars().all()
        return str({row.abstract_id: row.payload for row in rows}) + str(published)

    erin = author("Rejectedauthor", "erin@x.example", "Erin Institute")
    carla = author("Coauthor", "carla@x.example", "Carla College")
    dana = author("Delegateauthor", "dana@x.example", "Dana Academy")
    try:
        await deliver(book_table, submitted("rejected", erin, carla))
        await deliver(book_table, submitted("published", erin))
        await deliver(book_table, submitted("dana-unpublished", dana))
        await deliver(book_table, scheduled("published"))
        before = await kept()
        assert "x.example" not in before.replace("printed@x.example", "")  # no author's address in the replica
        assert before.count("Rejectedauthor") == 2 and "Erin Institute" in before

        erased = AuthorErased(
            congress_id="icsei-2027",
            person_ref=person_ref(SECRET, "Erin@X.example "),
            abstracts=2,
            reviewer=False,
            erased_at=NOW,
            erased_by="chair@x.example",
        )
        await deliver(book_table, erased)
        after = await kept()
        assert (
            after.count("Rejectedauthor") == 1 and after.count("Erin Institute") == 1
        )  # the published one, as printed
        async with deps.units.read() as store:
            content = await store.abstracts()
        assert [a["family_name"] for a in content["rejected"]["authors"]] == ["erased", "Coauthor"]
        assert content["published"]["authors"][0]["family_name"] == "Rejectedauthor"
        assert "Carla College" in after  # the co-author stays

        registration_erased = RegistrationErased(
            congress_id="icsei-2027",
            registration_id="r1",
            delegate_id="d1",
            registration_version=3,
            erased_at=NOW,
            erased_by="delegate",
            person_ref=person_ref(SECRET, "dana@x.example"),
        )
        await deliver(registration_table, registration_erased)
        assert "Delegateauthor" not in await kept() and "Dana Academy" not in await kept()
    finally:
        await engine.dispose()
