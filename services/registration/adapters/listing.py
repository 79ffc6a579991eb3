"""The organisers' registration list as pages with a total, and every row in batches for exports.

Nothing is cut off: a page says which rows of how many it shows, and ``every_row`` reads the
whole filtered list in batches (keyset on the unique registration number, one short
transaction per batch) so an export of any size streams without holding it all in memory.
The search matches the folded words of the query against the folded ``search_text`` column
(``services.common.folding``), so it finds "Núñez" by "nunez" and "Дмитрий" by "дмитрий" on SQLite as on
PostgreSQL; filters are equalities on indexed columns, and a page is one SELECT.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.common.folding import words
from services.common.text import clean_for_display
from services.registration.adapters.db import registrations
from services.registration.ports import Filters

EXPORT_BATCH = 500
"""Rows read per transaction while an export streams."""
_R = registrations.c
ORDER: dict[str, tuple[ColumnElement[Any], ...]] = {
    "number": (_R.number,),
    "name": (_R.family_name, _R.given_name),
    "email": (_R.email,),
    "institution": (_R.affiliation,),
    "country": (_R.country,),
    "category": (_R.category,),
    "status": (_R.status,),
    "amount": (_R.total_minor,),
    "date": (_R.created_at,),
}
"""What each of ``ports.SORTS`` orders by (then the number, so pages never overlap)."""


def _like(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _filtered(filters: Filters, stmt: Select[Any]) -> Select[Any]:
    """``stmt`` narrowed to what the organiser filtered by (the search text cleaned by the one text rule)."""
    for column, value in (
        (_R.status, filters.status),
        (_R.category, filters.category),
        (_R.country, filters.country.upper()),
        (_R.payment_method, filters.payment_method),
    ):
        if value:
            stmt = stmt.where(column == value)
    for word in words(clean_for_display(filters.text)):  # a NUL would make PostgreSQL refuse the query
        stmt = stmt.where(_R.search_text.like(_like(word), escape="\\"))
    return stmt


def _ordered(filters: Filters, stmt: Select[Any]) -> Select[Any]:
    columns = ORDER.get(filters.sort, ORDER["number"])
    keys = [c.desc() if filters.descending else c.asc() for c in columns]
    return stmt.order_by(*keys, _R.number.desc() if filters.descending else _R.number.asc())


async def count(session: AsyncSession, filters: Filters) -> int:
    stmt = _filtered(filters, select(func.count()).select_from(registrations))
    return int((await session.execute(stmt)).scalar_one())


async def page(session: AsyncSession, filters: Filters, *, offset: int, limit: int) -> list[dict[str, Any]]:
    """One page of the filtered list in the order ``filters.sort`` asks for."""
    stmt = _ordered(filters, _filtered(filters, select(registrations))).offset(offset).limit(limit)
    return [dict(r) for r in (await session.execute(stmt)).mappings()]


async def countries(session: AsyncSession) -> list[str]:
    stmt = select(_R.country).distinct().order_by(_R.country)
    return list((await session.execute(stmt)).scalars())


async def every_row(
    sessionmaker: async_sessionmaker[AsyncSession], filters: Filters, *, batch: int = EXPORT_BATCH
) -> AsyncIterator[dict[str, Any]]:
    """Every filtered row in number order, read ``batch`` at a time after the last number seen."""
    after: str | None = None
    while True:
        stmt = _filtered(filters, select(registrations)).order_by(_R.number).limit(batch)
        if after is not None:
            stmt = stmt.where(_R.number > after)
        async with sessionmaker() as session:
            rows = [dict(r) for r in (await session.execute(stmt)).mappings()]
        for row in rows:
            yield row
        if len(rows) < batch:
            return
        after = rows[-1]["number"]
