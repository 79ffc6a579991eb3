"""Accepted abstracts and their presenting authors, and the presenter notices emitted about them.

``reg_presentations`` holds one row per accepted abstract (from ``AbstractDecided``; gone on
withdrawal or a later rejection). ``reg_presenter_notices`` records each notice emitted, one row
per (abstract, cause): its primary key is what makes a notice go out once, across restarts and
replicas. Recording ``registered`` removes the abstract's ``unregistered`` row and the other way round
(``presenters.replaced_by``), so the next change of coverage is reported once more.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from schemas.personal import ERASED
from services.common.db import as_utc
from services.registration.adapters.db import metadata, registrations
from services.registration.domain.presenters import Presentation, Presenter, replaced_by

presentations = Table(
    "reg_presentations",
    metadata,
    Column("abstract_id", String(64), primary_key=True),
    Column("reference", String(64), nullable=False),
    Column("title", Text, nullable=False),
    Column("presenters", JSON, nullable=False),
    Column("accepted_at", DateTime(timezone=True), nullable=False),
    Column("network", String(100), nullable=True, doc="The network it was accepted in (NULL: before 0004)."),
)

notices = Table(
    "reg_presenter_notices",
    metadata,
    Column("abstract_id", String(64), nullable=False),
    Column("cause", String(40), nullable=False),
    Column("event_id", String(64), nullable=False),
    Column("emitted_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("abstract_id", "cause"),
)

CONFIRMED = "confirmed"
"""The status of a registration that is paid or accepted on invoice and not cancelled."""


def _row(p: Presentation) -> dict[str, object]:
    return {
        "abstract_id": p.abstract_id,
        "reference": p.reference,
        "title": p.title,
        "presenters": [
            {"given_name": x.given_name, "family_name": x.family_name, "email": x.email, "language": x.language}
            | ({"papers": list(x.papers)} if x.papers else {})
            for x in p.presenters
        ],
        "accepted_at": p.accepted_at.astimezone(UTC),  # SQLite keeps no offset: store UTC
        "network": p.network,
    }


def _presentation(row: dict[str, Any]) -> Presentation:
    raw = row["presenters"]
    people = raw if isinstance(raw, list) else []
    return Presentation(
        abstract_id=str(row["abstract_id"]),
        reference=str(row["reference"]),
        title=str(row["title"]),
        presenters=tuple(
            Presenter(
                str(x["given_name"]),
                str(x["family_name"]),
                str(x["email"]),
                str(x.get("language", "en")),
                tuple(int(n) for n in x.get("papers") or ()),
            )
            for x in people
        ),
        accepted_at=as_utc(row["accepted_at"]),
        network=str(row.get("network") or ""),
    )


async def remember(session: AsyncSession, presentation: Presentation) -> None:
    """Keep (or replace, after a new decision) an accepted abstract and its presenters."""
    await session.execute(delete(presentations).where(presentations.c.abstract_id == presentation.abstract_id))
    await session.execute(insert(presentations).values(_row(presentation)))


async def forget(session: AsyncSession, abstract_id: str) -> None:
    """Withdrawn or rejected: no longer a presentation, and its notices start afresh if it is accepted again."""
    await session.execute(delete(presentations).where(presentations.c.abstract_id == abstract_id))
    await session.execute(delete(notices).where(notices.c.abstract_id == abstract_id))


async def forget_person(session: AsyncSession, is_person: Callable[[str], bool]) -> int:
    """Erasure of a person known by email: their presenter entries lose name and address; how many abstracts."""
    changed = 0
    for row in (await session.execute(select(presentations.c.abstract_id, presentations.c.presenters))).all():
        people = row.presenters if isinstance(row.presenters, list) else []
        if not any(is_person(str(x.get("email", ""))) for x in people):
            continue
        gone = {"given_name": ERASED, "family_name": ERASED, "email": ERASED}
        kept = [x | gone if is_person(str(x.get("email", ""))) else x for x in people]
        where = presentations.c.abstract_id == row.abstract_id
        await session.execute(update(presentations).where(where).values(presenters=kept))
        changed += 1
    return changed


async def get(session: AsyncSession, abstract_id: str) -> Presentation | None:
    """The accepted abstract kept under this id (None: not accepted, or forgotten)."""
    row = (await session.execute(select(presentations).where(presentations.c.abstract_id == abstract_id))).mappings()
    found = row.first()
    return None if found is None else _presentation(dict(found))


async def all_presentations(session: AsyncSession) -> list[Presentation]:
    rows = (await session.execute(select(presentations).order_by(presentations.c.reference))).mappings()
    return [_presentation(dict(r)) for r in rows]


async def sent_notices(session: AsyncSession) -> dict[str, set[str]]:
    """Abstract id -> the causes already emitted about it."""
    found: dict[str, set[str]] = {}
    for abstract_id, cause in (await session.execute(select(notices.c.abstract_id, notices.c.cause))).tuples():
        found.setdefault(abstract_id, set()).add(cause)
    return found


async def record_notice(session: AsyncSession, abstract_id: str, cause: str, event_id: str, now: datetime) -> None:
    replaced = replaced_by(cause)
    if replaced:
        await session.execute(
            delete(notices).where(notices.c.abstract_id == abstract_id, notices.c.cause.in_(replaced))
        )
    await session.execute(
        insert(notices).values(abstract_id=abstract_id, cause=cause, event_id=event_id, emitted_at=now.astimezone(UTC))
    )


async def confirmed_keys(session: AsyncSession, keys: Iterable[str]) -> set[str]:
    """Which of these email keys have a confirmed registration (trimmed, case-insensitive match)."""
    wanted = sorted(set(keys))
    if not wanted:
        return set()
    key = func.lower(func.trim(registrations.c.email))
    stmt = select(key).where(key.in_(wanted), registrations.c.status == CONFIRMED).distinct()
    return {str(k) for k in (await session.execute(stmt)).scalars()}
