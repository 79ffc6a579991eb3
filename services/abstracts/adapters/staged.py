"""``SqlStagedDecisions``: the staged decisions (``abs_staged_decisions``), one row per abstract."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Column, DateTime, String, Table, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from schemas.abstracts import AbstractFormat
from services.abstracts.adapters.db import metadata
from services.abstracts.domain.staging import Choice, Staged

staged_decisions = Table(
    "abs_staged_decisions",
    metadata,
    Column("abstract_id", String(40), primary_key=True),
    Column("choice", String(16), nullable=False),
    Column("format", String(20), nullable=True),
    Column("to_network", String(20), nullable=True),
    Column("staged_by", String(320), nullable=False),
    Column("staged_at", DateTime(timezone=True), nullable=False),
)


class SqlStagedDecisions:
    """The staged decisions on one session (the unit of work's)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def stage(self, staged: Staged) -> None:
        await self.unstage(staged.abstract_id)
        values = {
            "abstract_id": staged.abstract_id,
            "choice": staged.choice.value,
            "format": staged.format.value if staged.format else None,
            "to_network": staged.to_network,
            "staged_by": staged.staged_by,
            "staged_at": staged.staged_at,
        }
        await self.session.execute(insert(staged_decisions).values(**values))

    async def unstage(self, abstract_id: str) -> bool:
        statement = delete(staged_decisions).where(staged_decisions.c.abstract_id == abstract_id)
        return bool(getattr(await self.session.execute(statement), "rowcount", 0))

    async def staged(self) -> list[Staged]:
        query = select(staged_decisions).order_by(staged_decisions.c.staged_at, staged_decisions.c.abstract_id)
        return [
            Staged(
                abstract_id=r["abstract_id"],
                choice=Choice(r["choice"]),
                format=AbstractFormat(r["format"]) if r["format"] else None,
                to_network=r["to_network"],
                staged_by=r["staged_by"],
                staged_at=r["staged_at"],
            )
            for r in (await self.session.execute(query)).mappings()
        ]

    async def drop(self, abstract_ids: Sequence[str]) -> None:
        if abstract_ids:
            statement = delete(staged_decisions).where(staged_decisions.c.abstract_id.in_(list(abstract_ids)))
            await self.session.execute(statement)
