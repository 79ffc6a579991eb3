"""The programme's tables (on the abstracts service's metadata): the draft sessions and the published state.

The draft is replaced as a whole when an organiser generates it, and changed by moves; the
published table keeps, per session, the ``SessionScheduled`` payload last published, so a
re-publish can emit only what changed and the public pages show what was published.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Date, Integer, String, Table, Text, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.abstracts.adapters.db import counters, metadata
from services.abstracts.domain.draft import Entry
from services.abstracts.domain.scheduling import Paper, Place, Presenter, Session, Talk

Row = dict[str, Any]

sessions = Table(
    "prog_sessions",
    metadata,
    Column("id", String(60), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("network", String(20), nullable=False),
    Column("title", Text, nullable=False),
    Column("chair", String(300), nullable=True),
    Column("chair_email", String(320), nullable=True),
    Column("chair_language", String(16), nullable=True),
    Column("day", Date, nullable=True),
    Column("slot", Integer, nullable=True),
    Column("room", String(20), nullable=True),
    Column("talks", JSON, nullable=False),
    Column("unplaced_reason", Text, nullable=True),
)

published = Table(
    "prog_published",
    metadata,
    Column("session_id", String(60), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("starts_at", String(40), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("published_at", String(40), nullable=True),  # ISO 8601 UTC; null on rows published before it was kept
)


async def replace_draft(session: AsyncSession, rows: list[Row]) -> None:
    await session.execute(delete(sessions))
    if rows:
        await session.execute(insert(sessions), rows)


async def draft(session: AsyncSession) -> list[Row]:
    query = select(sessions).order_by(sessions.c.position, sessions.c.id)
    return [dict(r) for r in (await session.execute(query)).mappings()]


async def has_draft(session: AsyncSession) -> bool:
    return (await session.execute(select(sessions.c.id).limit(1))).first() is not None


async def place_session(session: AsyncSession, session_id: str, day: date, slot: int, room: str) -> None:
    values = {"day": day, "slot": slot, "room": room, "unplaced_reason": None}
    await session.execute(update(sessions).where(sessions.c.id == session_id).values(**values))


async def set_talks(session: AsyncSession, session_id: str, talks: list[Row]) -> None:
    await session.execute(update(sessions).where(sessions.c.id == session_id).values(talks=talks))


async def set_chair(
    session: AsyncSession, session_id: str, chair: str | None, email: str | None = None, language: str = "en"
) -> bool:
    values = {"chair": chair, "chair_email": email, "chair_language": language if email else None}
    result = await session.execute(update(sessions).where(sessions.c.id == session_id).values(**values))
    return bool(getattr(result, "rowcount", 0))


async def drop_session(session: AsyncSession, session_id: str) -> None:
    await session.execute(delete(sessions).where(sessions.c.id == session_id))


async def published_payloads(session: AsyncSession) -> dict[str, Row]:
    query = select(published).order_by(published.c.starts_at, published.c.session_id)
    return {r.session_id: dict(r.payload) for r in (await session.execute(query))}


async def save_published(
    session: AsyncSession, session_id: str, version: int, payload: Row, published_at: datetime
) -> None:
    values = {
        "version": version,
        "starts_at": payload["starts_at"],
        "payload": payload,
        "published_at": published_at.astimezone(UTC).isoformat(),
    }
    result = await session.execute(update(published).where(published.c.session_id == session_id).values(**values))
    if not getattr(result, "rowcount", 0):
        await session.execute(insert(published).values(session_id=session_id, **values))


async def last_publication(session: AsyncSession) -> tuple[int, datetime | None] | None:
    """The newest published version and when it was published (``None`` when nothing is published)."""
    query = select(func.max(published.c.version), func.max(published.c.published_at))
    version, at = (await session.execute(query)).one()
    if version is None:
        return None
    return int(version), datetime.fromisoformat(at) if at else None


async def drop_published(session: AsyncSession, session_id: str) -> None:
    await session.execute(delete(published).where(published.c.session_id == session_id))


async def counter_value(session: AsyncSession, name: str) -> int:
    value = (await session.execute(select(counters.c.value).where(counters.c.name == name))).scalar_one_or_none()
    return int(value or 0)


def _person(p: Presenter) -> Row:
    return {"name": p.name, "email": p.email, "language": p.language}


def talk_json(talk: Talk) -> Row:
    fields = {k: getattr(talk, k) for k in ("abstract_id", "reference", "title", "network", "kind")}
    presenters = [_person(p) for p in talk.presenters]
    row = fields | {"keywords": list(talk.keywords), "presenters": presenters}
    if talk.papers:  # a symposium's; other talks' rows stay as they were
        row["papers"] = [{"title": p.title, "presenters": [_person(x) for x in p.presenters]} for p in talk.papers]
        row["chair"] = _person(talk.chair) if talk.chair else None
        row["discussant"] = _person(talk.discussant) if talk.discussant else None
    return row


def talk_of(raw: Row) -> Talk:
    """A stored talk (rows written before symposia had papers have none)."""
    presenters = tuple(Presenter(**p) for p in raw["presenters"])
    papers = tuple(Paper(p["title"], tuple(Presenter(**x) for x in p["presenters"])) for p in raw.get("papers") or ())
    chair, discussant = raw.get("chair"), raw.get("discussant")
    return Talk(
        **{k: raw[k] for k in ("abstract_id", "reference", "title", "network", "kind")},
        keywords=tuple(raw["keywords"]),
        presenters=presenters,
        papers=papers,
        chair=Presenter(**chair) if chair else None,
        discussant=Presenter(**discussant) if discussant else None,
    )


def entry_of(row: Row) -> Entry:
    """A row of ``prog_sessions`` as a draft entry."""
    session = Session(row["id"], row["kind"], row["network"], row["title"], tuple(talk_of(t) for t in row["talks"]))
    place = Place(row["day"], row["slot"], row["room"]) if row["day"] is not None else None
    chair_email, chair_language = row.get("chair_email"), row.get("chair_language") or "en"
    return Entry(session, row["position"], place, row["chair"], row["unplaced_reason"], chair_email, chair_language)


def row_of(entry: Entry) -> Row:
    """A draft entry as a row of ``prog_sessions``."""
    s, place = entry.session, entry.place
    return {
        "id": s.id,
        "position": entry.position,
        "kind": s.kind,
        "network": s.network,
        "title": s.title,
        "chair": entry.chair,
        "chair_email": entry.chair_email,
        "chair_language": entry.chair_language if entry.chair_email else None,
        "day": place.day if place else None,
        "slot": place.slot if place else None,
        "room": place.room if place else None,
        "talks": [talk_json(t) for t in s.talks],
        "unplaced_reason": entry.unplaced_reason,
    }


class SqlProgrammeStore:
    """The ``ProgrammeStore`` port on one session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def draft(self) -> list[Entry]:
        return [entry_of(r) for r in await draft(self.session)]

    async def has_draft(self) -> bool:
        return await has_draft(self.session)

    async def replace_draft(self, entries: Sequence[Entry]) -> None:
        await replace_draft(self.session, [row_of(e) for e in entries])

    async def place_session(self, session_id: str, day: date, slot: int, room: str) -> None:
        await place_session(self.session, session_id, day, slot, room)

    async def set_talks(self, session_id: str, talks: Sequence[Talk]) -> None:
        await set_talks(self.session, session_id, [talk_json(t) for t in talks])

    async def set_chair(
        self, session_id: str, chair: str | None, email: str | None = None, language: str = "en"
    ) -> bool:
        return await set_chair(self.session, session_id, chair, email, language)

    async def drop_session(self, session_id: str) -> None:
        await drop_session(self.session, session_id)

    async def published(self) -> dict[str, Row]:
        return await published_payloads(self.session)

    async def save_published(self, session_id: str, version: int, payload: Row, published_at: datetime) -> None:
        await save_published(self.session, session_id, version, payload, published_at)

    async def last_publication(self) -> tuple[int, datetime | None] | None:
        return await last_publication(self.session)

    async def drop_published(self, session_id: str) -> None:
        await drop_published(self.session, session_id)

    async def counter_value(self, name: str) -> int:
        return await counter_value(self.session, name)
