"""Which accepted abstracts registration reported as having no registered presenter (``abs_presenter_marks``).

One row per abstract marked by ``PresenterUnregistered``; ``PresenterRegistered`` removes it.
Registration keys both by abstract id, so one abstract's events arrive in order.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Column, DateTime, String, Table, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.abstracts.adapters.db import metadata

marks = Table(
    "abs_presenter_marks",
    metadata,
    Column("abstract_id", String(64), primary_key=True),
    Column("reference", String(64), nullable=False),
    Column("event_id", String(64), nullable=False),
    Column("marked_at", DateTime(timezone=True), nullable=False),
)


async def mark(session: AsyncSession, abstract_id: str, reference: str, event_id: str, at: datetime) -> None:
    """Mark the abstract (again: the newer report replaces the older)."""
    await session.execute(delete(marks).where(marks.c.abstract_id == abstract_id))
    values = {"abstract_id": abstract_id, "reference": reference, "event_id": event_id, "marked_at": at.astimezone(UTC)}
    await session.execute(insert(marks).values(values))


async def unmark(session: AsyncSession, abstract_id: str) -> None:
    await session.execute(delete(marks).where(marks.c.abstract_id == abstract_id))


async def marked(session: AsyncSession) -> set[str]:
    """Ids of the abstracts without a registered presenter."""
    return set((await session.execute(select(marks.c.abstract_id))).scalars())


class SqlPresenterMarks:
    """The ``PresenterMarks`` port on one session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def mark(self, abstract_id: str, reference: str, event_id: str, at: datetime) -> None:
        await mark(self.session, abstract_id, reference, event_id, at)

    async def unmark(self, abstract_id: str) -> None:
        await unmark(self.session, abstract_id)

    async def marked(self) -> set[str]:
        return await marked(self.session)
