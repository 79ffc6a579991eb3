"""The programme replica, delegates' agenda marks and calendar-feed tokens on SQL (same ``MetaData`` as ``db.py``).

``reg_programme_sessions``: one row per session of the published programme, its latest version (a cancelled
session stays, marked so, for the agendas that hold it). ``reg_agenda_marks``: (registration, session) pairs.
``reg_agenda_feeds``: one row per registration with a calendar feed — the SHA-256 of its token, never the token.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Column, DateTime, Integer, String, Table, Text, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.db import as_utc
from services.registration.adapters.db import metadata
from services.registration.domain.agenda import ProgrammeSession

programme_sessions = Table(
    "reg_programme_sessions",
    metadata,
    Column("session_id", String(64), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("title", Text, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("network", String(40), nullable=False),
    Column("starts_at", DateTime(timezone=True), nullable=False, index=True),
    Column("ends_at", DateTime(timezone=True), nullable=False),
    Column("room_name", Text, nullable=False),
    Column("chair", Text, nullable=True),
    Column("talks", JSON, nullable=False),
    Column("cancelled", Boolean, nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
)

agenda_marks = Table(
    "reg_agenda_marks",
    metadata,
    Column("registration_id", String(40), primary_key=True),
    Column("session_id", String(64), primary_key=True, index=True),
    Column("marked_at", DateTime(timezone=True), nullable=False),
)

agenda_feeds = Table(
    "reg_agenda_feeds",
    metadata,
    Column("registration_id", String(40), primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)


def session_row(s: ProgrammeSession) -> dict[str, Any]:
    return {
        "session_id": s.session_id,
        "version": s.version,
        "title": s.title,
        "kind": s.kind,
        "network": s.network,
        "starts_at": s.starts_at,
        "ends_at": s.ends_at,
        "room_name": s.room_name,
        "chair": s.chair,
        "talks": list(s.talks),
        "cancelled": s.cancelled,
        "changed_at": s.changed_at,
    }


def session_of(row: Any) -> ProgrammeSession:
    return ProgrammeSession(
        session_id=row.session_id,
        version=row.version,
        title=row.title,
        kind=row.kind,
        network=row.network,
        starts_at=as_utc(row.starts_at),
        ends_at=as_utc(row.ends_at),
        room_name=row.room_name,
        chair=row.chair,
        talks=tuple(row.talks),
        cancelled=row.cancelled,
        changed_at=as_utc(row.changed_at),
    )


class SqlAgenda:
    """``ports.AgendaRecords`` on the unit of work's session."""

    def __init__(self, session: AsyncSession) -> None:
        self.db = session

    async def session(self, session_id: str) -> ProgrammeSession | None:
        stmt = select(programme_sessions).where(programme_sessions.c.session_id == session_id)
        row = (await self.db.execute(stmt)).first()
        return None if row is None else session_of(row)

    async def put_session(self, session: ProgrammeSession) -> None:
        values = session_row(session)
        found = await self.db.execute(
            update(programme_sessions).where(programme_sessions.c.session_id == session.session_id).values(values)
        )
        if getattr(found, "rowcount", 0) == 0:
            await self.db.execute(insert(programme_sessions).values(values))

    async def programme(self) -> Sequence[ProgrammeSession]:
        stmt = (
            select(programme_sessions)
            .where(programme_sessions.c.cancelled.is_(False))
            .order_by(programme_sessions.c.starts_at, programme_sessions.c.session_id)
        )
        return [session_of(r) for r in await self.db.execute(stmt)]

    async def marked(self, registration_id: str) -> Sequence[ProgrammeSession]:
        stmt = (
            select(programme_sessions)
            .join(agenda_marks, agenda_marks.c.session_id == programme_sessions.c.session_id)
            .where(agenda_marks.c.registration_id == registration_id)
            .order_by(programme_sessions.c.starts_at, programme_sessions.c.session_id)
        )
        return [session_of(r) for r in await self.db.execute(stmt)]

    async def is_marked(self, registration_id: str, session_id: str) -> bool:
        stmt = select(agenda_marks.c.session_id).where(
            agenda_marks.c.registration_id == registration_id, agenda_marks.c.session_id == session_id
        )
        return (await self.db.execute(stmt)).first() is not None

    async def mark(self, registration_id: str, session_id: str, at: datetime) -> None:
        values = {"registration_id": registration_id, "session_id": session_id, "marked_at": at}
        await self.db.execute(insert(agenda_marks).values(values))

    async def unmark(self, registration_id: str, session_id: str) -> None:
        await self.db.execute(
            delete(agenda_marks).where(
                agenda_marks.c.registration_id == registration_id, agenda_marks.c.session_id == session_id
            )
        )

    async def feed_owner(self, token_hash: str) -> str | None:
        stmt = select(agenda_feeds.c.registration_id).where(agenda_feeds.c.token_hash == token_hash)
        owner = (await self.db.execute(stmt)).scalar()
        return None if owner is None else str(owner)

    async def has_feed(self, registration_id: str) -> bool:
        stmt = select(agenda_feeds.c.registration_id).where(agenda_feeds.c.registration_id == registration_id)
        return (await self.db.execute(stmt)).first() is not None

    async def set_feed(self, registration_id: str, token_hash: str, at: datetime) -> None:
        await self.drop_feed(registration_id)
        values = {"registration_id": registration_id, "token_hash": token_hash, "created_at": at}
        await self.db.execute(insert(agenda_feeds).values(values))

    async def drop_feed(self, registration_id: str) -> None:
        await self.db.execute(delete(agenda_feeds).where(agenda_feeds.c.registration_id == registration_id))

    async def forget(self, registration_id: str) -> None:
        await self.db.execute(delete(agenda_marks).where(agenda_marks.c.registration_id == registration_id))
        await self.drop_feed(registration_id)
