"""An invoice's lines print in the invoice's language (its ``language``), from the values each line carries, through
badges' catalog; an invoice issued before (a line with no values) or in a language badges does not word prints the
English description (read back from the PDF with poppler's ``pdftotext``)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from schemas.registration import InvoiceCharge, InvoiceIssued, InvoiceLine
from schemas.values import Money
from services.badges.adapters.pdf import PdfRenderer
from services.badges.domain.documents import invoice_context
from services.common.congress import load_congress
from tests.integration.badges.test_badges_pipeline import pdf_text
from tests.integration.badges.test_legacy_text_documents import HEADER

ZOE = "Zoë Ørsted (ICSEI27-0007)"
CHARGES = (
    InvoiceCharge(kind="fee", label="ICSEI member", labels={"fr": "Membre de l’ICSEI"}, early_bird=True),
    InvoiceCharge(kind="income-group", income_group="lower-middle", percent=50),
    InvoiceCharge(kind="group", group_size=5, percent=10),
    InvoiceCharge(kind="code", code="NETWORK10"),
    InvoiceCharge(kind="add-on", label="Congress dinner", labels={"fr": "Dîner du congrès", "de": "Kongressdinner"}),
)
ENGLISH = (
    "ICSEI member registration (early bird)",
    "Income group lower-middle (50% of the fee)",
    "Group of 5 (10% off)",
    "Code NETWORK10",
    "Add-on: Congress dinner",
)


def issued(language: str, *, values: bool = True) -> InvoiceIssued:
    now = datetime.now(UTC)
    lines = tuple(
        InvoiceLine(
            description=f"{ZOE}: {english}",
            amount=Money(amount_minor=1000, currency="EUR"),
            delegate=ZOE if values else "",
            charge=charge if values else None,
        )
        for charge, english in zip(CHARGES, ENGLISH, strict=True)
    )
    return InvoiceIssued(
        congress_id="icsei-2027",
        registration_id="reg-1",
        delegate_id="del-1",
        invoice_number="ICSEI27-INV-0042",
        issued_at=now,
        due_at=now + timedelta(days=30),
        institution_name="Université de Genève",
        institution_address="24 rue du Général-Dufour\n1211 Genève",
        lines=lines,
        total=Money(amount_minor=5000, currency="EUR"),
        email="finance@unige.example",
        language=language,
    )


@pytest.fixture(scope="module")
def renderer(tmp_path_factory: pytest.TempPathFactory) -> PdfRenderer:
    return PdfRenderer(HEADER, font_cache=tmp_path_factory.mktemp("fonts"), recut_interval=float("inf"))


def printed(renderer: PdfRenderer, invoice: InvoiceIssued, tmp_path: Path) -> str:
    path = tmp_path / "invoice.pdf"
    path.write_bytes(renderer.render_document("invoice", invoice_context(load_congress(), invoice)))
    return re.sub(r"\s+", " ", pdf_text(path))  # one space for poppler's line breaks and no-break spaces


def test_a_french_invoice_words_its_lines_in_french(renderer: PdfRenderer, tmp_path: Path) -> None:
    text = printed(renderer, issued("fr"), tmp_path)
    for french in (
        f"{ZOE}: Inscription : Membre de l’ICSEI (tarif préférentiel)",
        "Pays à revenu intermédiaire de la tranche inférieure (50 % des droits)",
        "Groupe de 5 participants (10 % de réduction)",
        "Code NETWORK10",
        "Option : Dîner du congrès",
    ):
        assert french in text, french
    assert "early bird" not in text and "Add-on" not in text


def test_a_german_invoice_words_them_in_german_with_the_english_label_where_the_file_gives_none(
    renderer: PdfRenderer, tmp_path: Path
) -> None:
    text = printed(renderer, issued("de"), tmp_path)
    assert "Anmeldung: ICSEI member (Frühbucherpreis)" in text and "Zusatzangebot: Kongressdinner" in text


def test_lines_issued_without_values_print_their_english_description(renderer: PdfRenderer, tmp_path: Path) -> None:
    text = printed(renderer, issued("fr", values=False), tmp_path)
    for english in ENGLISH:
        assert f"{ZOE}: {english}" in text, english


def test_a_language_badges_does_not_word_gets_the_pages_english(renderer: PdfRenderer, tmp_path: Path) -> None:
    text = printed(renderer, issued("ja"), tmp_path)
    for english in (
        f"{ZOE}: ICSEI member registration (early bird)",
        "Lower-middle-income country (50% of the fee)",
        "Group of 5 delegates (10% off)",
        "Add-on: Congress dinner",
    ):
        assert english in text, english
