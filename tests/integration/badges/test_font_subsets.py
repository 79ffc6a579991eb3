"""Fonts subset from faces HarfBuzz prepared once (``adapters/subset.py``) are the fonts WeasyPrint's own
subsetting embeds: same glyph ids, same outlines, same widths and ToUnicode maps, for TrueType faces
(Latin, Arabic, Devanagari, Thai) and the CFF cut CJK fonts alike; and a face is prepared once per process."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from fontTools.pens.recordingPen import RecordingPen
from fontTools.ttLib import TTFont

from services.badges.adapters import subset
from services.badges.adapters.pdf import BadgeContent, CongressHeader, PdfRenderer

HEADER = CongressHeader("ICSEI 2027", "Yokohama · 05 Jan – 08 Jan 2027")
NAMES = [
    ("Anna-Sofía", "Dvořák Müller", "de"),
    ("محمد", "العلي", "ar"),
    ("राहुल", "वर्मा", "hi"),
    ("สมชาย", "ใจดี", "th"),
    ("さくら", "山田", "ja"),
    ("민준", "김", "ko"),
]


def badge(given: str, family: str, lang: str) -> BadgeContent:
    return BadgeContent(
        "d-1", "icsei-2027", 1, given, family, "", "Universität Wien", "AT", lang, ("delegate",), (), "tok-" + lang
    )


def embedded_fonts(pdf: bytes) -> dict[str, dict[str, Any]]:
    """Every Type0 font of the page and its frame: glyph count, inked outlines, widths, ToUnicode."""
    out: dict[str, dict[str, Any]] = {}

    def visit(resources: Any) -> None:
        for font in (resources.get("/Font") or {}).values():
            descendant = font.DescendantFonts[0]
            descriptor = descendant.FontDescriptor
            file = descriptor.get("/FontFile3") or descriptor.get("/FontFile2")
            ttfont = TTFont(io.BytesIO(file.read_bytes()))
            glyphs = ttfont.getGlyphSet()
            outlines = {}
            for gid, name in enumerate(ttfont.getGlyphOrder()):
                pen = RecordingPen()
                glyphs[name].draw(pen)
                if pen.value:
                    outlines[gid] = pen.value
            out[str(font.BaseFont)] = {
                "glyphs": len(ttfont.getGlyphOrder()),
                "outlines": outlines,
                "widths": repr(descendant.get("/W")),
                "to_unicode": font.ToUnicode.read_bytes(),
            }
        for xobject in (resources.get("/XObject") or {}).values():
            if xobject.get("/Subtype") == "/Form" and xobject.get("/Resources") is not None:
                visit(xobject.Resources)

    with pikepdf.open(io.BytesIO(pdf)) as doc:
        visit(doc.pages[0].obj.Resources)
    return out


@pytest.fixture
def weasyprints_own_then_back() -> Iterator[None]:
    subset.install(False)
    try:
        yield
    finally:
        subset.install(True)


def render_all(tmp_path: Path) -> list[bytes]:
    known = "".join(g + f for g, f, _ in NAMES)
    renderer = PdfRenderer(HEADER, extra_chars=known, font_cache=tmp_path / "fonts")
    subset.install(subset.installed())  # the renderer installs the prepared subsetting; keep the mode under test
    return [renderer.render_badge(badge(*name)) for name in NAMES]


def test_prepared_faces_embed_the_fonts_weasyprint_embeds(tmp_path: Path, weasyprints_own_then_back: None) -> None:
    own = [embedded_fonts(pdf) for pdf in render_all(tmp_path)]  # WeasyPrint's two passes on the raw face
    subset.install(True)
    prepared = [embedded_fonts(pdf) for pdf in render_all(tmp_path)]
    assert subset.installed()
    kinds = set()
    for name, theirs, ours in zip(NAMES, own, prepared, strict=True):
        assert ours.keys() == theirs.keys(), name
        for font, want in theirs.items():
            got = ours[font]
            assert got["outlines"] == want["outlines"], (name, font)  # same ids, same drawings
            assert got["glyphs"] <= want["glyphs"], (name, font)
            assert got["widths"] == want["widths"] and got["to_unicode"] == want["to_unicode"], (name, font)
            kinds.add("CJK" if "CJK" in font else "other")
    assert kinds == {"CJK", "other"}


def test_each_face_is_prepared_once_and_reused(tmp_path: Path) -> None:
    faces, subset.FACES = subset.FACES, subset.PreparedFaces()
    try:
        renderer = PdfRenderer(HEADER, extra_chars="山田", font_cache=tmp_path / "fonts")
        assert subset.installed()
        renderer.render_badge(badge("さくら", "山田", "ja"))
        prepared = len(subset.FACES)
        assert prepared >= 2  # Noto Sans and the cut Japanese face at least
        for _ in range(3):
            renderer.render_badge(badge("さくら", "山田", "ja"))
        assert len(subset.FACES) == prepared
    finally:
        subset.FACES = faces


def test_prepared_faces_are_bounded_least_recently_used_first(tmp_path: Path) -> None:
    """A new CJK cut brings new faces; the cache keeps only the last ``size`` used (no growth over a long run)."""
    faces, subset.FACES = subset.FACES, subset.PreparedFaces(size=2)
    try:
        renderer = PdfRenderer(HEADER, extra_chars="山田", font_cache=tmp_path / "fonts")
        pdf = renderer.render_badge(badge("さくら", "山田", "ja"))  # three faces or more: Noto Sans ×2, the cut
        assert len(subset.FACES) == 2
        assert embedded_fonts(pdf)  # an evicted face is prepared again when next needed
        assert len(renderer.render_badge(badge("さくら", "山田", "ja"))) > 0
    finally:
        subset.FACES = faces


def font_files(pdf: bytes) -> dict[str, bytes]:
    """Each embedded font's file, by its name without the subset tag."""
    files: dict[str, bytes] = {}
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        for font in doc.pages[0].obj.Resources.Font.values():
            descriptor = font.DescendantFonts[0].FontDescriptor
            file = descriptor.get("/FontFile3") or descriptor.get("/FontFile2")
            files[str(font.BaseFont).split("+", 1)[1]] = file.read_bytes()
    return files


def test_a_document_with_whole_faces_embeds_the_very_bytes_weasyprint_embeds() -> None:
    """Any WeasyPrint document in a process that installed it (a certificate, a test's own PDF), with the
    installed fonts whole — a CID-keyed CFF CJK collection among them: the same font files, byte for byte.
    A single pass with both passes' flags wrote 112 KB of Noto Sans CJK where WeasyPrint wrote 51 KB."""
    import weasyprint

    html = "<h1>Badge Анна 王 محمد</h1><p>Ελένη राहुल สมชาย</p>"
    subset.install(False)
    try:
        own = weasyprint.HTML(string=html).write_pdf()
    finally:
        subset.install(True)
    assert subset.installed()
    prepared = weasyprint.HTML(string=html).write_pdf()
    own_files, prepared_files = font_files(own), font_files(prepared)
    assert any("CJK" in name for name in own_files)
    assert own_files == prepared_files
