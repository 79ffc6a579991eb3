"""Unpaid card registrations expire, so they do not hold seats and a place under the cap for ever.

A card registration holds its places for ``payment_hold_minutes`` from when it was made
(longer only if the Checkout was started late: Stripe needs a session to live 30 min, so
the hold is extended to the session's ``expires_at``). It ends when Stripe sends
``checkout.session.expired`` for the payer's current session, or when the sweep finds it
past its hold (the sweep is what works with stripe-mock, which sends no webhooks).

Expiring: status ``expired``, the congress seat back, each add-on seat through
``manage.seat_freed`` (so the waiting list gets it), the registration leaves any
waiting list, and ``RegistrationCancelled(reason="payment_expired", cancelled_by="system")``
plus a snapshot are emitted -- existing consumers (badges, notify) already handle it. The
Checkout Session, if Stripe has not expired it itself, is expired through Stripe's API
(``stripe_tasks``: queued in the same transaction, retried by the sweep if Stripe fails), so
the delegate cannot pay for places already given back.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from services.common.audit import Actor
from services.registration.commands import audited, manage, stripe_tasks
from services.registration.commands.records import Deps, NotAllowed, as_utc
from services.registration.domain.registration import Registration, Status
from services.registration.ports import TOTAL, Tx

log = logging.getLogger("congress.registration.expiry")
EXPIRED_REASON = "payment_expired"
STRIPE_MIN_SESSION = timedelta(minutes=31)
"""Stripe refuses an ``expires_at`` less than 30 minutes ahead; one minute of slack."""


class SeatsGone(Exception):
    """A late payment for an expired registration whose places were taken meanwhile."""


async def hold_end(deps: Deps, tx: Tx, rows: list[Registration]) -> datetime:
    """When the payer's unpaid card registrations stop holding their places."""
    base = as_utc(rows[0].created_at) + timedelta(minutes=deps.config.payment_hold_minutes)
    extended = await tx.registrations.hold_until(rows[0].payer_id)
    return max(base, as_utc(extended)) if extended is not None else base


async def checkout_expiry(deps: Deps, tx: Tx, rows: list[Registration], now: datetime) -> datetime:
    """The Checkout Session's ``expires_at``: the hold's end, extended (and recorded) to Stripe's minimum."""
    end = await hold_end(deps, tx, rows)
    if end <= now:
        raise NotAllowed("the time to pay for this registration has run out; please register again")
    if end < now + STRIPE_MIN_SESSION:
        end = now + STRIPE_MIN_SESSION
        await tx.registrations.extend_hold(rows[0].payer_id, end)
    return end


async def expire_unpaid(deps: Deps) -> int:
    """Expire every unpaid card registration past its hold; returns how many. Run periodically."""
    now = deps.clock()
    cutoff = now - timedelta(minutes=deps.config.payment_hold_minutes)
    expired = 0
    async with deps.units.begin() as tx:
        for payer_id in await tx.registrations.unpaid_card_payers(cutoff):
            rows = _unpaid(await tx.registrations.by_payer(payer_id, for_update=True))
            if rows and await hold_end(deps, tx, rows) <= now:
                expired += await expire_rows(deps, tx, rows, now, actor=audited.CARD_HOLDS)
    await stripe_tasks.run(deps, tx.queued_tasks)
    if expired:
        log.info("unpaid registrations expired", extra={"count": expired})
    return expired


async def expire_session(deps: Deps, tx: Tx, payer_id: str, session_id: str) -> str:
    """``checkout.session.expired``: expire the payer's unpaid registrations if it was their current session."""
    rows = _unpaid(await tx.registrations.by_payer(payer_id, for_update=True))
    current = [r for r in rows if r.checkout_session_id in (None, session_id)]
    if not rows or len(current) != len(rows):
        return "not the current session" if rows else "already settled"
    await expire_rows(deps, tx, rows, deps.clock(), actor=audited.STRIPE_WEBHOOK, closed=session_id)
    return "expired"


def _unpaid(rows: list[Registration]) -> list[Registration]:
    return [r for r in rows if r.unpaid_card]


async def expire_rows(
    deps: Deps, tx: Tx, rows: list[Registration], now: datetime, *, actor: Actor, closed: str | None = None
) -> int:
    """Expire unpaid card registrations; their Checkout Session (unless Stripe ``closed`` it) is queued to expire."""
    for row in rows:
        await manage.end_row(deps, tx, row, Status.EXPIRED, EXPIRED_REASON, by="system", now=now, closed=closed)
        audited.note(
            deps, tx, "registration.card-hold.release", actor, row, status="expired", checkout_closed=bool(closed)
        )
    return len(rows)


async def retake_seats(tx: Tx, rows: list[Registration]) -> None:
    """Take again every place the expired rows held, all or none (``SeatsGone``)."""
    async with tx.all_or_nothing():  # a SeatsGone rolls back the seats taken so far
        for row in rows:
            for code in (TOTAL, *row.add_ons):
                if not await tx.registrations.take_seat(code):
                    raise SeatsGone(code)
