"""Issue 17: Khmer, Sinhala, emoji and hieroglyph names print; a name no font has still gets its badge and an
organiser alert; names break only where their language allows; documents print the same text in the same fonts.
Real fonts, real Pango, read back with poppler."""

from __future__ import annotations

import re
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from schemas.badges import BadgeIssued, BadgeTextReplaced, DocumentIssued, DocumentKind, DocumentTextReplaced
from schemas.registration import InvoiceIssued, InvoiceLine
from schemas.values import Money
from services.badges import domain
from services.badges.adapters.pdf import BadgeContent, CongressHeader, PdfRenderer
from services.badges.domain.documents import certificate_context, invoice_context
from services.badges.ports import BadgeDeps
from services.common.congress import load_congress
from tests.integration.badges import factories as f
from tests.integration.badges.test_badge_layers import misdrawn
from tests.integration.badges.test_badges_pipeline import pdf_fonts, pdf_text, squash
from tests.integration.badges.test_every_script import letters
from tests.integration.badges.test_station_pages import Badges, badges  # noqa: F401 - the fixture
from tests.unit.badges.test_handlers import FakeStore, FixedClock, feed, sm  # noqa: F401 - the fixture

HEADER = CongressHeader("ICSEI 2027", "Yokohama · 05 Jan – 08 Jan 2027")
TANGSA = "\U00016a70\U00016a71\U00016a72"
"""Tangsa (Unicode 14): Debian has no font for it."""


@pytest.fixture(scope="module")
def renderer(tmp_path_factory: pytest.TempPathFactory) -> PdfRenderer:
    return PdfRenderer(HEADER, font_cache=tmp_path_factory.mktemp("fonts"), recut_interval=float("inf"))


def badge(given: str, family: str, lang: str = "en", affiliation: str = "Universität Wien") -> BadgeContent:
    return BadgeContent("d-1", "icsei-2027", 1, given, family, "", affiliation, "AT", lang, ("delegate",), (), "t")


def lines_of(pdf: bytes, tmp_path: Path) -> list[str]:
    """The PDF's text lines as poppler reads them (each line's words joined)."""
    path = tmp_path / "b.pdf"
    path.write_bytes(pdf)
    html = subprocess.run(["pdftotext", "-bbox-layout", str(path), "-"], capture_output=True, text=True).stdout
    lines = re.findall(r"<line[^>]*>(.*?)</line>", html, re.S)
    return ["".join(re.findall(r">([^<]+)</word>", line)) for line in lines]


@pytest.mark.parametrize(
    ("given", "family", "lang", "font"),
    [
        ("សុខ", "ចាន់ដារ៉ា", "km", "Noto-Sans-Khmer"),
        ("ශ්‍රියානි", "ජයවර්ධන", "si", "Noto-Sans-Sinhala"),
        ("ᠪᠠᠲᠤ", "ᠮᠣᠩᠭᠣᠯ", "mn", "Noto-Sans-Mongolian"),
        ("ދިވެހި", "ރައްޔިތު", "dv", "Noto-Sans-Thaana"),
        ("Anna 🏫", "Müller", "en", "Noto-Color-Emoji"),
        ("𓀀𓁐", "Nakht", "en", "Noto-Sans-Egyptian-Hieroglyphs"),
    ],
)
def test_scripts_that_were_dead_letters_print_in_their_fonts(
    given: str, family: str, lang: str, font: str, renderer: PdfRenderer, tmp_path: Path
) -> None:
    pdf = renderer.render_badge(badge(given, family, lang))
    path = tmp_path / "b.pdf"
    path.write_bytes(pdf)
    assert any(name.startswith(font) for name in pdf_fonts(path)), pdf_fonts(path)
    assert misdrawn(pdf) == []
    if font != "Noto-Color-Emoji":  # poppler extracts no text from a bitmap glyph
        assert not letters(given + family) - letters(pdf_text(path))  # poppler moves Thaana's and Indic marks


def test_a_name_no_font_has_gets_a_badge_with_a_transliteration(renderer: PdfRenderer, tmp_path: Path) -> None:
    pdf = renderer.render_badge(badge("Nyan", f"{TANGSA} Wang"))
    path = tmp_path / "b.pdf"
    path.write_bytes(pdf)
    text = pdf_text(path)
    assert "Nyan" in text and "Wang" in text and TANGSA not in text
    assert misdrawn(pdf) == []


async def test_the_badge_is_issued_with_an_alert_never_a_dead_letter(sm: Any) -> None:  # noqa: F811
    from services.badges.adapters.sql import SqlUnits
    from services.badges.app import text_alert
    from services.common.outbox import Outbox
    from tests.unit.badges.test_handlers import FakeRenderer

    units = SqlUnits(sm, Outbox("/congress/badges"))
    deps = BadgeDeps(units, FakeRenderer(), FakeStore(), "unit", load_congress(), FixedClock(), text_alert=text_alert)
    fine, odd = f.delegate("សុខ", "ចាន់", number=1), f.delegate("Nyan", f"{TANGSA} Wang", number=2)
    out = await feed(sm, deps, f.confirmed(fine), f.confirmed(odd))
    assert [type(e) for e in out] == [BadgeIssued, BadgeIssued, BadgeTextReplaced]
    alert = out[2]
    assert isinstance(alert, BadgeTextReplaced) and alert.delegate_id == odd.delegate_id
    (replacement,) = alert.replacements
    assert replacement.field == "family name" and replacement.typed == f"{TANGSA} Wang"
    assert replacement.printed.endswith("Wang") and TANGSA not in replacement.printed
    assert replacement.missing[0] == "U+16A70 TANGSA LETTER OZ"


async def test_an_invoice_whose_institution_no_font_prints_is_issued_with_an_alert(sm: Any) -> None:  # noqa: F811
    from services.badges.adapters.sql import SqlUnits
    from services.badges.app import document_text_alert
    from services.common.outbox import Outbox
    from tests.unit.badges.test_handlers import FakeRenderer

    units = SqlUnits(sm, Outbox("/congress/badges"))
    deps = BadgeDeps(
        units,
        FakeRenderer(),
        FakeStore(),
        "unit",
        load_congress(),
        FixedClock(),
        document_text_alert=document_text_alert,
    )
    person = f.delegate("Nyan", "Wang")
    fine = f.invoice(person, "ICSEI27-INV-0001")
    odd = f.invoice(person, "ICSEI27-INV-0002").model_copy(
        update={"institution_name": f"Sekolah {TANGSA}", "institution_address": f"Jalan 1\n{TANGSA} 12"}
    )
    out = await feed(sm, deps, fine, odd)
    assert [type(e) for e in out] == [DocumentIssued, DocumentIssued, DocumentTextReplaced]
    alert = out[2]
    assert isinstance(alert, DocumentTextReplaced) and alert.document_number == "ICSEI27-INV-0002"
    assert alert.kind == DocumentKind.INVOICE and alert.delegate_id == person.delegate_id
    assert [r.field for r in alert.replacements] == ["institution", "institution address"]
    institution = alert.replacements[0]
    assert institution.typed == f"Sekolah {TANGSA}" and institution.printed.startswith("Sekolah")
    assert TANGSA not in institution.printed and institution.missing[0] == "U+16A70 TANGSA LETTER OZ"


async def test_the_organiser_page_lists_names_printed_otherwise(badges: Badges) -> None:  # noqa: F811
    await badges.replicate(f.delegate("Nyan", f"{TANGSA} Wang", number=7), f.delegate("សុខ", "ចាន់", number=8))
    page = (await badges.client.get("/organiser/badges")).text
    section = page[page.index('id="replaced"') :]
    assert "U+16A70 TANGSA LETTER OZ" in section and f"{TANGSA} Wang" in section
    assert "ចាន់" not in section  # Khmer prints: no alert


def test_the_tamil_and_german_names_of_the_issue_break_only_where_allowed(
    renderer: PdfRenderer, tmp_path: Path
) -> None:
    tamil = renderer.badge_view(badge("கார்த்திகேயன்", "சுப்பிரமணியன்", "ta"))
    assert tamil["given"].lines == ("கார்த்திகேயன்",) and tamil["family"].lines == ("சுப்பிரமணியன்",)
    read = lines_of(renderer.render_badge(badge("கார்த்திகேயன்", "சுப்பிரமணியன்", "ta")), tmp_path)
    assert letters("கார்த்திகேயன்") in [letters(line) for line in read]  # one line (poppler moves the vowel signs)
    long_family = "Leutheusser-Schnarrenberger-Hohenzollern-Sigmaringen"
    german = renderer.badge_view(badge("Sabine", long_family, "de"))["family"]
    assert len(german.lines) == 2 and "".join(german.lines) == long_family
    assert all(line.endswith("-") for line in german.lines[:-1])  # broken after a hyphen, nowhere else
    word = "Donaudampfschifffahrtsgesellschaftskapitänswitwe"
    fitted = renderer.badge_view(badge("Maria", word, "de"))["family"]
    assert fitted.lines == (word,) and fitted.size_pt < domain.FAMILY_BOX.min_size_pt  # shrunk, not split
    read = lines_of(renderer.render_badge(badge("Maria", word, "de")), tmp_path)
    assert word in read, read


def test_documents_print_any_script_in_the_same_chain_and_isolate_each_field(
    renderer: PdfRenderer, tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    invoice = InvoiceIssued(
        congress_id="icsei-2027",
        registration_id="r-1",
        delegate_id="d-1",
        invoice_number="ICSEI27-INV-0007",
        issued_at=now,
        due_at=now + timedelta(days=30),
        institution_name=f"សាកលវិទ្យាល័យ {TANGSA} 🏫",
        institution_address="ផ្លូវ 1\nPhnom Penh",
        vat_id="",
        purchase_order="\u202eRUE 0001",  # an override from before the text rule: it must not reorder the line
        lines=(InvoiceLine(description="Registration ශ්‍රියානි", amount=Money(amount_minor=42000, currency="EUR")),),
        total=Money(amount_minor=42000, currency="EUR"),
        email="x@example.org",
    )
    pdf = renderer.render_document("invoice", invoice_context(load_congress(), invoice))
    path = tmp_path / "invoice.pdf"
    path.write_bytes(pdf)
    text = pdf_text(path)
    fonts = pdf_fonts(path)
    assert {"Noto-Sans-Khmer", "Noto-Sans-Sinhala", "Noto-Color-Emoji"} <= {n.split("-Bold")[0] for n in fonts}
    assert "RUE 0001" in text and "\u202e" not in text and TANGSA not in text and misdrawn(pdf) == []
    row = SimpleNamespace(given_name="محمد", family_name="حسن", language="ar", affiliation="Universität Wien")
    certificate = renderer.render_document(
        "certificate", certificate_context(load_congress(), row, "C-1", now, now.date())
    )
    path.write_bytes(certificate)
    read = pdf_text(path)
    # the Arabic name and the Latin affiliation are separate runs: neither reorders the other
    assert squash("Universität Wien") in squash(read) and "محمد" in read.replace("\u202b", "").replace("\u202c", "")
