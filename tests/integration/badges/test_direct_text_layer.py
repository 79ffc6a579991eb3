"""The direct text layer (``adapters/textlayer.py``) prints what WeasyPrint's HTML layout printed, where it printed it.

Each badge is rendered twice in one process, with ``text_layer="direct"`` and with ``"weasyprint"`` (the
reference), and read back with poppler: the same text (every script: right-to-left, CJK, Indic shaping,
Thai), each line's box within a point of the reference's, every font embedded as a subset, the QR code
decodable from the printed page (``adapters/qrscan.py``). A badge the direct layer cannot draw the same
way (an emoji, drawn by WeasyPrint as an image) is laid out by WeasyPrint; a badge that fails gets its
exception in its place while the others render.
"""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path
from typing import Any

import pikepdf
import pytest

from services.badges.adapters import qrscan, textlayer
from services.badges.adapters.pdf import BadgeContent, CongressHeader, PdfRenderer
from services.common.printable import font_index
from tests.integration.badges.test_badge_layers import misdrawn
from tests.integration.badges.test_badges_pipeline import pdf_fonts, pdf_info, pdf_text, squash
from tests.integration.badges.test_every_script import _content as every_script_content
from tests.integration.badges.test_every_script import letters
from tests.integration.badges.world_names import cldr_samples, new_letters_only, paired, script_samples

HEADER = CongressHeader("ICSEI 2027", "Yokohama · 05 Jan – 08 Jan 2027")
TOLERANCE_PT = 1.0
DIRECT = "(congress direct text layer)"
"""In the Producer of a PDF whose texts the direct layer drew."""

SCRIPTS = [
    ("latin", "Jürgen Ørjan", "Łukasz Şahin-Dvořák", "de", "Université Côte d'Azur"),
    ("arabic", "محمد عبد الرحمن", "العلي", "ar", "جامعة القاهرة"),
    ("hebrew", "אברהם", "כהן", "he", "האוניברסיטה העברית בירושלים"),
    ("chinese", "伟", "王", "zh", "北京大学"),
    ("japanese", "さくら", "山田", "ja", "東京大学"),
    ("korean", "민준", "김", "ko", "서울대학교"),
    ("japanese-outside-the-cut", "龘", "山田", "ja", "東京大学"),  # 龘 is drawn from the whole 20 MB collection
    ("devanagari", "राहुल", "वर्मा", "hi", "भारतीय विज्ञान संस्थान"),
    ("thai", "สมชาย", "ใจดี", "th", "จุฬาลงกรณ์มหาวิทยาลัย"),
    ("greek", "Ελένη", "Γεωργίου", "el", "Πανεπιστήμιο Αθηνών"),
    ("cyrillic", "Наталья", "Смирнова", "ru", "Московский государственный университет"),
    ("bengali", "সৌরভ", "বসু", "bn", "University of Dhaka"),
    ("tamil", "முத்து", "ராமன்", "ta", "University of Madras"),
]


def content(given: str, family: str, lang: str, affiliation: str = "Universität Wien", **more: Any) -> BadgeContent:
    token = f"token-{given}-{family}".encode().hex()[:90]
    return BadgeContent(
        "d-1", "icsei-2027", 1, given, family, "", affiliation, more.get("country", "AT"), lang,
        ("presenter",), more.get("add_ons", (("Congress dinner", "social"),)), token,
    )  # fmt: skip


@pytest.fixture(scope="module")
def renderers(tmp_path_factory: pytest.TempPathFactory) -> dict[str, PdfRenderer]:
    fonts = tmp_path_factory.mktemp("fonts")
    known = "".join(given + family + aff for _, given, family, _, aff in SCRIPTS).replace("龘", "")
    return {
        layer: PdfRenderer(HEADER, extra_chars=known, font_cache=fonts, recut_interval=float("inf"), text_layer=layer)
        for layer in ("direct", "weasyprint")
    }


def lines(path: Path) -> list[tuple[str, float, float, float, float]]:
    """The page's text lines as poppler reads them: (text, xMin, yMin, xMax, yMax), in reading order."""
    html = subprocess.run(["pdftotext", "-bbox-layout", str(path), "-"], capture_output=True, text=True).stdout
    found = []
    for head, body in re.findall(r"<line (xMin=[^>]*)>(.*?)</line>", html, re.S):
        x_min, y_min, x_max, y_max = (float(v) for v in re.findall(r'"([\d.]+)"', head))
        found.append((" ".join(re.findall(r">([^<]+)</word>", body)), x_min, y_min, x_max, y_max))
    return found


def drawn_directly(pdf: bytes) -> bool:
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        return DIRECT in str(doc.docinfo.get("/Producer", ""))


def glyph_runs(pdf: bytes) -> list[tuple[Any, ...]]:
    """Every run of glyphs the page draws itself: where (text matrix, px), in which font and size, which glyph ids
    and adjustments; then each font's embedded file and ToUnicode map (subset tags left out)."""
    runs: list[tuple[Any, ...]] = []
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        page = doc.pages[0]
        fonts = page.obj.Resources.Font
        matrix: Any = None
        font: Any = None
        instructions: Any = pikepdf.parse_content_stream(page)
        for operands, operator in instructions:
            op = str(operator)
            if op == "Tm":
                matrix = tuple(round(float(v), 2) for v in operands)
            elif op == "Tf":
                font = (str(fonts[str(operands[0])].BaseFont).split("+")[1], round(float(operands[1]), 3))
            elif op == "TJ":
                glyphs = tuple(
                    bytes(o).hex() if isinstance(o, pikepdf.String) else round(float(o), 1) for o in operands[0]
                )
                runs.append((matrix, font, glyphs))
        for name in sorted(fonts.keys()):
            embedded: Any = fonts[name]
            descriptor = embedded.DescendantFonts[0].FontDescriptor
            file = descriptor.get("/FontFile2") or descriptor.get("/FontFile3")
            runs.append((str(embedded.BaseFont).split("+")[1], file.read_bytes(), embedded.ToUnicode.read_bytes()))
    return sorted(runs, key=repr)


def unembedded_or_whole(path: Path) -> list[str]:
    """pdffonts rows of a font not embedded, or embedded whole (not a subset)."""
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = out.splitlines()[2:]
    assert rows, "no fonts"
    return [row for row in rows if row.split()[-5:-3] != ["yes", "yes"]]


def printed_qr(path: Path, tmp_path: Path) -> str | None:
    """The QR code read from the page as printed (rasterised at 150 dpi), as the station reads a camera frame."""
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-singlefile", str(path), str(tmp_path / "page")], check=True)
    return qrscan.decode_frame((tmp_path / "page.png").read_bytes())


def both(renderers: dict[str, PdfRenderer], badge: BadgeContent, tmp_path: Path) -> dict[str, Path]:
    paths = {}
    for layer, renderer in renderers.items():
        paths[layer] = tmp_path / f"{layer}.pdf"
        paths[layer].write_bytes(renderer.render_badge(badge))
    return paths


def assert_same_lines(direct: Path, reference: Path) -> None:
    mine, theirs = sorted(lines(direct)), sorted(lines(reference))
    assert [line[0] for line in mine] == [line[0] for line in theirs]
    for a, b in zip(mine, theirs, strict=True):
        assert all(abs(x - y) <= TOLERANCE_PT for x, y in zip(a[1:], b[1:], strict=True)), (a, b)


@pytest.mark.parametrize(("script", "given", "family", "lang", "affiliation"), SCRIPTS, ids=[s[0] for s in SCRIPTS])
def test_the_direct_layer_prints_the_same_text_in_the_same_places(
    script: str, given: str, family: str, lang: str, affiliation: str, renderers: dict[str, PdfRenderer], tmp_path: Path
) -> None:
    badge = content(given, family, lang, affiliation)
    paths = both(renderers, badge, tmp_path)
    direct, reference = paths["direct"], paths["weasyprint"]
    assert DIRECT in pdf_info(direct) and DIRECT not in pdf_info(reference)
    text = pdf_text(direct)
    assert text == pdf_text(reference)
    assert not letters(given + family + affiliation) - letters(text)  # poppler drops some Indic vowel signs
    assert_same_lines(direct, reference)
    assert glyph_runs(direct.read_bytes()) == glyph_runs(reference.read_bytes())
    assert unembedded_or_whole(direct) == []
    if script == "japanese-outside-the-cut":
        assert any(f.startswith("Noto-Sans-CJK-JP") and "Names" not in f for f in pdf_fonts(direct)), pdf_fonts(direct)
    assert misdrawn(direct.read_bytes()) == []
    assert printed_qr(direct, tmp_path) == badge.qr_token
    assert "Pages:           1" in pdf_info(direct) and "297.638 x 419.528 pts" in pdf_info(direct)


def test_a_long_affiliation_keeps_its_fitted_lines(renderers: dict[str, PdfRenderer], tmp_path: Path) -> None:
    affiliation = "Institute for Advanced Studies in Educational Effectiveness and School Improvement, Vienna"
    badge = content("Anna-Sofía", "García Márquez Van der Berg", "es", affiliation)
    fitted = renderers["direct"].badge_view(badge, qr=False)["affiliation"].lines
    assert len(fitted) >= 2
    paths = both(renderers, badge, tmp_path)
    printed = [line[0] for line in lines(paths["direct"])]
    assert all(line in printed for line in fitted), (fitted, printed)
    assert_same_lines(paths["direct"], paths["weasyprint"])


@pytest.mark.parametrize(
    ("badge", "why"),
    [
        (content("Anna 🏫", "Müller", "en"), "a colour glyph is drawn as an image"),
        (content("Anna", "Müller", "en", country=""), "an empty first meta line"),
        (content("Anna", "Müller", "en", add_ons=(("MMMM MMMM MMMM MMMM MMMM MMMM MMMM MMMM", "x"),)), "it wraps"),
    ],
)
def test_a_badge_the_direct_layer_cannot_draw_alike_is_laid_out_by_weasyprint(
    badge: BadgeContent, why: str, renderers: dict[str, PdfRenderer], tmp_path: Path
) -> None:
    paths = both(renderers, badge, tmp_path)
    assert DIRECT not in pdf_info(paths["direct"]), why
    # not byte for byte: WeasyPrint rewrites an emoji font with fontTools, which stamps the time into it
    assert pdf_text(paths["direct"]) == pdf_text(paths["weasyprint"]) and "Müller" in pdf_text(paths["direct"])
    assert_same_lines(paths["direct"], paths["weasyprint"])
    assert pdf_fonts(paths["direct"]) == pdf_fonts(paths["weasyprint"])
    if why == "it wraps":  # beside the QR code, the meta box's lines wrap
        assert "MMMM MMMM MMMM" in [line[0] for line in lines(paths["direct"])]


def test_a_badge_that_fails_gets_its_exception_in_its_place(
    renderers: dict[str, PdfRenderer], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn = textlayer.draw_first_line  # type: ignore[attr-defined]  # WeasyPrint's, imported there

    def draw(stream: Any, box: Any, *args: Any) -> Any:
        if box.text == "Broken":
            raise RuntimeError("no glyphs for you")
        return drawn(stream, box, *args)

    monkeypatch.setattr(textlayer, "draw_first_line", draw)
    people = [content("Ελένη", "Γεωργίου", "el"), content("Broken", "Name", "en"), content("محمد", "حسن", "ar")]
    results = renderers["direct"].render_badges(people)
    assert len(results) == 3
    assert isinstance(results[1], RuntimeError)
    for i in (0, 2):
        pdf = results[i]
        assert isinstance(pdf, bytes)
        path = tmp_path / f"b{i}.pdf"
        path.write_bytes(pdf)
        assert squash(people[i].given_name) in squash(pdf_text(path)) and DIRECT in pdf_info(path)


def test_a_text_layer_that_does_not_exist_is_refused() -> None:
    with pytest.raises(ValueError, match="text_layer"):
        PdfRenderer(HEADER, text_layer="html")


def test_every_locale_and_script_draws_the_same_glyphs_in_the_same_places_as_weasyprint(
    renderers: dict[str, PdfRenderer],
) -> None:
    """``test_every_script.py``'s 300-odd names from data (each CLDR locale's words, every script a font has), in
    chunks of eight as the service renders them: the same glyph runs where WeasyPrint put them, the same fonts."""
    index = font_index()
    cldr, _ = cldr_samples(index)
    scripts, _ = script_samples(index, {s.script for s in cldr})
    samples = new_letters_only(cldr) + paired(scripts)
    contents = [every_script_content(sample, i) for i, sample in enumerate(samples)]
    for start in range(0, len(contents), 8):
        chunk = contents[start : start + 8]
        mine, theirs = renderers["direct"].render_badges(chunk), renderers["weasyprint"].render_badges(chunk)
        for sample, a, b in zip(samples[start : start + 8], mine, theirs, strict=True):
            assert isinstance(a, bytes) and isinstance(b, bytes), sample.source
            assert drawn_directly(a), sample.source
            assert glyph_runs(a) == glyph_runs(b), (sample.source, sample.text)
