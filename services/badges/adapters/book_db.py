"""The book of abstracts' tables and ``SqlBookStore`` (``ports.BookStore``) on one session.

Abstracts and sessions are kept as their newest event's JSON (``payload``; NULL once withdrawn or
cancelled), so a field a later event version adds (a symposium's papers, a discussant) reaches the
template without a migration. ``book_files`` has one row per (publication, network): its primary key
is the book's single effect, whichever copy renders it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Integer, String, Table, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.badges.adapters.book_languages_db import TranslationQueries
from services.badges.adapters.db import metadata
from services.badges.domain.book import WHOLE, BookFile, Json, Publication, ReplicaCounts
from services.common.outbox import Outbox
from services.common.unit_of_work import transaction

book_abstracts = Table(
    "book_abstracts",
    metadata,
    Column("abstract_id", String(64), primary_key=True),
    Column("content_version", Integer, nullable=False),
    Column("payload", JSON, nullable=True),
)

book_sessions = Table(
    "book_sessions",
    metadata,
    Column("session_id", String(64), primary_key=True),
    Column("programme_version", Integer, nullable=False),
    Column("payload", JSON, nullable=True),
)

book_publications = Table(
    "book_publications",
    metadata,
    Column("programme_version", Integer, primary_key=True),
    Column("sessions", Integer, nullable=False),
    Column("sessions_changed", Integer, nullable=False),
    Column("sessions_cancelled", Integer, nullable=False),
    Column("published_at", DateTime(timezone=True), nullable=False),
    Column("settled_at", DateTime(timezone=True), nullable=True),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("retry_at", DateTime(timezone=True), nullable=True),
    Column("failure", String(300), nullable=True),
)

book_files = Table(
    "book_files",
    metadata,
    Column("programme_version", Integer, primary_key=True),
    Column("network", String(32), primary_key=True),
    Column("sha256", String(64), nullable=False),
    Column("size", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)


def _utc(value: datetime) -> datetime:
    """SQLite gives back a naive datetime for a timezone-aware column: it was stored in UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _publication(row: Any) -> Publication:
    return Publication(
        row.programme_version,
        row.sessions,
        row.sessions_changed,
        row.sessions_cancelled,
        _utc(row.published_at),
        attempts=row.attempts,
        retry_at=_utc(row.retry_at) if row.retry_at is not None else None,
        failure=row.failure or "",
    )


class SqlBookStore(TranslationQueries):
    """``BookStore`` on one session (a unit of work's or the consumer batch's)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _scalar(self, statement: Any) -> Any:
        return (await self.session.execute(statement)).scalar()

    async def abstract_version(self, abstract_id: str) -> int | None:
        t = book_abstracts
        return await self._scalar(select(t.c.content_version).where(t.c.abstract_id == abstract_id))  # type: ignore[no-any-return]

    async def save_abstract(self, abstract_id: str, version: int, payload: Json | None) -> None:
        t = book_abstracts
        values = {"content_version": version, "payload": dict(payload) if payload is not None else None}
        done = await self.session.execute(update(t).where(t.c.abstract_id == abstract_id).values(**values))
        if not getattr(done, "rowcount", 0):
            await self.session.execute(insert(t).values(abstract_id=abstract_id, **values))

    async def session_version(self, session_id: str) -> int | None:
        t = book_sessions
        return await self._scalar(select(t.c.programme_version).where(t.c.session_id == session_id))  # type: ignore[no-any-return]

    async def save_session(self, session_id: str, version: int, payload: Json | None) -> None:
        t = book_sessions
        values = {"programme_version": version, "payload": dict(payload) if payload is not None else None}
        done = await self.session.execute(update(t).where(t.c.session_id == session_id).values(**values))
        if not getattr(done, "rowcount", 0):
            await self.session.execute(insert(t).values(session_id=session_id, **values))

    async def add_publication(self, publication: Publication, published_at: datetime) -> None:
        t = book_publications
        if await self._scalar(select(t.c.programme_version).where(t.c.programme_version == publication.version)):
            return
        await self.session.execute(
            insert(t).values(
                programme_version=publication.version,
                sessions=publication.sessions,
                sessions_changed=publication.sessions_changed,
                sessions_cancelled=publication.sessions_cancelled,
                published_at=published_at,
            )
        )

    async def pending_publication(self) -> Publication | None:
        t = book_publications
        newest = await self._scalar(select(func.max(t.c.programme_version)))
        row = (
            await self.session.execute(select(t).where(t.c.programme_version == newest, t.c.settled_at.is_(None)))
        ).first()
        if row is None:
            return None
        return _publication(row)

    async def record_failure(self, version: int, seen_attempts: int, failure: str, retry_at: datetime) -> bool:
        t = book_publications
        done = await self.session.execute(
            update(t)
            .where(t.c.programme_version == version, t.c.settled_at.is_(None), t.c.attempts == seen_attempts)
            .values(attempts=seen_attempts + 1, failure=failure[:300], retry_at=retry_at)
        )
        return bool(getattr(done, "rowcount", 0))  # 0: another copy recorded this failure, or the book got made

    async def newest_publication(self) -> tuple[Publication, bool] | None:
        t = book_publications
        row = (await self.session.execute(select(t).order_by(t.c.programme_version.desc()).limit(1))).first()
        return None if row is None else (_publication(row), row.settled_at is not None)

    async def counts(self, version: int) -> ReplicaCounts:
        t = book_sessions
        live, cancelled = t.c.payload.is_not(None), t.c.payload.is_(None)
        at = t.c.programme_version == version
        return ReplicaCounts(
            scheduled_at=await self._scalar(select(func.count()).where(at, live)),
            cancelled_at=await self._scalar(select(func.count()).where(at, cancelled)),
            live=await self._scalar(select(func.count()).where(live)),
            newest=await self._scalar(select(func.coalesce(func.max(t.c.programme_version), 0))),
        )

    async def live_sessions(self) -> list[Json]:
        t = book_sessions
        rows = await self.session.execute(select(t.c.payload).where(t.c.payload.is_not(None)))
        return [row.payload for row in rows]

    async def known_abstracts(self) -> set[str]:
        t = book_abstracts
        return set((await self.session.execute(select(t.c.abstract_id))).scalars())

    async def abstracts(self) -> dict[str, Json]:
        t = book_abstracts
        rows = await self.session.execute(select(t.c.abstract_id, t.c.payload).where(t.c.payload.is_not(None)))
        return {row.abstract_id: row.payload for row in rows}

    async def settle(self, version: int, files: Sequence[BookFile]) -> bool:
        t = book_publications
        done = await self.session.execute(
            update(t).where(t.c.programme_version == version, t.c.settled_at.is_(None)).values(settled_at=func.now())
        )
        if not getattr(done, "rowcount", 0):
            return False  # another copy settled it: its rows stand, this copy writes nothing
        await self.session.execute(
            update(t).where(t.c.programme_version < version, t.c.settled_at.is_(None)).values(settled_at=func.now())
        )
        rows = [{**f.__dict__} for f in files]
        if rows:
            await self.session.execute(insert(book_files), rows)
        return True

    async def latest_files(self) -> list[BookFile]:
        t = book_files
        newest = await self._scalar(select(func.max(t.c.programme_version)))
        rows = await self.session.execute(select(t).where(t.c.programme_version == newest))
        files = [BookFile(**row._asdict()) for row in rows]
        return sorted(files, key=lambda f: (f.network != WHOLE, f.network))


@dataclass
class SqlBookUnits:
    """``ports.BookUnits`` on the service's sessionmaker, each transaction the kernel's."""

    sessions: async_sessionmaker[AsyncSession]
    outbox: Outbox

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[SqlBookStore]:
        async with transaction(self.sessions, self.outbox) as uow:
            yield SqlBookStore(uow.session)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[SqlBookStore]:
        async with self.sessions() as session:
            yield SqlBookStore(session)

    def within(self, transaction: object) -> SqlBookStore:
        if not isinstance(transaction, AsyncSession):
            raise TypeError(f"a book store joins an AsyncSession, not {type(transaction).__name__}")
        return SqlBookStore(transaction)
