"""Everything the organisers' page of one registration shows, read in one short read-only unit of work.

The registration itself, its group (payer and the others it pays for), the card money still refundable,
the add-on charges, the Stripe requests queued for it (refunds), its waiting-list entries, the events
published about it (its versions and changes), when an unpaid invoice releases its places, its audit
trail (``commands.history``: the audit records naming the delegate, newest first), and what badges and
notify did for the delegate (badge issued and printed, check-in, emails sent) as registration heard it
(``subscriptions.delegate_traces``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from schemas.audit import OrganiserActed
from services.registration.commands import history, invoice_holds, stripe_tasks
from services.registration.commands.records import Deps, Row
from services.registration.domain.registration import Registration


@dataclass(frozen=True)
class RegistrationFile:
    """One registration as its organisers' page shows it."""

    registration: Registration
    group: list[Registration]
    """The registrations paid together with this one (itself included), payer first."""
    card: stripe_tasks.CardMoney
    charges: list[Row]
    """Add-ons asked for after registering and what became of their payment."""
    stripe: list[Row]
    """Stripe requests queued for this registration (refunds, Checkout Sessions to expire)."""
    waiting: list[Row]
    history: list[Row]
    """Events published about the delegate: ``type``, ``time``, ``data`` (no personal data), oldest first."""
    traces: list[Row]
    """What badges and notify did for the delegate, as registration heard it: ``kind``, ``at``, ``detail``."""
    hold_until: datetime | None
    open_invoice: bool
    """An add-on invoice of this payer is still to be paid."""
    audit: list[OrganiserActed]
    """The delegate's audit trail (what organisers and jobs did, in every service), newest first."""


async def read(deps: Deps, registration_id: str) -> RegistrationFile | None:
    """The registration page's content, or None for an unknown id."""
    async with deps.units.read() as tx:
        row = await tx.registrations.get(registration_id)
        if row is None:
            return None
        group = await tx.registrations.by_payer(row.payer_id)
        charges = await tx.registrations.charges_of(row.payer_id)
        card = (await stripe_tasks.card_money(tx, [row]))[row.id]
        holds = await invoice_holds.hold_ends(tx, deps, [row])
        open_invoices = await tx.registrations.open_invoice_payers()
        stripe = await tx.tasks.of_registration(row.id)
        waiting = await tx.registrations.waiting_of(row.id)
        published = await tx.registrations.history(row.delegate_id)
        traces = await tx.traces.of(row.delegate_id)
        audit = await tx.history.of_delegate(row.delegate_id, limit=history.HISTORY_LIMIT)
    return RegistrationFile(
        registration=row,
        group=group,
        card=card,
        charges=[c for c in charges if c["registration_id"] == row.id],
        stripe=stripe,
        waiting=waiting,
        history=published,
        traces=traces,
        hold_until=holds.get(row.id),
        open_invoice=row.payer_id in open_invoices and row.id == row.payer_id,
        audit=audit,
    )
