"""The durable queue of Stripe requests the service owes (refunds, Checkout Sessions to expire).

A task is written in the transaction that decides it, so a refund or an expiry is never
lost between the decision and Stripe's answer. Same ``MetaData`` as ``db.py``. A worker
*claims* a due task by moving its ``next_attempt_at`` ahead (a lease), so two workers
(the request that made it and the sweep, or two processes) do not both call Stripe for
it at once; completion is conditional on ``status = 'pending'``, so its effects happen once.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Column, DateTime, Index, Integer, String, Table, Text, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.registration.adapters.db import charges, metadata

stripe_tasks = Table(
    "reg_stripe_tasks",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # ``refund`` or ``expire`` (a Checkout Session).
    Column("kind", String(16), nullable=False),
    # The Stripe idempotency key (refunds), or ``expire:<session id>``: a task is queued once.
    Column("key", String(200), nullable=False, unique=True),
    Column("registration_id", String(40), nullable=False, index=True),
    # Refunds: ``registration`` (counts in ``refunded_minor``), ``payment`` (a second payment), ``charge``.
    Column("purpose", String(16), nullable=False),
    Column("charge_id", Integer, nullable=True),
    # The PaymentIntent to refund or the Checkout Session to expire.
    Column("target", String(200), nullable=False),
    Column("amount_minor", Integer, nullable=False, default=0),
    Column("reason", Text, nullable=False),
    # ``pending`` until Stripe accepts, then ``done``.
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
    Column("last_error", Text, nullable=True),
    # Stripe's refund id, or the session's status.
    Column("result", String(200), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("done_at", DateTime(timezone=True), nullable=True),
    Index("ix_reg_stripe_tasks_due", "status", "next_attempt_at"),
)

Task = dict[str, Any]


async def add(session: AsyncSession, **values: Any) -> int | None:
    """Queue a task in the caller's transaction; None if one with the same key is queued already."""
    try:
        async with session.begin_nested():
            result = await session.execute(insert(stripe_tasks).values(**values).returning(stripe_tasks.c.id))
    except IntegrityError:
        return None
    return int(result.scalar_one())


async def due(session: AsyncSession, now: datetime, ids: Iterable[int] | None = None, limit: int = 50) -> list[Task]:
    stmt = (
        select(stripe_tasks)
        .where(stripe_tasks.c.status == "pending", stripe_tasks.c.next_attempt_at <= now)
        .order_by(stripe_tasks.c.id)
        .limit(limit)
    )
    if ids is not None:
        stmt = stmt.where(stripe_tasks.c.id.in_(list(ids)))
    return [dict(r) for r in (await session.execute(stmt)).mappings()]


async def claim(session: AsyncSession, task: Task, now: datetime, lease_until: datetime) -> bool:
    """Take a due task for one attempt (counted); False if another worker took it first."""
    result = await session.execute(
        update(stripe_tasks)
        .where(
            stripe_tasks.c.id == task["id"],
            stripe_tasks.c.status == "pending",
            stripe_tasks.c.next_attempt_at <= now,
        )
        .values(attempts=stripe_tasks.c.attempts + 1, next_attempt_at=lease_until)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


async def finish(session: AsyncSession, task_id: int, now: datetime, result: str) -> bool:
    """Mark done; False if it was done already (its effects must then not be applied again)."""
    outcome = await session.execute(
        update(stripe_tasks)
        .where(stripe_tasks.c.id == task_id, stripe_tasks.c.status == "pending")
        .values(status="done", result=result[:200], done_at=now, last_error=None)
    )
    return bool(outcome.rowcount == 1)  # type: ignore[attr-defined]


async def failed(session: AsyncSession, task_id: int, retry_at: datetime, error: str) -> None:
    await session.execute(
        update(stripe_tasks)
        .where(stripe_tasks.c.id == task_id, stripe_tasks.c.status == "pending")
        .values(next_attempt_at=retry_at, last_error=error[:500])
    )


async def get(session: AsyncSession, task_id: int) -> Task | None:
    row = (await session.execute(select(stripe_tasks).where(stripe_tasks.c.id == task_id))).mappings().first()
    return dict(row) if row else None


async def queued_key(session: AsyncSession, key: str) -> bool:
    """Whether a task with this key was ever queued (e.g. ``expire:<session id>``)."""
    return (await session.execute(select(stripe_tasks.c.id).where(stripe_tasks.c.key == key))).first() is not None


async def of_registration(session: AsyncSession, registration_id: str) -> list[Task]:
    stmt = select(stripe_tasks).where(stripe_tasks.c.registration_id == registration_id).order_by(stripe_tasks.c.id)
    return [dict(r) for r in (await session.execute(stmt)).mappings()]


async def pending_refunds(
    session: AsyncSession, *, counting_only: bool = False, registration_id: str | None = None
) -> dict[str, int]:
    """Registration id -> minor units of refunds queued and not yet accepted by Stripe.

    ``counting_only``: only refunds of the registration's own money (those ``refunded_minor`` will count).
    """
    stmt = (
        select(stripe_tasks.c.registration_id, func.sum(stripe_tasks.c.amount_minor))
        .where(stripe_tasks.c.kind == "refund", stripe_tasks.c.status == "pending")
        .group_by(stripe_tasks.c.registration_id)
    )
    if counting_only:
        stmt = stmt.where(stripe_tasks.c.purpose == "registration")
    if registration_id is not None:
        stmt = stmt.where(stripe_tasks.c.registration_id == registration_id)
    return {rid: int(total) for rid, total in (await session.execute(stmt)).all()}


async def pending_refund_tasks(session: AsyncSession) -> list[Task]:
    stmt = (
        select(stripe_tasks)
        .where(stripe_tasks.c.kind == "refund", stripe_tasks.c.status == "pending")
        .order_by(stripe_tasks.c.id)
    )
    return [dict(r) for r in (await session.execute(stmt)).mappings()]


async def paid_card_charges(session: AsyncSession) -> list[dict[str, Any]]:
    """Every add-on paid by card after registering (each a PaymentIntent of its own)."""
    stmt = select(charges).where(charges.c.method == "card", charges.c.status == "paid").order_by(charges.c.id)
    return [dict(r) for r in (await session.execute(stmt)).mappings()]
