"""``SqlNoticesShown``: which privacy notice version (and language) each abstract's submission form showed
(``abs_notices_shown``, one row per abstract; issue 16, docs/privacy.md "Consent")."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime, String, Table, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.abstracts.adapters.db import metadata

notices_shown = Table(
    "abs_notices_shown",
    metadata,
    Column("abstract_id", String(40), primary_key=True),
    Column("notice_version", String(40), nullable=False),
    Column("notice_language", String(20), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)


class SqlNoticesShown:
    """The notices shown, on one session (the unit of work's)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record(self, abstract_id: str, version: str, language: str, now: datetime) -> None:
        values = {"abstract_id": abstract_id, "notice_version": version, "notice_language": language}
        await self.session.execute(insert(notices_shown).values(values | {"recorded_at": now}))

    async def shown(self, abstract_id: str) -> tuple[str, str] | None:
        stmt = select(notices_shown.c.notice_version, notices_shown.c.notice_language).where(
            notices_shown.c.abstract_id == abstract_id
        )
        row = (await self.session.execute(stmt)).first()
        return None if row is None else (row[0], row[1])
