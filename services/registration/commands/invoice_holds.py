"""Unpaid invoices hold their places for a while, not for ever.

An invoice registration is confirmed at once (an institution pays by bank transfer, weeks later),
so it takes its congress place and add-on seats at once. Until it is paid it holds them for
``invoice_hold_days`` from when it was made -- or until the end an organiser set by extending the
hold (``reg_payment_holds``, the table card holds use for their extensions). The sweep (every
``REGISTRATION_SWEEP_SECONDS``, beside the card expiry in ``expiry.py``, written the same way)
then, per payer:

- ``invoice_reminder_days`` before the end: ``InvoiceHoldEnding`` once per hold end, recorded in
  ``reg_used_tokens`` in the same transaction (a second sweep, or a second replica, finds the
  record and sends nothing; an extension gives a new end and so one new reminder);
- at the end: each unpaid registration on the invoice is released like an unpaid card one
  (``manage.end_row``): status ``expired``, its places back (an add-on seat to the waiting list),
  ``RegistrationCancelled(reason="invoice_unpaid", cancelled_by="system")`` and a snapshot. The
  status change is the record: a second sweep finds nothing unpaid to release.

An organiser who marks the invoice paid ends the hold (paid registrations are not swept); one who
marks it paid after the release re-takes its places if they are still free (``payments``).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from schemas.registration import InvoiceHoldEnding
from schemas.values import PaymentMethod
from services.common.audit import Actor
from services.registration.commands import audited, manage, stripe_tasks
from services.registration.commands.records import Deps, NotAllowed, as_utc, ids
from services.registration.domain.registration import Registration, Status
from services.registration.ports import Tx

log = logging.getLogger("congress.registration.invoice_holds")
RELEASED_REASON = "invoice_unpaid"
MAX_EXTENSION_DAYS = 365


def unpaid(rows: list[Registration]) -> list[Registration]:
    """The registrations of a payer still holding places on an unpaid invoice."""
    return [r for r in rows if r.unpaid_invoice]


def end_of(deps: Deps, created_at: datetime, extended: datetime | None) -> datetime:
    """When an invoice made at ``created_at`` stops holding its places (an extension only moves it later)."""
    base = as_utc(created_at) + timedelta(days=deps.config.invoice_hold_days)
    return max(base, as_utc(extended)) if extended is not None else base


async def hold_end(deps: Deps, tx: Tx, rows: list[Registration]) -> datetime:
    return end_of(deps, rows[0].created_at, await tx.registrations.hold_until(rows[0].payer_id))


async def sweep(deps: Deps) -> int:
    """Remind the payers whose hold ends soon and release the holds that ended; returns how many acted on."""
    now = deps.clock()
    config = deps.config
    due_from = now - timedelta(days=config.invoice_hold_days - config.invoice_reminder_days)
    acted = 0
    async with deps.units.begin() as tx:
        for payer_id in await tx.registrations.unpaid_invoice_payers(due_from):
            rows = await tx.registrations.by_payer(payer_id, for_update=True)
            if unpaid(rows):
                acted += await _settle(deps, tx, rows, now)
    await stripe_tasks.run(deps, tx.queued_tasks)
    return acted


async def _settle(deps: Deps, tx: Tx, rows: list[Registration], now: datetime) -> int:
    """Release the payer's unpaid registrations if their hold has ended, else remind once if it ends soon."""
    holding = unpaid(rows)
    end = await hold_end(deps, tx, holding)
    if end <= now:
        for row in holding:
            await manage.end_row(deps, tx, row, Status.EXPIRED, RELEASED_REASON, by="system", now=now)
            audited.note(deps, tx, "registration.invoice-hold.release", audited.INVOICE_HOLDS, row, status="expired")
        log.info("unpaid invoice released its places", extra={"registration_id": rows[0].payer_id})
        return 1
    reminder = deps.config.invoice_reminder_days
    if not reminder or now < end - timedelta(days=reminder):
        return 0
    payer_id = rows[0].payer_id
    marker = f"hold-reminder:{payer_id}:{int(end.timestamp())}"
    if not await tx.registrations.mark_once(marker, now):
        return 0  # reminded of this end already
    payer = next((r for r in rows if r.id == payer_id), rows[0])
    tx.stage(
        InvoiceHoldEnding(
            **ids(deps, payer),
            invoice_number=payer.invoice_number or payer.number,
            hold_until=end,
            amount_due=deps.money(sum(r.total_minor for r in holding)),
            registration_numbers=tuple(r.number for r in holding),
            email=payer.email,
            language=payer.language,
        ),
    )
    return 1


async def extend(deps: Deps, registration_id: str, days: int, actor: Actor) -> datetime:
    """An organiser gives an unpaid invoice ``days`` more (from its current end, or from now if that is past)."""
    if not 1 <= days <= MAX_EXTENSION_DAYS:
        raise NotAllowed(f"extend by 1 to {MAX_EXTENSION_DAYS} days")
    now = deps.clock()
    async with deps.units.begin() as tx:
        row = await tx.registrations.get(registration_id)
        if row is None or row.payment_method is not PaymentMethod.INVOICE:
            raise NotAllowed("not a registration paid by invoice")
        holding = unpaid(await tx.registrations.by_payer(row.payer_id, for_update=True))
        if not holding:
            raise NotAllowed("this invoice holds no places: it is paid, or its registrations have ended")
        end = max(await hold_end(deps, tx, holding), now) + timedelta(days=days)
        await tx.registrations.extend_hold(row.payer_id, end)
        audited.note(deps, tx, "registration.extend-hold", actor, row, days=days, hold_until=end.isoformat())
    log.info(
        "invoice hold extended",
        extra={"registration_id": row.payer_id, "organiser": actor.name, "until": end.isoformat()},
    )
    return end


async def hold_ends(tx: Tx, deps: Deps, rows: list[Registration]) -> dict[str, datetime]:
    """Hold end by payer id, for the listed payers of unpaid invoices (for the organisers' list)."""
    payers = {r.payer_id: r.created_at for r in unpaid(rows) if r.id == r.payer_id}
    extended = await tx.registrations.holds_of(payers)
    return {payer: end_of(deps, created, extended.get(payer)) for payer, created in payers.items()}
