"""What badges does when registration tells it something: the replica, badges, receipts, invoices.

Each function is one event's use case inside the unit of work the consumer's batch runs in: it loads the
delegate once, lets the domain decide, saves, and stages the events on the unit.
"""

from __future__ import annotations

from schemas.badges import DocumentKind
from schemas.personal import ERASED
from schemas.registration import InvoiceIssued, PaymentSucceeded
from services.badges import domain
from services.badges.commands.badges import NOTHING_PRERENDERED, Prerendered, issue_badge, revoke
from services.badges.commands.documents import issue_invoice, issue_pending_receipts
from services.badges.domain import Payment, RegistrationState, Status
from services.badges.ports import BadgeDeps, BadgeUnit


async def apply_state(
    unit: BadgeUnit, deps: BadgeDeps, state: RegistrationState, *, prerendered: Prerendered = NOTHING_PRERENDERED
) -> None:
    """A confirmation, an update or a snapshot: replicate it if newer; issue, keep or revoke the badge.

    An event whose person was erased (their keys are gone, so their names read ``erased``) brings nothing back: the
    erasure's tombstone may reach badges before older events of the same delegate on the registration topic."""
    if state.delegate.email == ERASED:
        return
    previous = await unit.store.delegate(state.delegate.delegate_id)
    record = domain.replicate(previous, state)
    if record is None:
        return  # older than what the replica knows
    await unit.store.save_delegate(
        record, registration_id=state.registration_id, known=previous is not None, now=deps.clock.now()
    )
    if record.status.ended:  # an unpaid registration released (expired) ends like a cancelled one
        reason = f"registration {record.status}"
        events = await revoke(unit, record.congress_id, record.delegate_id, reason)
    else:
        events = await issue_badge(unit, deps, record, previous=previous, prerendered=prerendered)
        events += await issue_pending_receipts(unit, deps, record)
    for data in events:
        unit.stage(data)


async def cancel(unit: BadgeUnit, *, congress_id: str, delegate_id: str, version: int, reason: str) -> None:
    """A cancellation revokes the badge, unless the replica knows a newer version of the registration."""
    previous = await unit.store.delegate(delegate_id)
    if previous is not None and previous.version > version:
        return  # an older cancellation than what we know
    if previous is not None:
        await unit.store.set_status(delegate_id, status=Status.CANCELLED, version=version)
    for data in await revoke(unit, congress_id, delegate_id, reason):
        unit.stage(data)


async def record_payment(unit: BadgeUnit, deps: BadgeDeps, paid: PaymentSucceeded) -> None:
    """Keep the payment; its receipt goes out now if the delegate is known, else when their details arrive."""
    if not await unit.store.payment_known(paid.provider_reference):
        await unit.store.add_payment(
            Payment(
                reference=paid.provider_reference,
                delegate_id=paid.delegate_id,
                congress_id=paid.congress_id,
                amount_minor=paid.amount.amount_minor,
                currency=paid.amount.currency,
                method=str(paid.method),
                paid_at=paid.paid_at,
            )
        )
    await unit.store.mark_paid(paid.delegate_id)
    record = await unit.store.delegate(paid.delegate_id)
    if record is not None:
        for data in await issue_pending_receipts(unit, deps, record):
            unit.stage(data)


async def invoice(unit: BadgeUnit, deps: BadgeDeps, issued: InvoiceIssued) -> None:
    """The invoice's PDF, once per invoice number."""
    if await unit.store.has_document(DocumentKind.INVOICE, f"invoice:{issued.invoice_number}"):
        return
    record = await unit.store.delegate(issued.delegate_id)
    for data in await issue_invoice(unit, deps, issued, record):
        unit.stage(data)


async def erase(deps: BadgeDeps, delegate_ids: list[str]) -> None:
    """Erased delegates (tombstones on the delegates topic) leave badges: replica, badge, check-in, visa requests
    (passport data), payments, documents and their PDF files, and badges' data keys for them (so the names and
    addresses in badges' events read ``erased``). Issued invoices stay, row and PDF (docs/privacy.md)."""
    async with deps.units.begin() as unit:
        unreferenced = await unit.store.erase(delegate_ids)
        await unit.shred(delegate_ids)
    await deps.units.scrub()
    for sha256 in unreferenced:  # after the commit: a rolled-back erasure must not lose a PDF still on record
        deps.store.delete(sha256)
