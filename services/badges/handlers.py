"""What the badges service does when registration events arrive: replica, badges, receipts, invoices.

Handlers run inside the consumer's transaction (inbox + outbox). PDFs are rendered
in the warm process pool — ideally *before* the transaction, by ``prerender`` —
and stored content-addressed, so a redelivery or retry re-renders nothing new.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from schemas.badges import BadgeIssued, BadgeRevoked, DocumentIssued, DocumentKind
from schemas.base import CloudEvent, EventData
from schemas.delegates import DelegateSnapshot
from schemas.registration import (
    InvoiceIssued,
    PaymentSucceeded,
    RegistrationCancelled,
    RegistrationConfirmed,
    RegistrationUpdated,
)
from schemas.values import Delegate
from services.badges import domain
from services.badges.adapters import db
from services.badges.adapters.pdf import BadgeContent
from services.badges.adapters.unprintable import replaced_text_alert
from services.badges.documents import money, receipt_context
from services.badges.ports import PdfStore, Renderer
from services.common.auth import sign

log = logging.getLogger("congress.badges.handlers")


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class BadgeDeps:
    renderer: Renderer
    store: PdfStore
    secret: str
    congress: Any
    """services.common.congress.Congress: ids, names, legal details."""
    clock: Any = field(default_factory=SystemClock)
    public_url: str = "http://127.0.0.1:8003"
    """Base of the links badges mails (the visa-request link)."""
    visa_link_days: int = 60
    """How long a visa-request link works; then a new one can be mailed."""
    prerendered: dict[BadgeContent, bytes] = field(default_factory=dict)


def row_from(congress_id: str, version: int, status: str, paid: bool, d: Delegate) -> db.DelegateRow:
    return db.DelegateRow(
        d.delegate_id,
        congress_id,
        d.registration_number,
        version,
        status,
        paid,
        d.given_name,
        d.family_name,
        d.badge_name,
        d.affiliation,
        d.country,
        d.email,
        d.language,
        tuple(str(r) for r in d.roles),
        tuple((a.label, a.kind) for a in d.add_ons),
    )


def badge_content(row: db.DelegateRow, secret: str) -> BadgeContent:
    token = sign(
        secret,
        domain.QR_PURPOSE,
        domain.qr_payload(row.delegate_id, row.version, row.congress_id),
    )
    return BadgeContent(row.delegate_id, row.congress_id, row.version, *face(row), token)


async def render_badge_pdf(deps: BadgeDeps, content: BadgeContent) -> bytes:
    cached = deps.prerendered.pop(content, None)
    return cached if cached is not None else await deps.renderer.render_badge(content)


def face(
    row: db.DelegateRow,
) -> tuple[str, str, str, str, str, str, tuple[str, ...], tuple[tuple[str, str], ...]]:
    """Everything a badge prints (the QR token aside), in BadgeContent's order: one face, one badge."""
    return (
        row.given_name,
        row.family_name,
        row.badge_name,
        row.affiliation,
        row.country,
        row.language,
        row.roles,
        row.add_ons,
    )


async def issue_badge(
    session: AsyncSession, deps: BadgeDeps, delegate_id: str, *, previous: db.DelegateRow | None = None
) -> list[EventData]:
    """Render, store and record the badge for the replica's current version, if its face changed.

    ``previous`` is the replica's row before this event. A newer registration version that prints
    the same face (a payment, an email or dietary change) keeps the badge: its QR code still carries
    the version of the face, so it goes on checking in, and nobody is told their badge is ready twice.
    """
    row = await db.get_delegate(session, delegate_id)
    if row is None or row.status != "confirmed":
        return []
    current = await db.badge_of(session, delegate_id)
    if current is not None and not current.revoked:
        if not domain.should_render(row.version, current.version):
            return []
        if previous is not None and previous.version >= current.version and face(previous) == face(row):
            log.info("badge unchanged", extra={"delegate_id": delegate_id, "version": row.version})
            return []
    pdf = await render_badge_pdf(deps, badge_content(row, deps.secret))
    stored = deps.store.put(pdf)
    await db.record_badge(
        session,
        delegate_id=delegate_id,
        version=row.version,
        sha256=stored.sha256,
        location=stored.location,
        now=deps.clock.now(),
    )
    log.info(
        "badge issued",
        extra={
            "delegate_id": delegate_id,
            "version": row.version,
            "sha256": stored.sha256,
        },
    )
    return [
        BadgeIssued(
            congress_id=row.congress_id,
            delegate_id=delegate_id,
            registration_version=row.version,
            pdf_sha256=stored.sha256,
            location=stored.location,
            email=row.email,
            badge_name=row.badge_name,
            language=row.language,
        ),
        *replaced_text_alert(row, congress_id=row.congress_id, delegate_id=delegate_id, version=row.version),
    ]


async def revoke(session: AsyncSession, congress_id: str, delegate_id: str, reason: str) -> list[EventData]:
    if await db.revoke_badge(session, delegate_id):
        return [BadgeRevoked(congress_id=congress_id, delegate_id=delegate_id, reason=reason)]
    return []


async def apply_state(
    session: AsyncSession,
    deps: BadgeDeps,
    *,
    congress_id: str,
    registration_id: str,
    version: int,
    status: str,
    paid: bool | None,
    delegate: Delegate,
) -> list[EventData]:
    applied, previous = await db.upsert_delegate(
        session,
        congress_id=congress_id,
        registration_id=registration_id,
        version=version,
        status=status,
        paid=paid,
        delegate=delegate,
        now=deps.clock.now(),
    )
    if not applied:
        return []
    if status in domain.ENDED:  # an unpaid registration released (expired) ends like a cancelled one
        return await revoke(session, congress_id, delegate.delegate_id, f"registration {status}")
    events = await issue_badge(session, deps, delegate.delegate_id, previous=previous)
    return events + await issue_pending_receipts(session, deps, delegate.delegate_id)


async def issue_pending_receipts(session: AsyncSession, deps: BadgeDeps, delegate_id: str) -> list[EventData]:
    """Receipts for payments that arrived before the delegate's details did."""
    from sqlalchemy import select, update

    row = await db.get_delegate(session, delegate_id)
    if row is None:
        return []
    pending = (
        await session.execute(
            select(db.payments).where(
                db.payments.c.delegate_id == delegate_id,
                db.payments.c.receipt_issued.is_(False),
            )
        )
    ).all()
    events: list[EventData] = []
    for payment in pending:
        number = await db.next_number(session, DocumentKind.RECEIPT, f"{deps.congress.number_prefix}-RCT")
        pdf = await deps.renderer.render_document("receipt", receipt_context(deps.congress, row, payment, number))
        events.append(
            await record_document(
                session,
                deps,
                row,
                DocumentKind.RECEIPT,
                number,
                f"payment:{payment.reference}",
                pdf,
            )
        )
        await session.execute(
            update(db.payments).where(db.payments.c.reference == payment.reference).values(receipt_issued=True)
        )
    return events


async def record_document(
    session: AsyncSession,
    deps: BadgeDeps,
    row: db.DelegateRow,
    kind: DocumentKind,
    number: str,
    cause: str,
    pdf: bytes,
    *,
    email: str | None = None,
) -> DocumentIssued:
    stored = deps.store.put(pdf)
    await db.record_document(
        session,
        kind=str(kind),
        number=number,
        delegate_id=row.delegate_id,
        cause=cause,
        sha256=stored.sha256,
        location=stored.location,
        issued_at=deps.clock.now(),
    )
    log.info(
        "document issued",
        extra={"delegate_id": row.delegate_id, "kind": str(kind), "number": number},
    )
    return DocumentIssued(
        congress_id=row.congress_id,
        delegate_id=row.delegate_id,
        kind=kind,
        document_number=number,
        pdf_sha256=stored.sha256,
        location=stored.location,
        email=email or row.email,
        language=row.language,
    )


def make_handlers(deps: BadgeDeps) -> dict[type[EventData], Any]:
    """The consumer's handler table: one plain async function per event type."""

    async def on_confirmed(event: CloudEvent[RegistrationConfirmed], session: AsyncSession) -> list[EventData]:
        d = event.data
        return await apply_state(
            session,
            deps,
            congress_id=d.congress_id,
            registration_id=d.registration_id,
            version=d.registration_version,
            status="confirmed",
            paid=None,
            delegate=d.delegate,
        )

    async def on_updated(event: CloudEvent[RegistrationUpdated], session: AsyncSession) -> list[EventData]:
        d = event.data
        current = await db.get_delegate(session, d.delegate_id)
        status = current.status if current else "confirmed"
        return await apply_state(
            session,
            deps,
            congress_id=d.congress_id,
            registration_id=d.registration_id,
            version=d.registration_version,
            status=status,
            paid=None,
            delegate=d.delegate,
        )

    async def on_cancelled(event: CloudEvent[RegistrationCancelled], session: AsyncSession) -> list[EventData]:
        d = event.data
        applied = await db.set_status(session, d.delegate_id, status="cancelled", version=d.registration_version)
        if not applied and await db.get_delegate(session, d.delegate_id) is not None:
            return []  # an older cancellation than what we know
        return await revoke(session, d.congress_id, d.delegate_id, d.reason)

    async def on_snapshot(event: CloudEvent[DelegateSnapshot], session: AsyncSession) -> list[EventData]:
        d = event.data
        return await apply_state(
            session,
            deps,
            congress_id=d.congress_id,
            registration_id=d.registration_id,
            version=d.registration_version,
            status=d.status,
            paid=d.paid,
            delegate=d.delegate,
        )

    async def on_payment(event: CloudEvent[PaymentSucceeded], session: AsyncSession) -> list[EventData]:
        d = event.data
        known = await session.execute(db.payments.select().where(db.payments.c.reference == d.provider_reference))
        if known.first() is None:
            await session.execute(
                db.payments.insert().values(
                    reference=d.provider_reference,
                    delegate_id=d.delegate_id,
                    congress_id=d.congress_id,
                    amount_minor=d.amount.amount_minor,
                    currency=d.amount.currency,
                    method=str(d.method),
                    paid_at=d.paid_at,
                    receipt_issued=False,
                )
            )
        await db.mark_paid(session, d.delegate_id)
        return await issue_pending_receipts(session, deps, d.delegate_id)

    async def on_invoice(event: CloudEvent[InvoiceIssued], session: AsyncSession) -> list[EventData]:
        from services.badges.documents import invoice_context

        d = event.data
        if await db.document_for(session, DocumentKind.INVOICE, f"invoice:{d.invoice_number}") is not None:
            return []
        row = await db.get_delegate(session, d.delegate_id) or _placeholder_row(d)
        pdf = await deps.renderer.render_document("invoice", invoice_context(deps.congress, d))
        return [
            await record_document(
                session,
                deps,
                row,
                DocumentKind.INVOICE,
                d.invoice_number,
                f"invoice:{d.invoice_number}",
                pdf,
                email=d.email,
            )
        ]

    return {
        RegistrationConfirmed: on_confirmed,
        RegistrationUpdated: on_updated,
        RegistrationCancelled: on_cancelled,
        DelegateSnapshot: on_snapshot,
        PaymentSucceeded: on_payment,
        InvoiceIssued: on_invoice,
    }


def _placeholder_row(d: InvoiceIssued) -> db.DelegateRow:
    return db.DelegateRow(
        d.delegate_id,
        d.congress_id,
        "",
        0,
        "pending",
        False,
        "",
        "",
        d.institution_name,
        d.institution_name,
        "XX",
        d.email,
        d.language,
        (),
        (),
    )


def contents_to_prerender(events: Iterable[CloudEvent[Any]], secret: str) -> list[BadgeContent]:
    """Badges a batch will probably need, so the pool renders them in parallel before the transaction."""
    out = []
    for event in events:
        d = event.data
        if isinstance(d, RegistrationConfirmed | RegistrationUpdated):
            row = row_from(d.congress_id, d.registration_version, "confirmed", False, d.delegate)
        elif isinstance(d, DelegateSnapshot) and d.status == "confirmed":
            row = row_from(d.congress_id, d.registration_version, d.status, d.paid, d.delegate)
        else:
            continue
        out.append(badge_content(row, secret))
    return list(dict.fromkeys(out))


__all__ = ["BadgeDeps", "make_handlers", "money"]
