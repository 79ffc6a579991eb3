"""``reg_audit_history``: the audit records (``congress.audit``, any service) that name a delegate.

Filled by the audit consumer (``subscriptions/audit.py``), read for one registration's history on the
organisers' pages. A record holds ids, figures and the organiser's reason, no personal content, so it
outlives an erasure like the audit topic itself.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, String, Table, Text, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from schemas.audit import OrganiserActed
from services.common.db import as_utc
from services.registration.adapters.db import metadata

audit_history = Table(
    "reg_audit_history",
    metadata,
    Column("audit_id", String(64), primary_key=True),
    Column("delegate_id", String(64), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("service", String(40), nullable=False),
    Column("actor_kind", String(20), nullable=False),
    Column("actor", String(320), nullable=False),
    Column("action", String(120), nullable=False),
    Column("subject_kind", String(20), nullable=False),
    Column("subject_id", String(64), nullable=False),
    Column("reason", Text, nullable=True),
    Column("details", JSON, nullable=False),
    Index("ix_reg_audit_history_delegate_at", "delegate_id", "at"),
)
FIELDS = tuple(c.name for c in audit_history.columns)


class SqlAuditHistory:
    """``ports.AuditHistory`` on the service's database."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def keep(self, record: OrganiserActed) -> bool:
        if record.delegate_id is None:
            return False
        known = select(audit_history.c.audit_id).where(audit_history.c.audit_id == record.audit_id)
        if (await self.session.execute(known)).first() is not None:
            return False
        values: dict[str, Any] = record.model_dump(mode="json", include=set(FIELDS))
        await self.session.execute(insert(audit_history).values({**values, "at": record.at}))
        return True

    async def of_delegate(self, delegate_id: str, *, limit: int) -> list[OrganiserActed]:
        newest = (
            select(audit_history)
            .where(audit_history.c.delegate_id == delegate_id)
            .order_by(audit_history.c.at.desc(), audit_history.c.audit_id.desc())
            .limit(limit)
        )
        rows = (await self.session.execute(newest)).mappings().all()
        return [OrganiserActed.model_validate({**row, "at": as_utc(row["at"])}) for row in rows]
