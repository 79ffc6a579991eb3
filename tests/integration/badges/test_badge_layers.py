"""The fast badge (role frame stamped under the texts, QR image added, CJK fonts cut to known names) is a
correct badge: every script's name comes back out of the PDF, with its font embedded; the QR code decodes
to the token; a CJK character outside the cut still prints, from the full collection; the frame's font
subsets do not share a name with the texts'; one A6 page."""

from __future__ import annotations

import io
import re
import subprocess
import unicodedata
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from fontTools.pens.boundsPen import BoundsPen
from fontTools.ttLib import TTFont

from services.badges.adapters.pdf import BadgeContent, CongressHeader, PdfRenderer
from services.demo.station import decode_qr
from tests.integration.badges import factories as f
from tests.integration.badges.test_badges_pipeline import pdf_fonts, pdf_info, pdf_text, squash

HEADER = CongressHeader("ICSEI 2027", "Yokohama · 05 Jan – 08 Jan 2027")


def content(given: str, family: str, lang: str, role: str = "presenter") -> BadgeContent:
    token = f"token-{given}-{family}".encode().hex()[:90]
    return BadgeContent("d-1", "icsei-2027", 1, given, family, "", "Universität Wien", "AT", lang, (role,), (), token)


def misdrawn(pdf: bytes) -> list[tuple[str, str, int]]:
    """Glyphs a PDF draws wrong: (font, character, glyph id).

    WeasyPrint writes every font as Type0/Identity-H (two-byte codes are glyph ids) with a ToUnicode map
    and the subset font file. Wrong is glyph 0 (.notdef, the "tofu" box), or a space that leaves ink: a
    font without U+0020 had HarfBuzz draw a stand-in (U+303F's box) for the space in "伟 Anna", whose text
    still extracts fine.
    """
    found: list[tuple[str, str, int]] = []
    fonts_seen: dict[tuple[int, int], tuple[dict[int, str], Any, list[str]]] = {}

    def font_data(font: Any) -> tuple[dict[int, str], Any, list[str]]:
        key = font.objgen
        if key not in fonts_seen:
            to_unicode: dict[int, str] = {}
            for gid, hexchars in re.findall(rb"<([0-9a-fA-F]{4})>\s*<([0-9a-fA-F]+)>", font.ToUnicode.read_bytes()):
                to_unicode[int(gid, 16)] = bytes.fromhex(hexchars.decode()).decode("utf-16-be")
            descriptor = font.DescendantFonts[0].FontDescriptor
            file = descriptor.get("/FontFile3") or descriptor.get("/FontFile2")
            ttfont = TTFont(io.BytesIO(file.read_bytes()))
            fonts_seen[key] = to_unicode, ttfont.getGlyphSet(), ttfont.getGlyphOrder()
        return fonts_seen[key]

    def inked(glyphs: Any, name: str) -> bool:
        pen = BoundsPen(glyphs)
        glyphs[name].draw(pen)
        return pen.bounds is not None

    def scan(stream: Any, resources: Any) -> None:
        fonts = resources.get("/Font", {}) if resources is not None else {}
        current = None
        for operands, operator in pikepdf.parse_content_stream(stream):
            op = str(operator)
            if op == "Tf":
                current = fonts.get(str(operands[0]))
            elif op in ("Tj", "TJ") and current is not None and current.get("/Subtype") == "/Type0":
                to_unicode, glyphs, order = font_data(current)
                strings = [o for o in (operands[0] if op == "TJ" else operands) if isinstance(o, pikepdf.String)]
                for text in strings:
                    data = bytes(text)
                    for i in range(0, len(data) - 1, 2):
                        gid = int.from_bytes(data[i : i + 2], "big")
                        chars = to_unicode.get(gid, "")
                        space = chars != "" and all(unicodedata.category(c) == "Zs" for c in chars)
                        if gid == 0 or (space and inked(glyphs, order[gid])):
                            found.append((str(current.BaseFont), chars, gid))
        for xobject in (resources.get("/XObject", {}) if resources is not None else {}).values():
            if xobject.get("/Subtype") == "/Form":
                scan(xobject, xobject.get("/Resources"))

    with pikepdf.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            scan(page, page.obj.get("/Resources"))
    return found


def test_every_script_in_two_layers_with_cut_cjk_fonts(tmp_path: Path) -> None:
    known = "".join(g + fam for g, fam, _, _ in f.SCRIPT_NAMES)
    renderer = PdfRenderer(HEADER, extra_chars=known, font_cache=tmp_path / "fonts")
    renderer.warm()
    roles = ("delegate", "presenter", "organiser", "staff", "press", "reviewer", "network_convener")
    for i, (given, family, lang, font) in enumerate(f.SCRIPT_NAMES):
        badge = content(given, family, lang, roles[i % len(roles)])
        path = tmp_path / f"badge-{i}.pdf"
        path.write_bytes(renderer.render_badge(badge))
        text = squash(pdf_text(path))
        assert squash(given) in text, (given, text[:200])
        assert squash(family) in text or lang == "hi"  # poppler splits Indic clusters
        assert "ICSEI2027" in text and "UniversitätWien" in text
        fonts = pdf_fonts(path)
        assert any(name.startswith(font) for name in fonts), (font, fonts)
        if font.startswith("Noto-Sans-CJK"):
            assert any(name.endswith(("-Names", "-Names-Bold")) for name in fonts), fonts
        assert decode_qr(path.read_bytes()) == badge.qr_token
        assert misdrawn(path.read_bytes()) == [], (given, family)
        assert "Pages:           1" in pdf_info(path) and "297.638 x 419.528 pts" in pdf_info(path)
        tags = [
            line.split()[0]
            for line in subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout.splitlines()[2:]
        ]
        assert len(tags) == len(set(tags)), tags  # the frame's subsets are renamed

    rare = tmp_path / "rare.pdf"  # 龘 is in no name the renderer was told about: the full collection draws it
    rare.write_bytes(renderer.render_badge(content("龘", "山田", "ja")))
    assert "龘山田" in squash(pdf_text(rare))
    assert any(name.startswith("Noto-Sans-CJK-JP") and "Names" not in name for name in pdf_fonts(rare))


@pytest.mark.parametrize(
    ("given", "family", "lang"),
    [("伟 Anna-Sofía", "李-Müller 李", "zh"), ("さくら Marie", "山田 (Smith)", "ja"), ("민준 John", "김, Kim", "ko")],
)
def test_spaces_and_punctuation_beside_cjk_are_drawn_never_boxes(
    given: str, family: str, lang: str, tmp_path: Path
) -> None:
    """A space or ASCII punctuation after an ideograph is shaped with the (cut) CJK font: it must have them."""
    renderer = PdfRenderer(HEADER, extra_chars=given + family, font_cache=tmp_path / "fonts")
    pdf = renderer.render_badge(content(given, family, lang))
    assert misdrawn(pdf) == []


def test_a_batch_renders_each_delegate_alone_even_one_with_a_character_no_font_has(tmp_path: Path) -> None:
    """``render_badges`` lays several delegates out as one document but writes one PDF each, in order:
    each holds only its own names; a name with a character no font has prints without it (issue 17:
    it was an error in that delegate's place, and no badge)."""
    renderer = PdfRenderer(HEADER, font_cache=tmp_path / "fonts")
    people = [
        ("Jürgen", "Müller", "de"),
        ("Ελένη", "Παπαδοπούλου", "el"),
        ("Bad\ue000", "Name", "en"),
        ("محمد", "حسن", "ar"),
    ]
    results = renderer.render_badges([content(g, fam, lang) for g, fam, lang in people])
    assert len(results) == 4
    for i, (given, family, _) in enumerate(people):
        pdf = results[i]
        token = content(given, family, "x").qr_token
        given = given.replace("\ue000", "")
        assert isinstance(pdf, bytes)
        path = tmp_path / f"b{i}.pdf"
        path.write_bytes(pdf)
        text = squash(pdf_text(path))
        assert squash(given) in text and squash(family) in text
        others = [squash(g) for j, (g, _, _) in enumerate(people) if j != i]
        assert not any(other in text for other in others), text
        assert "Pages:           1" in pdf_info(path)
        assert decode_qr(pdf) == token
    single = renderer.render_badge(content(*people[1]))
    assert single == results[1]  # same bytes whether rendered alone or in a batch


def test_names_registered_after_start_get_their_own_cut_in_the_background(tmp_path: Path) -> None:
    """A CJK name unknown when the fonts were cut prints from the full collection at once; a background cut
    then adds its characters, and the next render uses the small cut (``cjk.LateNames``)."""
    renderer = PdfRenderer(HEADER, extra_chars="山田", font_cache=tmp_path / "fonts", recut_interval=0.0)
    renderer.warm()  # its sample names (伟, 王, 偉, 陳 …) are no delegate's: they start no cut
    assert renderer.late.missing == set() and renderer.late._thread is None
    late = content("龘", "鬱", "ja")
    first = tmp_path / "first.pdf"
    first.write_bytes(renderer.render_badge(late))
    assert any(n.startswith("Noto-Sans-CJK-JP") and "Names" not in n for n in pdf_fonts(first))
    renderer.late.wait()
    again = tmp_path / "again.pdf"
    again.write_bytes(renderer.render_badge(late))
    fonts = pdf_fonts(again)
    assert any(n.startswith("Noto-Sans-CJK-JP-Names") for n in fonts), fonts
    assert not any(n.startswith("Noto-Sans-CJK-JP") and "Names" not in n for n in fonts), fonts
    assert "龘鬱" in squash(pdf_text(again)) and misdrawn(again.read_bytes()) == []
    assert renderer.late.missing == set()
