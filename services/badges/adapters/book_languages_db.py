"""The books in other languages (``domain.book_languages``): the wishes and the files, and their queries on
``SqlBookStore``'s session. ``book_language_files`` has one row per (publication, language, network): as for
the edition's books, the conditional settlement lets one copy alone record them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, DateTime, Integer, String, Table, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.badges.adapters.db import metadata
from services.badges.domain.book import WHOLE, BookFile
from services.badges.domain.book_languages import Translation

book_languages = Table(
    "book_languages",
    metadata,
    Column("programme_version", Integer, primary_key=True),
    Column("language", String(8), primary_key=True),
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("settled_at", DateTime(timezone=True), nullable=True),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("retry_at", DateTime(timezone=True), nullable=True),
    Column("failure", String(300), nullable=True),
)

book_language_files = Table(
    "book_language_files",
    metadata,
    Column("programme_version", Integer, primary_key=True),
    Column("language", String(8), primary_key=True),
    Column("network", String(32), primary_key=True),
    Column("sha256", String(64), nullable=False),
    Column("size", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)


def _utc(value: datetime | None) -> datetime | None:
    return value if value is None or value.tzinfo is not None else value.replace(tzinfo=UTC)


def _translation(row: Any) -> Translation:
    return Translation(
        row.programme_version,
        row.language,
        attempts=row.attempts,
        retry_at=_utc(row.retry_at),
        failure=row.failure or "",
        made=row.settled_at is not None,
    )


class TranslationQueries:
    """The part of ``SqlBookStore`` about books in other languages."""

    session: AsyncSession

    async def translation(self, version: int, language: str) -> Translation | None:
        t = book_languages
        at = (t.c.programme_version == version, t.c.language == language)
        row = (await self.session.execute(select(t).where(*at))).first()
        return None if row is None else _translation(row)

    async def request_translation(self, version: int, language: str, now: datetime) -> None:
        if await self.translation(version, language) is None:
            await self.session.execute(
                insert(book_languages).values(programme_version=version, language=language, requested_at=now)
            )

    async def pending_translations(self, version: int) -> list[Translation]:
        t = book_languages
        rows = await self.session.execute(
            select(t).where(t.c.programme_version == version, t.c.settled_at.is_(None)).order_by(t.c.requested_at)
        )
        return [_translation(row) for row in rows]

    async def record_translation_failure(
        self, version: int, language: str, seen_attempts: int, failure: str, retry_at: datetime
    ) -> bool:
        t = book_languages
        done = await self.session.execute(
            update(t)
            .where(t.c.programme_version == version, t.c.language == language)
            .where(t.c.settled_at.is_(None), t.c.attempts == seen_attempts)
            .values(attempts=seen_attempts + 1, failure=failure[:300], retry_at=retry_at)
        )
        return bool(getattr(done, "rowcount", 0))

    async def settle_translation(self, version: int, language: str, files: Sequence[BookFile]) -> bool:
        t = book_languages
        done = await self.session.execute(
            update(t)
            .where(t.c.programme_version == version, t.c.language == language, t.c.settled_at.is_(None))
            .values(settled_at=func.now())
        )
        if not getattr(done, "rowcount", 0):
            return False  # another copy made them
        rows = [{**f.__dict__, "language": language} for f in files]
        if rows:
            await self.session.execute(insert(book_language_files), rows)
        return True

    async def translation_files(self, version: int, language: str) -> list[BookFile]:
        t = book_language_files
        rows = await self.session.execute(
            select(t.c.programme_version, t.c.network, t.c.sha256, t.c.size, t.c.created_at).where(
                t.c.programme_version == version, t.c.language == language
            )
        )
        files = [BookFile(**{**row._asdict(), "created_at": _utc(row.created_at)}) for row in rows]
        return sorted(files, key=lambda f: (f.network != WHOLE, f.network))
