"""Delegate documents: numbered, rendered, stored content-addressed, recorded, announced (DocumentIssued).

Receipts and invoices come from registration's events; visa letters and certificates from organisers
(``visa.py``, ``certificates.py``). All inside the caller's unit of work.
"""

from __future__ import annotations

import logging

from schemas.badges import DocumentIssued, DocumentKind
from schemas.base import EventData
from schemas.registration import InvoiceIssued
from services.badges.domain import DelegateRecord, Status
from services.badges.domain.documents import invoice_context, receipt_context
from services.badges.ports import BadgeDeps, BadgeUnit

log = logging.getLogger("congress.badges.commands")


async def record_document(
    unit: BadgeUnit,
    deps: BadgeDeps,
    record: DelegateRecord,
    kind: DocumentKind,
    number: str,
    cause: str,
    pdf: bytes,
    *,
    email: str | None = None,
) -> DocumentIssued:
    """Store the PDF, record the document and return its DocumentIssued (the caller stages it)."""
    stored = deps.store.put(pdf)
    await unit.store.record_document(
        kind=str(kind),
        number=number,
        delegate_id=record.delegate_id,
        cause=cause,
        pdf=stored,
        issued_at=deps.clock.now(),
    )
    log.info("document issued", extra={"delegate_id": record.delegate_id, "kind": str(kind), "number": number})
    return DocumentIssued(
        congress_id=record.congress_id,
        delegate_id=record.delegate_id,
        kind=kind,
        document_number=number,
        pdf_sha256=stored.sha256,
        location=stored.location,
        email=email or record.email,
        language=record.language,
    )


async def issue_pending_receipts(unit: BadgeUnit, deps: BadgeDeps, record: DelegateRecord) -> list[EventData]:
    """Receipts for payments that arrived before the delegate's details did (or just now)."""
    events: list[EventData] = []
    for payment in await unit.store.payments_without_receipt(record.delegate_id):
        number = await unit.store.next_number(DocumentKind.RECEIPT, f"{deps.congress.number_prefix}-RCT")
        pdf = await deps.renderer.render_document("receipt", receipt_context(deps.congress, record, payment, number))
        cause = f"payment:{payment.reference}"
        events.append(await record_document(unit, deps, record, DocumentKind.RECEIPT, number, cause, pdf))
        await unit.store.mark_receipt_issued(payment.reference)
    return events


async def issue_invoice(
    unit: BadgeUnit, deps: BadgeDeps, issued: InvoiceIssued, record: DelegateRecord | None
) -> list[EventData]:
    """The invoice's PDF, for the delegate on record or (not yet known here) the institution it names:
    its DocumentIssued, and DocumentTextReplaced when a text the institution gave does not print as typed."""
    pdf = await deps.renderer.render_document("invoice", invoice_context(deps.congress, issued))
    number = issued.invoice_number
    holder = record or _institution(issued)
    document = await record_document(
        unit, deps, holder, DocumentKind.INVOICE, number, f"invoice:{number}", pdf, email=issued.email
    )
    texts = {
        "institution": issued.institution_name,
        "institution address": issued.institution_address,
        "VAT id": issued.vat_id or "",
        "purchase order": issued.purchase_order or "",
    }
    alerts = deps.document_text_alert(
        congress_id=issued.congress_id,
        delegate_id=issued.delegate_id,
        kind=DocumentKind.INVOICE,
        number=number,
        texts=texts,
    )
    return [document, *alerts]


def _institution(d: InvoiceIssued) -> DelegateRecord:
    """Who an invoice is for when the delegate's details have not arrived yet."""
    return DelegateRecord(
        d.delegate_id,
        d.congress_id,
        "",
        0,
        Status.PENDING,
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
