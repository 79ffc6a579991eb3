"""What notify keeps of the organisers' broadcasts: each message once, and who is still owed it.

``notify_broadcasts`` holds a broadcast's versions (and its first part's event, the cause a dead
letter names); ``notify_broadcast_owed`` has one row per (broadcast, delegate) until that
recipient's message is sent, queued for a retry or failed for good. The consumer writes both in
the transaction that records the event in its inbox; the sender takes the rows afterwards, sends,
and deletes each row in the transaction that writes its ledger entry — so a redelivered event, a
retried request or a restart owes nobody a second message.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Index,
    LargeBinary,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    delete,
    insert,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.broadcast_mail import Version
from services.notify.adapters.db import notify_metadata
from services.notify.domain.broadcast import Broadcast, Owed

broadcasts = Table(
    "notify_broadcasts",
    notify_metadata,
    Column("broadcast_id", String(64), primary_key=True),
    Column("versions", JSON, nullable=False, doc="[{language, subject, body_markdown}] as the organiser wrote them."),
    Column("default_language", String(35), nullable=False),
    Column("segment", Text, nullable=False),
    Column("cause_event", LargeBinary, nullable=False, doc="The first part's event, for the dead-letter topic."),
    Column("cause_topic", String(200), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
)

owed = Table(
    "notify_broadcast_owed",
    notify_metadata,
    Column("broadcast_id", String(64), nullable=False),
    Column("delegate_id", String(64), nullable=False),
    Column("owed_since", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("broadcast_id", "delegate_id"),
    Index("ix_notify_broadcast_owed_since", "owed_since"),
)


class SqlBroadcasts:
    """The broadcast store on one transaction's session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def remember(self, broadcast: Broadcast, cause_event: bytes, cause_topic: str, when: datetime) -> None:
        """Keep the broadcast's message, unless an earlier part (or a repeat) already did."""
        found = await self.session.execute(
            select(broadcasts.c.broadcast_id).where(broadcasts.c.broadcast_id == broadcast.broadcast_id)
        )
        if found.first() is not None:
            return
        await self.session.execute(
            insert(broadcasts).values(
                broadcast_id=broadcast.broadcast_id,
                versions=[
                    {"language": v.language, "subject": v.subject, "body_markdown": v.body_markdown}
                    for v in broadcast.versions
                ],
                default_language=broadcast.default_language,
                segment=broadcast.segment,
                cause_event=cause_event,
                cause_topic=cause_topic,
                received_at=when,
            )
        )

    async def owe(self, broadcast_id: str, delegate_ids: Iterable[str], when: datetime) -> int:
        """Owe these recipients their message, skipping those already owed; how many were added."""
        wanted = sorted(set(delegate_ids))
        if not wanted:
            return 0
        have = await self.session.execute(
            select(owed.c.delegate_id).where(owed.c.broadcast_id == broadcast_id, owed.c.delegate_id.in_(wanted))
        )
        new = sorted(set(wanted) - set(have.scalars()))
        if new:
            rows = [{"broadcast_id": broadcast_id, "delegate_id": d, "owed_since": when} for d in new]
            await self.session.execute(insert(owed), rows)
        return len(new)

    async def owed(self, limit: int) -> list[Owed]:
        """The oldest owed recipients."""
        rows = await self.session.execute(
            select(owed.c.broadcast_id, owed.c.delegate_id)
            .order_by(owed.c.owed_since, owed.c.broadcast_id, owed.c.delegate_id)
            .limit(limit)
        )
        return [Owed(r.broadcast_id, r.delegate_id) for r in rows]

    async def load(self, broadcast_id: str) -> tuple[Broadcast, bytes, str] | None:
        row = (await self.session.execute(select(broadcasts).where(broadcasts.c.broadcast_id == broadcast_id))).first()
        return None if row is None else (_broadcast(row), row.cause_event, row.cause_topic)

    async def forget(self, delegate_ids: Iterable[str]) -> None:
        """Erasure: these delegates are owed nothing any more."""
        await self.session.execute(delete(owed).where(owed.c.delegate_id.in_(sorted(set(delegate_ids)))))

    async def settle(self, item: Owed) -> bool:
        """No longer owed; False if it was not (another copy settled it first)."""
        result = await self.session.execute(
            delete(owed).where(owed.c.broadcast_id == item.broadcast_id, owed.c.delegate_id == item.delegate_id)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


def _broadcast(row: Any) -> Broadcast:
    versions = tuple(Version(str(v["language"]), str(v["subject"]), str(v["body_markdown"])) for v in row.versions)
    return Broadcast(
        broadcast_id=row.broadcast_id,
        versions=versions,
        default_language=row.default_language,
        segment=row.segment,
    )
