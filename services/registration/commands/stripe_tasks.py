"""Stripe requests the service owes, made durable: refunds it decided and Checkout Sessions to close.

Whatever decides them -- a late payment whose places are gone, a payment for a cancelled
registration, a second payment, an add-on paid after its offer lapsed, a delegate's
cancellation under the refund policy, a registration cancelled or expired while its
Checkout is open -- queues a task *in the same transaction* (``adapters/db_tasks.py``).
After the commit the caller tries the tasks it queued at once (``run``); the sweep
(``retry_due``) retries what failed with exponential backoff until Stripe accepts. Each
refund carries an idempotency key derived from its cause, so a retry after a lost answer
never refunds twice; its effects (``RefundIssued``, ``refunded_minor``, the charge's status)
are applied once, when the task turns ``done``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from schemas.registration import RefundIssued
from schemas.values import PaymentMethod
from services.registration.commands import audited
from services.registration.commands.records import Deps, Row, ids, stage
from services.registration.domain import pricing as domain
from services.registration.domain import registration as lifecycle
from services.registration.domain.registration import Registration
from services.registration.ports import Task, Tx

log = logging.getLogger("congress.registration.stripe_tasks")
LEASE = timedelta(minutes=2)
"""How long a claimed task is left to one worker before another may try it again."""
FIRST_RETRY = timedelta(seconds=60)
LAST_RETRY = timedelta(hours=1)


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff: 1, 2, 4 … minutes after the 1st, 2nd, 3rd failed attempt, at most an hour."""
    delay: timedelta = FIRST_RETRY * 2 ** max(0, attempts - 1)
    return min(delay, LAST_RETRY)


async def _queue(deps: Deps, tx: Tx, **values: object) -> int | None:
    now = deps.clock()
    task_id = await tx.tasks.add(status="pending", attempts=0, next_attempt_at=now, created_at=now, **values)
    if task_id is not None:
        tx.queued_tasks.append(task_id)
    return task_id


async def queue_refund(
    deps: Deps,
    tx: Tx,
    row: Registration,
    *,
    reference: str,
    amount: int,
    key: str,
    reason: str,
    purpose: str = "registration",
    charge_id: int | None = None,
) -> int | None:
    """Owe a refund of ``amount`` against the PaymentIntent ``reference`` (``key``: its idempotency key)."""
    return await _queue(
        deps,
        tx,
        kind="refund",
        key=key,
        registration_id=row.id,
        purpose=purpose,
        charge_id=charge_id,
        target=reference,
        amount_minor=amount,
        reason=reason,
    )


async def queue_expire(deps: Deps, tx: Tx, registration_id: str, checkout_session_id: str) -> None:
    """Owe Stripe a request to expire an open Checkout Session (once per tx)."""
    await _queue(
        deps,
        tx,
        kind="expire",
        key=f"expire:{checkout_session_id}",
        registration_id=registration_id,
        purpose="checkout",
        target=checkout_session_id,
        amount_minor=0,
        reason="registration ended",
    )


def card_payments(row: Registration, paid_charges: list[Row]) -> list[tuple[str, int]]:
    """The card payments a registration's money came from: its own (a card registration), then add-ons paid later.

    A waived (or invoiced) registration that took a priced add-on from the waiting list has
    only the add-on's card payment.
    """
    later = [
        (str(c["reference"]), int(c["amount_minor"]))
        for c in paid_charges
        if c["registration_id"] == row.id and c["method"] == PaymentMethod.CARD.value and c["status"] == "paid"
    ]
    own = row.total_minor - sum(amount for _, amount in later)
    first = row.paid and row.payment_method is PaymentMethod.CARD and own > 0
    return [(str(row.payment_reference), own), *later] if first else later


async def refundable(tx: Tx, row: Registration) -> tuple[list[tuple[str, int]], int]:
    """A registration's card payments and how much of them is already refunded or queued to be."""
    paid = card_payments(row, await tx.registrations.charges_of(row.payer_id, status="paid"))
    pending = await tx.tasks.pending_refunds(counting_only=True, registration_id=row.id)
    queued_refunds = pending.get(row.id, 0)
    return paid, row.refunded_minor + queued_refunds


@dataclass(frozen=True)
class CardMoney:
    """What the organiser list shows of a registration's card money."""

    refundable: int
    """Card money left to refund by hand (what Stripe refunded or is queued to refund excluded)."""
    pending: int = 0
    """Refunds queued and not yet accepted by Stripe."""
    error: str | None = None
    """Why the last attempt of a pending refund failed, if it did."""


async def card_money(tx: Tx, rows: list[Registration]) -> dict[str, CardMoney]:
    """For the organiser list: registration id -> its card money."""
    charges = await tx.tasks.paid_card_charges()
    tasks = await tx.tasks.pending_refund_tasks()
    money = {}
    for row in rows:
        mine = [t for t in tasks if t["registration_id"] == row.id]
        paid = sum(amount for _, amount in card_payments(row, charges))
        counted = sum(t["amount_minor"] for t in mine if t["purpose"] == "registration")
        errors = [t["last_error"] for t in mine if t["last_error"]]
        money[row.id] = CardMoney(
            paid - row.refunded_minor - counted, sum(t["amount_minor"] for t in mine), errors[-1] if errors else None
        )
    return money


async def queue_policy_refund(deps: Deps, tx: Tx, row: Registration, amount: int, cause: str) -> int:
    """Owe back up to ``amount`` of a registration's card payments, spread over them; returns what was queued."""
    paid, gone = await refundable(tx, row)
    amount = min(amount, sum(a for _, a in paid) - gone)
    if amount <= 0:
        return 0
    for i, (reference, part) in enumerate(domain.split_refund(paid, gone, amount)):
        key = f"{deps.congress.id}:refund-{cause}:{row.id}:{gone}:{i}"
        await queue_refund(deps, tx, row, reference=reference, amount=part, key=key, reason=cause)
    return amount


async def run(deps: Deps, task_ids: list[int]) -> None:
    """Try the given tasks now (after the commit that queued them); failures are left to the sweep."""
    if task_ids:
        await _attempt_due(deps, task_ids)


async def retry_due(deps: Deps) -> int:
    """The sweep: try every task whose retry time has come; returns how many Stripe accepted."""
    return await _attempt_due(deps, None)


async def _attempt_due(deps: Deps, task_ids: list[int] | None) -> int:
    now = deps.clock()
    async with deps.units.read() as tx:
        tasks = await tx.tasks.due(now, task_ids)
    return sum([await _attempt(deps, task, now) for task in tasks])


async def _attempt(deps: Deps, task: Task, now: datetime) -> bool:
    async with deps.units.begin() as tx:
        if not await tx.tasks.claim(task, now, now + LEASE):
            return False
    extra = {"registration_id": task["registration_id"], "task": task["id"], "kind": task["kind"]}
    try:
        if task["kind"] == "refund":
            result = await _refund_once(deps, task)
        else:
            result = await deps.payments.expire_checkout(task["target"])
    except Exception as exc:  # noqa: BLE001 -- any failure is retried by the sweep; the reason is kept on the task
        retry = now + retry_delay(task["attempts"] + 1)
        log.warning("stripe request failed, will retry", extra=extra | {"error": str(exc), "retry_at": str(retry)})
        async with deps.units.begin() as tx:
            await tx.tasks.failed(task["id"], retry, str(exc) or type(exc).__name__)
        return False
    async with deps.units.begin() as tx:
        if await tx.tasks.finish(task["id"], deps.clock(), result) and task["kind"] == "refund":
            await _refunded(deps, tx, task, result)
    log.info("stripe request done", extra=extra | {"result": result})
    return True


async def _refund_once(deps: Deps, task: Task) -> str:
    """Refund, unless an earlier attempt already did (its answer lost): a retry asks Stripe first, because
    Stripe forgets idempotency keys after 24 hours and a retry can come later than that."""
    if task["attempts"] > 0:
        made = await deps.payments.find_refund(task["target"], idempotency_key=task["key"])
        if made is not None:
            log.info("refund found at Stripe, not made again", extra={"task": task["id"], "refund": made})
            return made
    return await deps.payments.refund(task["target"], task["amount_minor"], idempotency_key=task["key"])


async def _refunded(deps: Deps, tx: Tx, task: Task, refund_id: str) -> None:
    row = await tx.registrations.get(task["registration_id"], for_update=True)
    if task["charge_id"] is not None:
        await tx.registrations.set_charge(task["charge_id"], status="refunded")
    if row is None:
        return
    audited.note(
        deps,
        tx,
        "registration.refund.automatic",
        audited.STRIPE_TASKS,
        row,
        amount_minor=task["amount_minor"],
        currency=deps.congress.currency,
        cause=task["reason"],
        purpose=task["purpose"],
        refund=refund_id,
    )
    if task["purpose"] == "registration":
        await record_refund(deps, tx, row, refund_id, task["amount_minor"])
        return
    tx.stage(RefundIssued(**ids(deps, row), amount=deps.money(task["amount_minor"]), provider_reference=refund_id))


async def record_refund(deps: Deps, tx: Tx, row: Registration, refund_id: str, amount: int) -> Registration:
    """A refund of the registration's own money went through: count it, emit RefundIssued and a snapshot."""
    now = deps.clock()
    change = lifecycle.refunded(row, deps.edition, now, amount, refund_id)
    await tx.registrations.save(row.id, now, **change.values)
    return stage(tx, change)
