"""The organisers' registration list as pages with a total, and every row in batches for exports.

Nothing is cut off: a page says which rows of how many it shows, and ``every_row`` reads the
whole filtered list in batches (keyset on the unique registration number, one short
transaction per batch) so an export of any size streams without holding it all in memory.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.common.text import clean_for_display
from services.registration.adapters.db import registrations
from services.registration.ports import Filters

EXPORT_BATCH = 500
"""Rows read per transaction while an export streams."""


def _filtered(filters: Filters, stmt: Select[Any]) -> Select[Any]:
    """``stmt`` narrowed to what the organiser filtered by (the search text cleaned by the one text rule)."""
    if filters.status:
        stmt = stmt.where(registrations.c.status == filters.status)
    if filters.category:
        stmt = stmt.where(registrations.c.category == filters.category)
    text = clean_for_display(filters.text)  # a NUL would make PostgreSQL refuse the query
    if text:
        like = f"%{text}%"
        stmt = stmt.where(
            registrations.c.family_name.ilike(like)
            | registrations.c.email.ilike(like)
            | registrations.c.affiliation.ilike(like)
            | registrations.c.number.ilike(like)
        )
    return stmt


async def count(session: AsyncSession, filters: Filters) -> int:
    stmt = _filtered(filters, select(func.count()).select_from(registrations))
    return int((await session.execute(stmt)).scalar_one())


async def page(session: AsyncSession, filters: Filters, *, offset: int, limit: int) -> list[dict[str, Any]]:
    """One page of the filtered list in registration-number order."""
    stmt = _filtered(filters, select(registrations)).order_by(registrations.c.number).offset(offset).limit(limit)
    return [dict(r) for r in (await session.execute(stmt)).mappings()]


async def every_row(
    sessionmaker: async_sessionmaker[AsyncSession], filters: Filters, *, batch: int = EXPORT_BATCH
) -> AsyncIterator[dict[str, Any]]:
    """Every filtered row in number order, read ``batch`` at a time after the last number seen."""
    after: str | None = None
    while True:
        stmt = _filtered(filters, select(registrations)).order_by(registrations.c.number).limit(batch)
        if after is not None:
            stmt = stmt.where(registrations.c.number > after)
        async with sessionmaker() as session:
            rows = [dict(r) for r in (await session.execute(stmt)).mappings()]
        for row in rows:
            yield row
        if len(rows) < batch:
            return
        after = rows[-1]["number"]
