"""Claiming queued messages for a send outside any transaction, and settling them after it.

The retry queue ``notify_pending`` holds every finished message not yet sent. A sender never
holds a transaction open across an SMTP exchange: it *claims* messages in one short
transaction — their ``next_attempt_at`` moved to the end of a lease, so no other sender or copy
finds them due — commits, sends, and *settles* them in another: sent or failed ones are deleted
(``DELETE … RETURNING``, ``queue_sql.settle``: only a sender that still finds the row records the ledger
row and the event), deferred ones rescheduled if the claim is still theirs. Owed messages the sender
holds already are claimed by id alone (``queue_sql.claim_ids``). On PostgreSQL the claim skips
rows another copy is claiming at that instant (``FOR UPDATE SKIP LOCKED``); on SQLite the claim is
one statement of the one writer. A sender that dies leaves its claims to expire: they are due
again at the end of the lease and the next retry pass sends them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.notify.adapters.db import pending, record_of
from services.notify.domain.delivery import Deferral, Envelope, Queued


async def claim(
    session: AsyncSession, *, now: datetime, until: datetime, message_ids: Sequence[str] | None, limit: int
) -> list[Queued]:
    """Claim up to ``limit`` due messages (of ``message_ids``, or any), oldest due first, until ``until``.

    One ``UPDATE … RETURNING``; each returned message's ``next_attempt_at`` is its claim (``until``).
    """
    due = select(pending.c.message_id).where(pending.c.next_attempt_at <= now)
    if message_ids is not None:
        if not message_ids:
            return []
        due = due.where(pending.c.message_id.in_(sorted(set(message_ids))))
    due = due.order_by(pending.c.next_attempt_at).limit(limit)
    if session.bind.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    statement = (
        update(pending)
        .where(pending.c.message_id.in_(due.scalar_subquery()))
        .values(next_attempt_at=until)
        .returning(*pending.c)
    )
    rows = (await session.execute(statement)).all()
    if message_ids is None:  # the longest due were chosen; they are sent together, in no particular order
        return [_queued(row, until) for row in rows]
    by_id = {row.message_id: row for row in rows}
    return [_queued(by_id[mid], until) for mid in dict.fromkeys(message_ids) if mid in by_id]


def _queued(row: Any, until: datetime) -> Queued:
    return Queued(
        record=replace(record_of(row), about=row.about),
        envelope=Envelope(sender=row.sender, recipient=row.to, message=row.message, smtputf8=row.smtputf8),
        cause_event=row.cause_event,
        cause_topic=row.cause_topic,
        attempts=row.attempts,
        next_attempt_at=until,
        last_error=row.last_error,
    )


_defer = (
    update(pending)
    .where(and_(pending.c.message_id == bindparam("b_id"), pending.c.next_attempt_at == bindparam("b_claim")))
    .values(attempts=bindparam("b_attempts"), next_attempt_at=bindparam("b_next"), last_error=bindparam("b_error"))
)


async def defer(session: AsyncSession, deferrals: Sequence[Deferral]) -> None:
    """Put claimed messages back on the queue (one executemany), each only while its claim is still the one set."""
    if deferrals:
        await session.execute(
            _defer,
            [
                {
                    "b_id": d.message_id,
                    "b_claim": d.claimed_until,
                    "b_attempts": d.attempts,
                    "b_next": d.next_attempt_at,
                    "b_error": d.error[:2000],
                }
                for d in deferrals
            ],
        )
