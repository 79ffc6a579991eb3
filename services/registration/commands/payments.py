"""Taking money: starting a Checkout, Stripe's webhook events, invoices marked paid, refunds.

The webhook handler is idempotent and order-tolerant: each Stripe event id is
recorded in the same transaction as its effect, so a replay changes nothing; a
payment confirms a registration only while it is still unpaid, so a late
``async_payment_failed`` after a success, or a success after a failure, does the
right thing.
"""

from __future__ import annotations

import logging
from typing import Any

from schemas.registration import PaymentFailed, PaymentSucceeded
from schemas.values import PaymentMethod
from services.common.audit import Actor
from services.registration.commands import addons, audited, expiry, manage, stripe_tasks
from services.registration.commands.links import view_token
from services.registration.commands.records import Deps, NotAllowed, ids
from services.registration.domain import pricing as domain
from services.registration.domain import registration as lifecycle
from services.registration.domain.registration import ENDED, Registration, Status
from services.registration.ports import TOTAL, CheckoutRequest, CheckoutSession, Tx

log = logging.getLogger("congress.registration.payments")


async def start_checkout(deps: Deps, payer_id: str) -> CheckoutSession:
    """Create (or, on a repeat, get back) the Checkout Session for a payer's unpaid card registrations.

    The session expires when the payer's hold ends (``expiry``), so Stripe stops taking money
    for places that are about to be given back. A new session (the price changed) expires the
    previous one through Stripe's API.
    """
    now = deps.clock()
    async with deps.units.begin() as tx:
        rows = [r for r in await tx.registrations.by_payer(payer_id) if r.status is Status.PENDING]
        if not rows or rows[0].payment_method is not PaymentMethod.CARD:
            raise NotAllowed("nothing to pay by card for this registration")
        expires = await expiry.checkout_expiry(deps, tx, rows, now)
        previous = rows[0].checkout_session_id
        # a session we expired (one of a group cancelled) must not come back as an idempotent replay
        fresh = f":after:{previous}" if previous and await tx.tasks.queued_key(f"expire:{previous}") else ""
    amount = sum(r.total_minor for r in rows)
    names = ", ".join(r.badge_name for r in rows)
    token = view_token(deps, payer_id)
    expires_at = int(expires.timestamp())
    checkout = await deps.payments.create_checkout(
        CheckoutRequest(
            payer_id=payer_id,
            amount_minor=amount,
            currency=deps.congress.currency,
            description=f"{deps.congress.short_name} registration: {names}"[:250],
            email=rows[0].email,
            success_url=f"{deps.public_url}/registrations/{payer_id}?t={token}",
            cancel_url=f"{deps.public_url}/registrations/{payer_id}?t={token}&cancelled=1",
            idempotency_key=f"{deps.congress.id}:checkout:{payer_id}:{amount}:{expires_at}{fresh}",
            expires_at=expires_at,
        )
    )
    async with deps.units.begin() as tx:
        for row in rows:
            await tx.registrations.save(row.id, deps.clock(), checkout_session_id=checkout.session_id)
            old = row.checkout_session_id
            if old and old != checkout.session_id:  # the price changed: the old session must not take money
                await stripe_tasks.queue_expire(deps, tx, row.id, old)
    await stripe_tasks.run(deps, tx.queued_tasks)
    return checkout


async def handle_stripe_event(deps: Deps, event: dict[str, Any]) -> str:
    """Apply one verified Stripe event; returns what happened (for logs and the HTTP answer).

    A refund decided here (a late payment whose places are gone, a second payment) is queued
    in the same transaction and tried after the commit; the sweep retries it if Stripe fails.
    """
    async with deps.units.begin() as tx:
        outcome = await _apply(deps, tx, event)
    await stripe_tasks.run(deps, tx.queued_tasks)
    return outcome


async def _apply(deps: Deps, tx: Tx, event: dict[str, Any]) -> str:
    obj = event.get("data", {}).get("object", {})
    kind = str(event.get("type", ""))
    if not await tx.registrations.record_stripe_event(str(event.get("id")), kind, deps.clock()):
        return "duplicate"
    metadata = obj.get("metadata") or {}
    payer_id = obj.get("client_reference_id") or metadata.get("payer_id")
    if not payer_id or obj.get("object") != "checkout.session":
        return "ignored"
    if metadata.get("charge"):
        return await addons.on_charge_event(deps, tx, kind, int(metadata["charge"]), obj)
    if kind == "checkout.session.completed":
        if obj.get("payment_status") != "paid":
            return "awaiting delayed payment"
        return await _paid(deps, tx, payer_id, obj)
    if kind == "checkout.session.async_payment_succeeded":
        return await _paid(deps, tx, payer_id, obj)
    if kind == "checkout.session.async_payment_failed":
        return await _failed(deps, tx, payer_id, obj, "delayed payment declined")
    if kind == "checkout.session.expired":
        return await expiry.expire_session(deps, tx, payer_id, str(obj.get("id")))
    return "ignored"


async def _paid(deps: Deps, tx: Tx, payer_id: str, obj: dict[str, Any]) -> str:
    rows = await tx.registrations.by_payer(payer_id, for_update=True)
    unpaid = [r for r in rows if not r.paid and r.status is not Status.CANCELLED]
    if not unpaid:  # cancelled before it was paid: the money goes back (``_late``)
        unpaid = [r for r in rows if not r.paid and r.payment_method is PaymentMethod.CARD]
    if not unpaid:
        return await _paid_twice(deps, tx, rows, obj)
    due = sum(r.total_minor for r in unpaid)
    currency = str(obj.get("currency", "")).upper()
    if obj.get("amount_total") != due or currency != deps.congress.currency:
        log.warning(
            "paid amount does not match the price",
            extra={"registration_id": payer_id, "paid": obj.get("amount_total"), "due": due},
        )
        return await _failed(
            deps,
            tx,
            payer_id,
            obj,
            f"amount {obj.get('amount_total')} {currency} does not match the price {due} {deps.congress.currency}",
        )
    reference = str(obj.get("payment_intent") or obj.get("id"))
    if any(r.status in ENDED for r in unpaid):
        return await _late(deps, tx, unpaid, reference)
    for row in unpaid:
        await confirm_paid(deps, tx, row, PaymentMethod.CARD, reference)
    return "confirmed"


async def _late(deps: Deps, tx: Tx, rows: list[Registration], reference: str) -> str:
    """Paid after the hold ran out: confirm if every place can be taken again, else take it and refund it all.

    A congress would rather not oversell the venue or the dinner, and must not keep money
    for a place it cannot give; the delegate can register again (or join a waiting list).
    """
    try:
        if any(r.status is Status.CANCELLED for r in rows):
            raise expiry.SeatsGone("cancelled")
        await expiry.retake_seats(tx, rows)
    except expiry.SeatsGone as gone:
        log.warning("late payment for an expired registration, places gone: refunding", extra={"seat": str(gone)})
        for row in rows:
            paid = await confirm_paid(deps, tx, row, PaymentMethod.CARD, reference)
            await stripe_tasks.queue_policy_refund(deps, tx, paid, paid.total_minor, "late")
        return "late payment refunded"
    for row in rows:
        await confirm_paid(deps, tx, lifecycle.retaken(row), PaymentMethod.CARD, reference)
    return "confirmed late"


async def _paid_twice(deps: Deps, tx: Tx, rows: list[Registration], obj: dict[str, Any]) -> str:
    """A payment for registrations already paid by another payment (two Checkouts): recorded, then refunded."""
    reference = str(obj.get("payment_intent") or obj.get("id"))
    amount = obj.get("amount_total")
    if not rows or reference in {r.payment_reference for r in rows} or not isinstance(amount, int):
        return "already paid"
    payer = rows[0]
    log.warning("a second payment for a paid registration: refunding", extra={"registration_id": payer.id})
    tx.stage(
        PaymentSucceeded(
            **ids(deps, payer),
            amount=deps.money(amount),
            method=PaymentMethod.CARD,
            provider_reference=reference,
            paid_at=deps.clock(),
        ),
    )
    key = f"{deps.congress.id}:refund-payment:{reference}"
    await stripe_tasks.queue_refund(
        deps, tx, payer, reference=reference, amount=amount, key=key, reason="paid twice", purpose="payment"
    )
    return "paid twice: refunding"


async def confirm_paid(
    deps: Deps, tx: Tx, row: Registration, method: PaymentMethod, reference: str, amount: int | None = None
) -> Registration:
    """Mark one registration paid (and confirmed if it was pending); emits PaymentSucceeded and the rest."""
    now = deps.clock()
    return await manage.save(tx, lifecycle.pay(row, deps.edition, now, method, reference, amount), now)


async def _failed(deps: Deps, tx: Tx, payer_id: str, obj: dict[str, Any], reason: str) -> str:
    rows = [r for r in await tx.registrations.by_payer(payer_id) if r.status is Status.PENDING and not r.paid]
    for row in rows:
        tx.stage(
            PaymentFailed(
                **ids(deps, row),
                amount=deps.money(row.total_minor),
                reason=reason,
                provider_reference=str(obj.get("id")),
            ),
        )
    return "payment failed" if rows else "already settled"


async def mark_invoice_paid(deps: Deps, registration_id: str, actor: Actor) -> Registration:
    """An organiser records the bank transfer for an invoice (every registration on it is paid).

    After an unpaid hold released the registrations (``invoice_holds``), they take their places again and
    are confirmed anew if the places are still free; otherwise nothing changes (``NotAllowed``)."""
    async with deps.units.begin() as tx:
        payer = await tx.registrations.get(registration_id)
        if payer is None or payer.payment_method is not PaymentMethod.INVOICE:
            raise NotAllowed("not a registration paid by invoice")
        rows = [
            r
            for r in await tx.registrations.by_payer(payer.payer_id, for_update=True)
            if not r.paid and r.status is not Status.CANCELLED
        ]
        await _retake_released(tx, rows)
        reference = payer.invoice_number or registration_id
        extras = await addons.pay_open_invoices(deps, tx, payer.payer_id, reference)
        if not rows and not extras:
            raise NotAllowed("this invoice is already paid")
        done = [
            await confirm_paid(
                deps,
                tx,
                lifecycle.retaken(r) if r.status is Status.EXPIRED else r,  # released: confirmed again
                PaymentMethod.INVOICE,
                reference,
                r.total_minor - await addons.invoiced_extra(tx, r.id, r.payer_id),
            )
            for r in rows
        ]
        audited.note(
            deps,
            tx,
            "registration.mark-paid",
            actor,
            payer,
            registrations=len(done),
            add_on_invoices=extras,
            invoice=reference,
        )
    log.info("invoice marked paid", extra={"registration_id": registration_id, "organiser": actor.name})
    return done[0] if done else payer


async def _retake_released(tx: Tx, rows: list[Registration]) -> None:
    """An invoice paid after its hold released its places takes them again, all or none (else ``NotAllowed``)."""
    released = [r for r in rows if r.status is Status.EXPIRED]
    try:
        await expiry.retake_seats(tx, released)
    except expiry.SeatsGone as gone:
        full = "the congress" if str(gone) == TOTAL else str(gone)
        raise NotAllowed(
            f"its places were released when the invoice went unpaid, and {full} has none left now: "
            "free a place first, or refund the transfer"
        ) from None


async def refund(deps: Deps, registration_id: str, amount_minor: int, actor: Actor) -> str:
    """Refund part of the card payments of a registration through Stripe; records it and emits RefundIssued.

    Whatever the registration's own method: a waived registration that paid a priced add-on
    by card has that payment to refund. The amount is spread over the card payments (the
    registration's, then any add-on paid later), each refunded against its own PaymentIntent;
    refunds the system has queued and Stripe not yet made count as refunded.
    """
    async with deps.units.read() as tx:
        row = await tx.registrations.get(registration_id)
        paid, gone = await stripe_tasks.refundable(tx, row) if row else ([], 0)
    left = sum(amount for _, amount in paid) - gone
    if row is None or left <= 0:
        raise NotAllowed("this registration has no card payment left to refund through Stripe")
    if amount_minor <= 0 or amount_minor > left:
        raise NotAllowed(f"refund must be between 1 and {left} minor units")
    parts = domain.split_refund(paid, gone, amount_minor)
    done = []
    for i, (reference, amount) in enumerate(parts):
        key = f"{deps.congress.id}:refund:{registration_id}:{gone}:{amount_minor}:{i}"
        done.append((await deps.payments.refund(reference, amount, idempotency_key=key), amount))
    async with deps.units.begin() as tx:
        row = await tx.registrations.get(registration_id, for_update=True) or row
        for refund_id, amount in done:
            if await tx.registrations.mark_once(f"refund:{refund_id}", deps.clock()):
                row = await stripe_tasks.record_refund(deps, tx, row, refund_id, amount)
        refunds = ",".join(refund_id for refund_id, _ in done)
        audited.note(
            deps,
            tx,
            "registration.refund",
            actor,
            row,
            amount_minor=amount_minor,
            currency=deps.congress.currency,
            refunds=refunds,
        )
    return ", ".join(refund_id for refund_id, _ in done)
