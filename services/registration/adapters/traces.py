"""What other services did for a delegate, as registration heard it: badges issued and printed, check-ins, emails.

Registration consumes ``BadgeIssued``, ``BadgePrinted`` and ``DelegateCheckedIn`` (``congress.badges``) and
``NotificationSent`` (``congress.notify``) into this one small table, keyed by delegate, so the organisers' page of
a registration can say whether the badge is ready, printed, and the delegate checked in, and which emails went out.
Same ``MetaData`` as ``db.py``. An email's recipient address is not kept (the registration has it); its subject is
blanked when the delegate's personal data are erased.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, DateTime, Integer, String, Table, Text, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.registration.adapters.db import metadata
from services.registration.ports import Row

traces = Table(
    "reg_delegate_traces",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(64), nullable=False, unique=True),
    Column("delegate_id", String(40), nullable=False, index=True),
    # ``badge`` (issued), ``printed``, ``checked_in`` or ``email``.
    Column("kind", String(16), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("detail", Text, nullable=False),
)


class SqlTraces:
    """``ports.Traces`` on the unit of work's session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def note(self, event_id: str, delegate_id: str, kind: str, at: datetime, detail: str) -> bool:
        values: dict[str, Any] = {"event_id": event_id, "delegate_id": delegate_id, "kind": kind}
        try:
            async with self.session.begin_nested():
                await self.session.execute(insert(traces).values(**values, at=at, detail=detail))
        except IntegrityError:
            return False
        return True

    async def of(self, delegate_id: str) -> list[Row]:
        stmt = select(traces).where(traces.c.delegate_id == delegate_id).order_by(traces.c.at, traces.c.id)
        return [dict(r) for r in (await self.session.execute(stmt)).mappings()]

    async def forget(self, delegate_id: str) -> None:
        await self.session.execute(
            update(traces).where(traces.c.delegate_id == delegate_id, traces.c.kind == "email").values(detail="")
        )
