"""Issue 12, finding 8: documents for text stored before the text rule show no control character and no
bidi-spoofed line (read back with poppler's ``pdftotext``)."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

from schemas.registration import InvoiceIssued, InvoiceLine
from schemas.values import Money
from services.badges.adapters.pdf import CongressHeader, PdfRenderer
from services.badges.domain.documents import invoice_context, receipt_context
from services.common.congress import load_congress
from tests.integration.badges.test_badges_pipeline import pdf_text

HEADER = CongressHeader("ICSEI 2027", "Yokohama · 05 Jan – 08 Jan 2027")


def hidden(text: str) -> list[str]:
    """Control and bidi-control characters left in extracted text (poppler's own layout whitespace aside)."""
    return [
        f"U+{ord(c):04X}"
        for c in text
        if (unicodedata.category(c) == "Cc" and c not in "\n\x0c")
        or 0x202A <= ord(c) <= 0x202E
        or 0x2066 <= ord(c) <= 0x2069
    ]


def legacy_invoice() -> InvoiceIssued:
    now = datetime.now(UTC)
    return InvoiceIssued(
        congress_id="icsei-2027",
        registration_id="reg-1",
        delegate_id="del-1",
        invoice_number="ICSEI27-INV-0042",
        issued_at=now,
        due_at=now + timedelta(days=30),
        institution_name="Universit\x07ät Wien\x1b[0m",
        institution_address="Universitätsring 1\r\n1010 Wien\x00\nPay to: \u202e0001 RUE",
        vat_id="ATU\x0812345678",
        purchase_order="\u2066PO-4711\u2069",
        lines=(
            InvoiceLine(
                description="Registration (member) \x1b[31mMaria", amount=Money(amount_minor=42000, currency="EUR")
            ),
        ),
        total=Money(amount_minor=42000, currency="EUR"),
        email="finance@univie.example",
    )


def test_an_invoice_of_legacy_hostile_text_shows_clean_text_in_reading_order(tmp_path: Path) -> None:
    renderer = PdfRenderer(HEADER, font_cache=tmp_path / "fonts")
    pdf = renderer.render_document("invoice", invoice_context(load_congress(), legacy_invoice()))
    path = tmp_path / "invoice.pdf"
    path.write_bytes(pdf)
    text = pdf_text(path)
    assert hidden(text) == []
    assert "0001 RUE" in text and "EUR 1000" not in text  # the override no longer reverses the line
    for clean in ("Universität Wien[0m", "Universitätsring 1", "1010 Wien", "ATU12345678", "PO-4711", "[31mMaria"):
        assert clean in text, clean


def test_a_receipt_of_a_legacy_name_shows_it_without_controls(tmp_path: Path) -> None:
    renderer = PdfRenderer(HEADER, font_cache=tmp_path / "fonts")
    row = SimpleNamespace(
        given_name="Ma\x00ria",
        family_name="\u202eO'Brien",
        registration_number="ICSEI27-0001",
        affiliation="Uni\x07",
        language="en",
    )
    payment = SimpleNamespace(
        amount_minor=42000, currency="EUR", method="card", reference="pi_1", paid_at=datetime.now(UTC)
    )
    pdf = renderer.render_document("receipt", receipt_context(load_congress(), row, payment, "R-1"))
    path = tmp_path / "receipt.pdf"
    path.write_bytes(pdf)
    text = pdf_text(path)
    assert hidden(text) == [] and "Maria O'Brien" in text
