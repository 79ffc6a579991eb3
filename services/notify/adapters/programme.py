"""What notify keeps about the programme: each session's latest scheduled version and the presenters it told.

``SessionScheduled`` of a later version needs to know whom notify told about the session
before ("your session changed"), and ``SessionCancelled`` carries no presenters at all,
so notify remembers them. Events about one session share a key (one partition, in order).
Written in the handler's session: they commit with the inbox entry of the event that taught them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from sqlalchemy import Boolean, Column, Date, DateTime, Integer, String, Table, Text, delete, false, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from schemas.programme import SessionScheduled
from services.notify.adapters.db import notify_metadata
from services.notify.domain.programme import SessionSeen, Told, merged, session_seen, told_of

sessions = Table(
    "notify_sessions",
    notify_metadata,
    Column("session_id", String(64), primary_key=True),
    Column("version", Integer, nullable=False, doc="programme_version of the latest SessionScheduled."),
    Column("title", Text, nullable=False),
    Column("day", Date, nullable=False),
    Column("starts_at", DateTime(timezone=True), nullable=False),
    Column("ends_at", DateTime(timezone=True), nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("room_name", Text, nullable=False),
)

presenters = Table(
    "notify_session_presenters",
    notify_metadata,
    Column("session_id", String(64), primary_key=True),
    Column("recipient_id", String(64), primary_key=True),
    Column("email", String(320), nullable=False),
    Column("name", Text, nullable=False),
    Column("language", String(35), nullable=False),
    Column("presentations", Text, nullable=False, doc="JSON list of [abstract_id, reference, title]."),
    Column("chairs", Boolean, nullable=False, server_default=false(), doc="They chair the session (a person)."),
)


async def told_about(session: AsyncSession, session_ids: Iterable[str]) -> frozenset[tuple[str, str]]:
    """(session id, recipient id) of every presenter notify told about these sessions."""
    ids = sorted(set(session_ids))
    if not ids:
        return frozenset()
    query = select(presenters.c.session_id, presenters.c.recipient_id).where(presenters.c.session_id.in_(ids))
    return frozenset((row.session_id, row.recipient_id) for row in await session.execute(query))


async def remember_session(session: AsyncSession, data: SessionScheduled, also: Sequence[Told] = ()) -> None:
    """The session now holds these presenters, and ``also`` those told with them (a symposium's chair and
    discussant, the session's chair), one row a person; a newer stored version is not overwritten."""
    stored = await session.execute(select(sessions.c.version).where(sessions.c.session_id == data.session_id))
    current = stored.scalar_one_or_none()
    if current is not None and current > data.programme_version:
        return
    await forget_session(session, data.session_id)
    seen = session_seen(data)
    await session.execute(
        insert(sessions).values(
            session_id=seen.session_id,
            version=seen.version,
            title=seen.title,
            day=seen.day,
            starts_at=seen.starts_at,
            ends_at=seen.ends_at,
            timezone=seen.timezone,
            room_name=seen.room_name,
        )
    )
    rows = [
        {
            "session_id": t.session_id,
            "recipient_id": t.recipient_id,
            "email": t.email,
            "name": t.name,
            "language": t.language,
            "presentations": json.dumps([list(p) for p in t.presentations], ensure_ascii=False),
            "chairs": t.chairs,
        }
        for t in merged((*told_of(data), *also))
    ]
    if rows:
        await session.execute(insert(presenters), rows)


async def load_session(session: AsyncSession, session_id: str) -> tuple[SessionSeen | None, tuple[Told, ...]]:
    """The session as last scheduled and the presenters notify told about it."""
    row = (await session.execute(select(sessions).where(sessions.c.session_id == session_id))).first()
    seen = None
    if row is not None:
        seen = SessionSeen(
            session_id=row.session_id,
            version=row.version,
            title=row.title,
            day=row.day,
            starts_at=_utc(row.starts_at),
            ends_at=_utc(row.ends_at),
            timezone=row.timezone,
            room_name=row.room_name,
        )
    query = select(presenters).where(presenters.c.session_id == session_id).order_by(presenters.c.recipient_id)
    told = tuple(
        Told(
            session_id=r.session_id,
            recipient_id=r.recipient_id,
            email=r.email,
            name=r.name,
            language=r.language,
            presentations=tuple((str(a), str(b), str(c)) for a, b, c in json.loads(r.presentations)),
            chairs=bool(r.chairs),
        )
        for r in await session.execute(query)
    )
    return seen, told


async def forget_session(session: AsyncSession, session_id: str) -> None:
    await session.execute(delete(presenters).where(presenters.c.session_id == session_id))
    await session.execute(delete(sessions).where(sessions.c.session_id == session_id))


def _utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; they were stored as UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class SqlProgramme:
    """The ``ProgrammeStore`` on a transaction's session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def told_about(self, session_ids: Iterable[str]) -> frozenset[tuple[str, str]]:
        return await told_about(self.session, session_ids)

    async def remember_session(self, data: SessionScheduled, also: Sequence[Told] = ()) -> None:
        await remember_session(self.session, data, also)

    async def load_session(self, session_id: str) -> tuple[SessionSeen | None, tuple[Told, ...]]:
        return await load_session(self.session, session_id)

    async def forget_session(self, session_id: str) -> None:
        await forget_session(self.session, session_id)
