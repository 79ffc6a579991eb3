"""Taking a waiting-list offer: free add-ons are one click, priced ones are paid for first.

- Free add-on, or a card registration still unpaid: the add-on joins the registration at
  once (an unpaid card registration pays it with the rest at its Checkout).
- Paid card (or waived) registration: a *charge* for the add-on's price and a Checkout
  Session for it. The seat stays held for the delegate until the offer's deadline; the paid
  webhook (metadata ``charge``) adds the add-on. Paid after the offer lapsed: the seat is
  taken again if one is free, otherwise the charge is refunded (queued in the webhook's
  transaction, ``stripe_tasks``; the charge is ``refunding`` until Stripe accepts).
- Invoice registration: the add-on joins at once and an additional invoice is issued
  (``InvoiceIssued``, next number of the same gap-free counter); the organiser's
  "mark invoice paid" settles it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from schemas.registration import InvoiceIssued, PaymentSucceeded
from schemas.values import PaymentMethod
from services.registration.commands import manage, stripe_tasks
from services.registration.commands.expiry import STRIPE_MIN_SESSION
from services.registration.commands.links import view_token
from services.registration.commands.price_words import add_on_line, invoice_line
from services.registration.commands.records import Deps, NotAllowed, Row, as_utc, ids
from services.registration.domain import pricing as domain
from services.registration.domain.registration import Registration
from services.registration.ports import CheckoutRequest, Tx

log = logging.getLogger("congress.registration.addons")


@dataclass(frozen=True)
class Accepted:
    row: Registration
    pay_url: str | None = None
    """Where to pay for the add-on (card), if it must be paid first."""
    checkout_session_id: str | None = None
    charge_id: int | None = None


async def accept_offer(deps: Deps, entry_id: int) -> Accepted:
    now = deps.clock()
    async with deps.units.begin() as tx:
        entry = await tx.registrations.waiting_entry(entry_id)
        if entry is not None:  # locked with its list, as a decline or the lapse sweep locks it: one of them wins
            locked = await tx.registrations.waiting_entries(entry["add_on_code"], for_update=True)
            entry = next((e for e in locked if e["id"] == entry_id), None)
        if entry is None or not domain.can_accept_offer(manage.entry_of(entry), now):
            raise NotAllowed("this offer has expired or was already used")
        row = await manage.live(tx, entry["registration_id"])
        spec = deps.rules.add_ons[entry["add_on_code"]]
        unpaid_card = row.payment_method is PaymentMethod.CARD and not row.paid
        if spec.price == 0 or unpaid_card:
            await tx.registrations.set_waiting(entry_id, domain.WaitStatus.ACCEPTED.value)
            return Accepted(await manage.add_add_on(deps, tx, row, spec))
        if row.payment_method is PaymentMethod.INVOICE:
            await tx.registrations.set_waiting(entry_id, domain.WaitStatus.ACCEPTED.value)
            return Accepted(await _invoice_add_on(deps, tx, row, spec, now))
        charge_id = await _open_charge(tx, row, spec, entry_id, now)
        deadline = as_utc(entry["offer_expires_at"])
    return await _checkout(deps, row, spec, charge_id, deadline, now)


async def _open_charge(tx: Tx, row: Registration, spec: domain.AddOnSpec, entry_id: int, now: datetime) -> int:
    for charge in await tx.registrations.charges_of(row.payer_id, status="open"):
        if charge["waiting_entry"] == entry_id:
            return int(charge["id"])
    return await tx.registrations.add_charge(
        registration_id=row.id,
        payer_id=row.payer_id,
        add_on_code=spec.code,
        waiting_entry=entry_id,
        amount_minor=spec.price,
        method=PaymentMethod.CARD.value,
        status="open",
        created_at=now,
    )


async def _checkout(
    deps: Deps, row: Registration, spec: domain.AddOnSpec, charge_id: int, deadline: datetime, now: datetime
) -> Accepted:
    expires = min(max(deadline, now + STRIPE_MIN_SESSION), now + timedelta(hours=23))
    token = view_token(deps, row.payer_id)
    back = f"{deps.public_url}/registrations/{row.payer_id}?t={token}"
    checkout = await deps.payments.create_checkout(
        CheckoutRequest(
            payer_id=row.payer_id,
            amount_minor=spec.price,
            currency=deps.congress.currency,
            description=f"{deps.congress.short_name}: {spec.label} for {row.badge_name}"[:250],
            email=row.email,
            success_url=back,
            cancel_url=f"{back}&cancelled=1",
            idempotency_key=f"{deps.congress.id}:add-on:{charge_id}:{int(expires.timestamp())}",
            expires_at=int(expires.timestamp()),
            metadata={"charge": str(charge_id)},
        )
    )
    async with deps.units.begin() as tx:
        before = await tx.registrations.get_charge(charge_id)
        await tx.registrations.set_charge(charge_id, checkout_session_id=checkout.session_id)
        earlier = before["checkout_session_id"] if before else None
        if earlier and earlier != checkout.session_id:  # accepted again: one Checkout takes the money, not two
            await stripe_tasks.queue_expire(deps, tx, row.id, earlier)
    await stripe_tasks.run(deps, tx.queued_tasks)
    return Accepted(row, checkout.url, checkout.session_id, charge_id)


async def _invoice_add_on(deps: Deps, tx: Tx, row: Registration, spec: domain.AddOnSpec, now: datetime) -> Registration:
    payer = await tx.registrations.get(row.payer_id) or row
    details: Mapping[str, Any] = payer.invoice or {}
    n = await tx.registrations.next_number("invoice")
    number = f"{deps.congress.number_prefix}-INV-{n:04d}"
    await tx.registrations.add_charge(
        registration_id=row.id,
        payer_id=row.payer_id,
        add_on_code=spec.code,
        amount_minor=spec.price,
        method=PaymentMethod.INVOICE.value,
        status="open",
        invoice_number=number,
        created_at=now,
    )
    tx.stage(
        InvoiceIssued(
            **ids(deps, row),
            invoice_number=number,
            issued_at=now,
            due_at=now + timedelta(days=deps.config.invoice_due_days),
            institution_name=details.get("institution_name") or row.affiliation,
            institution_address=details.get("institution_address") or row.country,
            vat_id=details.get("vat_id") or None,
            purchase_order=details.get("purchase_order") or None,
            lines=(invoice_line(f"{row.badge_name} ({row.number})", add_on_line(spec), deps.config, deps.money),),
            total=deps.money(spec.price),
            email=details.get("email") or payer.email,
            language=payer.language,
        ),
    )
    return await manage.add_add_on(deps, tx, row, spec)


async def on_charge_event(deps: Deps, tx: Tx, kind: str, charge_id: int, obj: dict[str, Any]) -> str:
    """A Stripe event for an add-on's Checkout Session."""
    charge = await tx.registrations.get_charge(charge_id)
    if charge is None:
        return "ignored"
    if kind == "checkout.session.expired":
        if charge["status"] == "open" and charge["checkout_session_id"] in (None, obj.get("id")):
            await tx.registrations.set_charge(charge_id, status="lapsed")
            return "add-on checkout expired"
        return "already settled"
    paid = kind == "checkout.session.async_payment_succeeded" or (
        kind == "checkout.session.completed" and obj.get("payment_status") == "paid"
    )
    if not paid:
        return "ignored"
    if charge["status"] not in ("open", "lapsed"):
        return "already paid"
    currency = str(obj.get("currency", "")).upper()
    if obj.get("amount_total") != charge["amount_minor"] or currency != deps.congress.currency:
        log.warning("add-on paid amount does not match", extra={"registration_id": charge["registration_id"]})
        return "amount does not match"
    reference = str(obj.get("payment_intent") or obj.get("id"))
    return await _charge_paid(deps, tx, charge, reference)


async def _charge_paid(deps: Deps, tx: Tx, charge: Row, reference: str) -> str:
    now = deps.clock()
    row = await tx.registrations.get(charge["registration_id"], for_update=True)
    entry = await tx.registrations.waiting_entry(charge["waiting_entry"]) if charge["waiting_entry"] else None
    held = entry is not None and entry["status"] == domain.WaitStatus.OFFERED.value
    live = row is not None and row.live
    seat = live and (held or await tx.registrations.take_seat(charge["add_on_code"]))
    # a charge being refunded is not money the registration keeps (``stripe_tasks.card_payments``)
    await tx.registrations.set_charge(charge["id"], status="paid" if seat else "refunding", reference=reference)
    if row is None:
        return "ignored"
    tx.stage(
        PaymentSucceeded(
            **ids(deps, row),
            amount=deps.money(charge["amount_minor"]),
            method=PaymentMethod.CARD,
            provider_reference=reference,
            paid_at=now,
        ),
    )
    if entry is not None and held:
        await tx.registrations.set_waiting(
            entry["id"], (domain.WaitStatus.ACCEPTED if seat else domain.WaitStatus.EXPIRED).value
        )
        if not seat:  # the registration ended meanwhile: pass the held seat on
            await manage.seat_freed(deps, tx, charge["add_on_code"], now)
    if not seat:
        key = f"{deps.congress.id}:refund-charge:{charge['id']}"
        reason = "add-on paid after its offer lapsed"
        await stripe_tasks.queue_refund(
            deps,
            tx,
            row,
            reference=reference,
            amount=charge["amount_minor"],
            key=key,
            reason=reason,
            purpose="charge",
            charge_id=charge["id"],
        )
        return "add-on paid too late: refunding"
    await manage.add_add_on(deps, tx, row, deps.rules.add_ons[charge["add_on_code"]])
    return "add-on confirmed"


async def pay_open_invoices(deps: Deps, tx: Tx, payer_id: str, reference: str) -> int:
    """The organiser marked the payer's invoices paid: settle the add-on invoices too; returns how many."""
    now = deps.clock()
    settled = 0
    for charge in await tx.registrations.charges_of(payer_id, status="open"):
        if charge["method"] != PaymentMethod.INVOICE.value:
            continue
        row = await tx.registrations.get(charge["registration_id"])
        await tx.registrations.set_charge(charge["id"], status="paid", reference=charge["invoice_number"] or reference)
        if row is not None:
            tx.stage(
                PaymentSucceeded(
                    **ids(deps, row),
                    amount=deps.money(charge["amount_minor"]),
                    method=PaymentMethod.INVOICE,
                    provider_reference=charge["invoice_number"] or reference,
                    paid_at=now,
                ),
            )
        settled += 1
    return settled


async def invoiced_extra(tx: Tx, registration_id: str, payer_id: str) -> int:
    """What of a registration's total is on add-on invoices of its own (not on the first invoice)."""
    return sum(
        c["amount_minor"]
        for c in await tx.registrations.charges_of(payer_id)
        if c["registration_id"] == registration_id and c["method"] == PaymentMethod.INVOICE.value
    )
