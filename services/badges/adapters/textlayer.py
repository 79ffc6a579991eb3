"""A badge's text layer drawn straight into a PDF page, without WeasyPrint's HTML and CSS layout.

The texts of a badge are fitted already (``adapters/fit.py``: lines and a size per text), so laying
them out as an HTML document only placed known lines in known boxes, at ~4–5 ms a badge for the
cascade and the box tree, and ~2 ms more to walk those boxes while drawing. Here each line is
shaped with Pango exactly as WeasyPrint shapes it (the same font map, family list, size in CSS px,
weight, language and base direction; ``adapters/textshape.py``), placed where ``badge.css`` puts
it (``TextLayerGeometry``), and written with WeasyPrint's own PDF text machinery:
``draw_first_line`` writes the glyphs and records each glyph's text for the ToUnicode map, its
``Stream`` collects the fonts, and ``build_fonts_dictionary`` embeds them as subsets
(``adapters/subset.py`` applies as before). The role's frame and the QR code are added by the same
finisher as the WeasyPrint layer's (``stamp.py``).

A badge this module cannot draw the same way — a colour or bitmap glyph (emoji), which WeasyPrint
draws as an image beside the text; an empty given name or meta line, whose margins and struts this
module does not model; a meta line too long for its box, which WeasyPrint wraps — raises
``NotDirect``; the renderer lays that badge out with WeasyPrint instead (``PdfRenderer.text_layer``).
"""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pydyf
from weasyprint import VERSION
from weasyprint.draw.text import draw_first_line
from weasyprint.matrix import Matrix
from weasyprint.pdf.fonts import build_fonts_dictionary
from weasyprint.pdf.stream import Stream
from weasyprint.text.ffi import pango

from services.badges.adapters.textshape import FontTemplates, LineStyle, ShapedLine, Shaper, TemplateStream

PX_PER_MM = 96 / 25.4
PX_PER_PT = 96 / 72
PT_PER_PX = 72 / 96


class NotDirect(Exception):
    """This badge needs WeasyPrint's layout: a glyph drawn as an image (an emoji), an empty name or meta line, or a
    meta line that wraps."""


@dataclass(frozen=True)
class Block:
    """A text box of ``badge.css`` (``.text`` layer), in mm from the page's top-left corner."""

    left_mm: float
    right_mm: float
    top_mm: float
    """Top of the content box (after padding)."""
    height_mm: float | None
    """Height of the box that clips it (``overflow: hidden``); None: clipped by the page only."""
    line_height: float
    wraps: bool = False
    """``white-space: pre-line``: a line wider than the box would wrap (the direct layer leaves that to WeasyPrint)."""


WRAP_MARGIN_PX = 0.5
"""A line within this of its box's width goes to WeasyPrint too: whether it wraps is WeasyPrint's to say."""


@dataclass(frozen=True)
class TextLayerGeometry:
    """Where ``badge.css`` puts the texts of the ``.text`` layer; the one place the direct layer reads it.

    ``.text { padding-top: 20mm }``; ``.names { height: 54mm; margin: 0 4.5mm; overflow: hidden }`` holds
    ``.given`` (bold) and ``.family`` (``margin-top: 1mm``); ``.aff { height: 18mm; margin: 0 4.5mm;
    overflow: hidden }``; ``.meta { margin: 0 34mm 0 4.5mm; padding-top: 2mm; font-size: 8pt;
    line-height: 1.45 }`` whose first line is 11pt bold with ``letter-spacing: 0.1em``. Names and
    affiliation have ``line-height: 1.15`` (the domain's ``Box.line_height``) and ``white-space: pre``.
    """

    page_mm: tuple[float, float] = (105.0, 148.0)
    names: Block = Block(4.5, 100.5, 20.0, 54.0, 1.15)
    family_gap_mm: float = 1.0
    affiliation: Block = Block(4.5, 100.5, 20.0 + 54.0, 18.0, 1.15)
    meta: Block = Block(4.5, 105.0 - 34.0, 20.0 + 54.0 + 18.0 + 2.0, None, 1.45, wraps=True)
    meta_size_pt: float = 8.0
    meta_first_size_pt: float = 11.0
    meta_first_letter_spacing_em: float = 0.1


GEOMETRY = TextLayerGeometry()


class _TextBox:
    """What ``draw_first_line`` reads of a WeasyPrint text box (and of its Pango layout)."""

    def __init__(self, line: ShapedLine, size_px: float) -> None:
        self.text = line.text
        self.style = {"font_size": size_px}
        self.pango_layout = self
        self.layout = line.layout

    def get_first_line(self) -> tuple[Any, None]:
        return pango.pango_layout_get_line_readonly(self.layout, 0), None


class DirectTextLayer:
    """Writes a badge's text layer as a one-page PDF, then lets ``finisher`` add the frame and the QR code."""

    def __init__(self, font_map: Any, geometry: TextLayerGeometry = GEOMETRY) -> None:
        self.font_map = font_map
        self.geometry = geometry
        self._shaper = Shaper(font_map)
        self._templates = FontTemplates()

    def render(self, view: dict[str, Any], finisher: Callable[[Any, pydyf.PDF], None]) -> bytes:
        """The PDF of ``view`` (``PdfRenderer.badge_view``); raises ``NotDirect`` for WeasyPrint's path."""
        g = self.geometry
        meta = [_pre_line(line) for line in view["meta_lines"]]
        if not view["given"].lines[0] or not all(meta):
            # an empty block collapses margins through itself (CSS 2, 8.3.1), an empty pre-line line keeps
            # a strut: geometry this layer does not model, and no registration has it
            raise NotDirect("an empty name or meta line")
        width_pt, height_pt = (side * 72 / 25.4 for side in g.page_mm)
        pdf = pydyf.PDF()
        resources = pydyf.Dictionary(
            {"ExtGState": pydyf.Dictionary(), "XObject": pydyf.Dictionary(), "Pattern": pydyf.Dictionary()}
        )
        pdf.add_object(resources)
        fonts: dict[Any, Any] = {}
        page_px = (0, 0, g.page_mm[0] * PX_PER_MM, g.page_mm[1] * PX_PER_MM)
        stream = TemplateStream(self._templates, fonts, page_px, resources, {}, None, {}, None, compress=False)
        emojis = self._draw_texts(stream, view, meta, height_pt)
        if emojis or any(f.bitmap or f.png or f.svg or f.colr for f in fonts.values()):
            raise NotDirect("a glyph drawn as an image")
        pdf.add_object(stream)
        box = pydyf.Array([0, 0, width_pt, height_pt])
        page = pydyf.Dictionary(
            {
                "Type": "/Page",
                "Parent": pdf.pages.reference,
                "MediaBox": box,
                "TrimBox": box,
                "BleedBox": box,
                "Contents": stream.reference,
                "Resources": resources.reference,
            }
        )
        pdf.add_page(page)
        pdf.info["Producer"] = pydyf.String(f"WeasyPrint {VERSION} (congress direct text layer)")
        pdf.catalog["Lang"] = pydyf.String(view["lang"])
        pdf_fonts = build_fonts_dictionary(pdf, fonts, False, True, {"hinting": False, "pdf_version": None})
        pdf.add_object(pdf_fonts)
        resources["Font"] = pdf_fonts.reference
        finisher(None, pdf)
        output = io.BytesIO()
        pdf.write(output, None, None, False)
        return output.getvalue()

    def _draw_texts(self, stream: Stream, view: dict[str, Any], meta: Sequence[str], height_pt: float) -> list[Any]:
        """Draw the names, affiliation and meta lines in CSS px (as WeasyPrint does); returns any emojis."""
        g = self.geometry
        families, lang = view["font_families"], view["lang"]
        emojis: list[Any] = []

        def style(size_pt: float, bold: bool, direction: str = "ltr", spacing_em: float = 0.0) -> LineStyle:
            size = size_pt * PX_PER_PT
            return LineStyle(families, size, bold, lang, direction == "rtl", spacing_em * size)

        stream.transform(d=-1, f=height_pt)
        stream.push_state()
        stream.transform(a=PT_PER_PX, d=PT_PER_PX)
        stream.rectangle(0, 0, g.page_mm[0] * PX_PER_MM, g.page_mm[1] * PX_PER_MM)
        stream.clip()
        stream.end()
        stream.set_color_rgb(0, 0, 0)
        # WeasyPrint's order (the blocks that clip are painted after the others): the same ToUnicode maps
        first = style(g.meta_first_size_pt, True, spacing_em=g.meta_first_letter_spacing_em)
        rest = style(g.meta_size_pt, False)
        rows = [(line, first if i == 0 else rest) for i, line in enumerate(meta)]
        self._block(stream, emojis, g.meta, g.meta.top_mm * PX_PER_MM, rows, rest, first)
        with self._clipped(stream, g.names):
            given, family = view["given"], view["family"]
            given_style = style(given.size_pt, True, view["given_dir"])
            rows = [(line, given_style) for line in given.lines]
            bottom = self._block(stream, emojis, g.names, g.names.top_mm * PX_PER_MM, rows, given_style)
            if family.lines[0]:
                family_style = style(family.size_pt, False, view["family_dir"])
                rows = [(line, family_style) for line in family.lines]
                top = bottom + g.family_gap_mm * PX_PER_MM
                self._block(stream, emojis, g.names, top, rows, family_style)
        affiliation = view["affiliation"]
        if affiliation.lines[0]:
            with self._clipped(stream, g.affiliation):
                aff_style = style(affiliation.size_pt, False, view["affiliation_dir"])
                rows = [(line, aff_style) for line in affiliation.lines]
                self._block(stream, emojis, g.affiliation, g.affiliation.top_mm * PX_PER_MM, rows, aff_style)
        stream.pop_state()
        return emojis

    @contextlib.contextmanager
    def _clipped(self, stream: Stream, block: Block) -> Iterator[None]:
        """``overflow: hidden``: the block's padding box clips what it draws."""
        if block.height_mm is None:
            yield
            return
        stream.push_state()
        width = (block.right_mm - block.left_mm) * PX_PER_MM
        stream.rectangle(block.left_mm * PX_PER_MM, block.top_mm * PX_PER_MM, width, block.height_mm * PX_PER_MM)
        stream.clip()
        stream.end()
        try:
            yield
        finally:
            stream.pop_state()

    def _block(
        self,
        stream: Stream,
        emojis: list[Any],
        block: Block,
        top: float,
        rows: Sequence[tuple[str, LineStyle]],
        strut: LineStyle,
        first_line: LineStyle | None = None,
    ) -> float:
        """Lines stacked from ``top`` (px), each line box as CSS 2 10.8 sizes it; returns the bottom (px).

        A line box holds the block's strut, the ``::first-line`` box's strut on the first line, and the
        text; each is ``line-height`` tall (half the leading above, half below its font's ascent and
        descent) and all sit on one baseline.
        """
        y = top
        stream.begin_text()
        for k, (text, style) in enumerate(rows):
            struts = [strut, first_line] if k == 0 and first_line is not None else [strut]
            extents = [self._extent(s, block.line_height, *self._shaper.strut(s)) for s in struts]
            line = self._shaper.line(text, style)  # after the struts: they share its layout
            if block.wraps and line.width > (block.right_mm - block.left_mm) * PX_PER_MM - WRAP_MARGIN_PX:
                raise NotDirect("a line that wraps")
            extents.append(self._extent(style, block.line_height, line.height, line.baseline))
            above = max(a for a, _ in extents)
            below = max(b for _, b in extents)
            x = block.right_mm * PX_PER_MM - line.width if style.rtl else block.left_mm * PX_PER_MM
            if text.strip():
                box = _TextBox(line, style.size_px)
                emojis += draw_first_line(stream, box, "clip", "none", Matrix(d=-1, e=x, f=y + above))
            y += above + below
        stream.end_text()
        return y

    @staticmethod
    def _extent(style: LineStyle, line_height: float, height: float, baseline: float) -> tuple[float, float]:
        """Above and below the baseline of a box ``line_height`` × its size tall around a font's ``height``."""
        total = line_height * style.size_px
        above = baseline + (total - height) / 2
        return above, total - above


def _pre_line(text: str) -> str:
    """A line as ``white-space: pre-line`` shows it: runs of spaces as one, none at its ends."""
    return _SPACES.sub(" ", text).strip(" ")


_SPACES = re.compile("[ \t]+")
