"""A receipt and an invoice speak the delegate's language throughout: their headings through badges' catalog, their
amounts and days as Babel writes them in that language; English ones print as before, and a language badges does not
word gets English (read back from the PDF with poppler's ``pdftotext``)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from schemas.registration import InvoiceCharge, InvoiceIssued, InvoiceLine
from schemas.values import Money
from services.badges.adapters.pdf import PdfRenderer
from services.badges.domain.documents import invoice_context, receipt_context
from services.common.congress import load_congress
from tests.integration.badges.test_badges_pipeline import pdf_text
from tests.integration.badges.test_legacy_text_documents import HEADER

ISSUED = datetime(2027, 1, 5, 12, 0, tzinfo=UTC)  # 21:00 in Yokohama, the demo congress's timezone: the same day
INVOICE_WORDS = {  # a heading and its value apart: poppler reads the headings' column, then the values'
    "en": (
        "Invoice number",
        "Invoice date",
        "January 5, 2027",
        "Due date",
        "February 4, 2027",
        "Purchase order",
        "Description Amount",
        "Total due €1,234.56",
        "VAT ID: CHE-123.456.789",
        "Please pay to: IBAN",
        "Quote the invoice number ICSEI27-INV-0042 with your payment.",
        "VAT JP-T0000000000000",
        "Reg. DEMO-0001",
        "Page 1 of 1",
    ),
    "fr": (
        "Facture",
        "Numéro de facture",
        "Date de facture",
        "5 janvier 2027",
        "Date d’échéance",
        "4 février 2027",
        "Bon de commande",
        "Désignation Montant",
        "Total à payer 1 234,56 €",
        "N° de TVA : CHE-123.456.789",
        "Paiement à effectuer sur : IBAN",
        "Veuillez indiquer le numéro de facture ICSEI27-INV-0042 avec votre paiement.",
        "TVA JP-T0000000000000",
        "Immatr. DEMO-0001",
        "Page 1 sur 1",
    ),
    "de": (
        "Rechnung",
        "Rechnungsnummer",
        "Rechnungsdatum",
        "5. Januar 2027",
        "Fälligkeitsdatum",
        "4. Februar 2027",
        "Bestellnummer",
        "Beschreibung Betrag",
        "Zu zahlender Gesamtbetrag 1.234,56 €",
        "Bitte zahlen Sie an: IBAN",
        "Reg.-Nr. DEMO-0001",
        "Seite 1 von 1",
    ),
    "es": (
        "Factura",
        "Número de factura",
        "Fecha de factura",
        "5 de enero de 2027",
        "Fecha de vencimiento",
        "4 de febrero de 2027",
        "Orden de compra",
        "Concepto Importe",
        "Total a pagar 1.234,56 €",
        "Indique el número de factura ICSEI27-INV-0042 en su pago.",
        "Página 1 de 1",
    ),
}
ENGLISH_ONLY = ("Invoice", "Due date", "Total due", "Please pay to", "€1,234.56", "January", "Page 1 of")


def invoice(language: str) -> InvoiceIssued:
    return InvoiceIssued(
        congress_id="icsei-2027",
        registration_id="reg-1",
        delegate_id="del-1",
        invoice_number="ICSEI27-INV-0042",
        issued_at=ISSUED,
        due_at=ISSUED + timedelta(days=30),
        institution_name="Universität Zürich",
        institution_address="Rämistrasse 71\n8006 Zürich",
        vat_id="CHE-123.456.789",
        purchase_order="PO-4711",
        lines=(
            InvoiceLine(
                description="Zoë Ørsted: ICSEI member registration (regular)",
                amount=Money(amount_minor=123456, currency="EUR"),
                delegate="Zoë Ørsted",
                charge=InvoiceCharge(kind="fee", label="ICSEI member"),
            ),
        ),
        total=Money(amount_minor=123456, currency="EUR"),
        email="finance@uzh.example",
        language=language,
    )


def receipt(language: str) -> dict[str, object]:
    row = SimpleNamespace(
        given_name="Zoë", family_name="Ørsted", registration_number="ICSEI27-0007", affiliation="UZH", language=language
    )
    payment = SimpleNamespace(amount_minor=42000, currency="EUR", method="card", reference="pi_1", paid_at=ISSUED)
    return receipt_context(load_congress(), row, payment, "ICSEI27-RCT-00001")


@pytest.fixture(scope="module")
def renderer(tmp_path_factory: pytest.TempPathFactory) -> PdfRenderer:
    return PdfRenderer(HEADER, font_cache=tmp_path_factory.mktemp("fonts"), recut_interval=float("inf"))


def printed(renderer: PdfRenderer, template: str, context: dict[str, object], tmp_path: Path) -> str:
    path = tmp_path / f"{template}.pdf"
    path.write_bytes(renderer.render_document(template, context))
    return re.sub(r"\s+", " ", pdf_text(path))  # one space for poppler's line breaks and (narrow) no-break spaces


@pytest.mark.parametrize("language", ["fr", "de", "es"])
def test_an_invoice_prints_its_headings_amounts_and_days_in_its_language(
    renderer: PdfRenderer, language: str, tmp_path: Path
) -> None:
    text = printed(renderer, "invoice", invoice_context(load_congress(), invoice(language)), tmp_path)
    for words in INVOICE_WORDS[language]:
        assert words in text, words
    for english in ENGLISH_ONLY:
        assert english not in text, english


def test_an_english_invoice_prints_as_before(renderer: PdfRenderer, tmp_path: Path) -> None:
    text = printed(renderer, "invoice", invoice_context(load_congress(), invoice("en")), tmp_path)
    assert text.startswith("ICSEI Congress Secretariat (demo)")
    for words in INVOICE_WORDS["en"]:
        assert words in text, words


def test_an_invoice_in_a_language_badges_does_not_word_prints_in_english(renderer: PdfRenderer, tmp_path: Path) -> None:
    text = printed(renderer, "invoice", invoice_context(load_congress(), invoice("ja")), tmp_path)
    for words in INVOICE_WORDS["en"]:
        assert words in text, words


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", ("Receipt number", "Received from", "Registration, ", "€420.00", "Paid on January 5, 2027 (card,")),
        ("fr", ("Numéro de reçu", "Reçu de", "Inscription, ", "420,00 €", "Payé le 5 janvier 2027 (carte, réf. pi_1)")),
        ("de", ("Quittungsnummer", "Erhalten von", "Anmeldung, ", "420,00 €", "Bezahlt am 5. Januar 2027 (Karte,")),
        (
            "es",
            ("Número de recibo", "Recibido de", "Inscripción, ", "420,00 €", "Pagado el 5 de enero de 2027 (tarjeta"),
        ),
        ("ja", ("Receipt number", "Received from", "€420.00", "Paid on January 5, 2027 (card, ref. pi_1)")),
    ],
)
def test_a_receipt_prints_its_headings_amount_and_days_in_the_delegates_language(
    renderer: PdfRenderer, language: str, words: tuple[str, ...], tmp_path: Path
) -> None:
    text = printed(renderer, "receipt", receipt(language), tmp_path)
    for said in words:
        assert said in text, said
