"""Issue 17: a badge and an invoice for every CLDR locale and every Unicode script an installed font has,
checked with poppler: fonts embedded, no glyph missing (.notdef), the text extracts, nothing overflows.

The names come from data (``world_names``: CLDR through Babel, Unicode's script property), so a
script added to the fonts is tested without anyone typing a name. Everything renders in one process
(badges in chunks of eight, as the service does); the PDFs are joined so poppler runs once per check.
"""

from __future__ import annotations

import re
import subprocess
import unicodedata
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from schemas.registration import InvoiceIssued, InvoiceLine
from schemas.values import Money
from services.badges.adapters.pdf import BadgeContent, CongressHeader, PdfRenderer
from services.badges.domain.documents import invoice_context
from services.common.congress import load_congress
from services.common.printable import font_index
from tests.integration.badges.test_badge_layers import misdrawn
from tests.integration.badges.world_names import Sample, cldr_samples, new_letters_only, paired, script_samples

HEADER = CongressHeader("ICSEI 2027", "Yokohama · 05 Jan – 08 Jan 2027")
MM = 72 / 25.4
TOLERANCE = 1.5
"""Points: poppler's word boxes come from font metrics, not ink."""


@pytest.fixture(scope="module")
def samples() -> list[Sample]:
    index = font_index()
    cldr, cldr_without_font = cldr_samples(index)
    scripts, _ = script_samples(index, {s.script for s in cldr})
    assert cldr_without_font == []  # every CLDR locale's words print in Debian's Noto fonts
    assert len({s.script for s in cldr + scripts}) > 100
    return new_letters_only(cldr) + paired(scripts)


@pytest.fixture(scope="module")
def renderer(tmp_path_factory: pytest.TempPathFactory) -> PdfRenderer:
    return PdfRenderer(HEADER, font_cache=tmp_path_factory.mktemp("fonts"), recut_interval=float("inf"))


def letters(text: str) -> Counter[str]:
    """Letters and digits, as a multiset: poppler reorders some Indic and Thai marks and splits ligatures."""
    normal = unicodedata.normalize("NFKC", text)
    return Counter(c for c in normal if unicodedata.category(c)[0] in "LN")


def _joined(paths: Sequence[Path], out: Path) -> Path:
    subprocess.run(["pdfunite", *map(str, paths), str(out)], check=True)
    return out


_PAGE = re.compile(r"<page [^>]*>(.*?)</page>", re.S)
_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')


def _pages(pdf: Path) -> Iterator[list[tuple[float, float, float, float, str]]]:
    """Each page's words with their boxes (``pdftotext -bbox``), top-left origin, in points."""
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    for page in _PAGE.findall(html):
        yield [(float(a), float(b), float(c), float(d), w) for a, b, c, d, w in _WORD.findall(page)]


def _unembedded(pdf: Path) -> list[str]:
    out = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    return [line for line in out.splitlines()[2:] if line.split()[-5] != "yes"]


def _content(sample: Sample, i: int) -> BadgeContent:
    roles = ("delegate", "presenter", "organiser")
    return BadgeContent(
        f"d-{i}", "icsei-2027", 1, sample.given, sample.family, "", sample.affiliation, "XX",
        sample.lang, (roles[i % 3],), (), f"token-{i}",
    )  # fmt: skip


@pytest.mark.timeout(900)  # ~35 s of CPU alone; a machine shared with other test runs may take a few times that
def test_a_badge_for_every_locale_and_script(samples: list[Sample], renderer: PdfRenderer, tmp_path: Path) -> None:
    contents = [_content(s, i) for i, s in enumerate(samples)]
    paths: list[Path] = []
    for start in range(0, len(contents), 8):
        for offset, pdf in enumerate(renderer.render_badges(contents[start : start + 8])):
            assert isinstance(pdf, bytes), (samples[start + offset].source, pdf)
            assert misdrawn(pdf) == [], samples[start + offset].source
            paths.append(tmp_path / f"badge-{start + offset}.pdf")
            paths[-1].write_bytes(pdf)
    joined = _joined(paths, tmp_path / "all.pdf")
    assert _unembedded(joined) == []
    # header, names, affiliation, country and roles, ribbon (badge.css)
    bands = ((0, 16 * MM), (20 * MM, 74 * MM), (74 * MM, 92 * MM), (92 * MM, 132 * MM), (132 * MM, 148 * MM))
    for sample, words in zip(samples, _pages(joined), strict=True):
        text = "".join(w[4] for w in words)
        assert not letters(sample.text) - letters(text), (sample.source, sample.text, text)
        for x_min, y_min, x_max, y_max, word in words:
            if all(unicodedata.category(c)[0] == "M" for c in word):
                continue  # a mark poppler splits off (Tibetan, Thaana) gets a box from its advance, not its place
            assert x_min >= 4.5 * MM - TOLERANCE and x_max <= 100.5 * MM + TOLERANCE, (sample.source, word, x_max)
            # poppler's word box spans the font's ascent and descent (tall for Arabic): its middle is the line's
            middle = (y_min + y_max) / 2
            assert any(top <= middle <= bottom for top, bottom in bands), (sample.source, word, middle)


def _invoice(group: Sequence[Sample], number: int) -> InvoiceIssued:
    now = datetime.now(UTC)
    first = group[0]
    return InvoiceIssued(
        congress_id="icsei-2027",
        registration_id=f"reg-{number}",
        delegate_id=f"d-{number}",
        invoice_number=f"ICSEI27-INV-{number:04d}",
        issued_at=now,
        due_at=now + timedelta(days=30),
        institution_name=f"{first.given} {first.family}",
        institution_address=f"{first.affiliation}\n{first.family} 12",
        vat_id="",
        purchase_order=first.given[:40],
        lines=tuple(
            InvoiceLine(description=f"{s.given} {s.family}", amount=Money(amount_minor=42000, currency="EUR"))
            for s in group
        ),
        total=Money(amount_minor=42000 * len(group), currency="EUR"),
        email="finance@example.org",
    )


def test_an_invoice_for_every_script(samples: list[Sample], renderer: PdfRenderer, tmp_path: Path) -> None:
    """Each invoice holds up to 20 locales of one script, or 8 badges' worth of Unicode's other scripts."""
    by_script: dict[str, list[Sample]] = {}
    for sample in samples:
        by_script.setdefault("unicode" if sample.source.startswith("unicode:") else sample.script, []).append(sample)
    size = {"unicode": 8}
    groups = [g[i : i + size.get(k, 20)] for k, g in by_script.items() for i in range(0, len(g), size.get(k, 20))]
    congress = load_congress()
    paths = []
    for number, group in enumerate(groups):
        pdf = renderer.render_document("invoice", invoice_context(congress, _invoice(group, number)))
        assert misdrawn(pdf) == [], group[0].source
        paths.append(tmp_path / f"invoice-{number}.pdf")
        paths[-1].write_bytes(pdf)
    for group, path in zip(groups, paths, strict=True):
        assert _unembedded(path) == [], group[0].source
        words = [w for page in _pages(path) for w in page]
        text = "".join(w[4] for w in words)
        expected = "".join(f"{s.given}{s.family}" for s in group) + group[0].affiliation
        assert not letters(expected) - letters(text), (group[0].source, expected, text)
        for x_min, _, x_max, _, word in words:
            assert x_min >= 18 * MM - TOLERANCE and x_max <= 192 * MM + TOLERANCE, (group[0].source, word)
