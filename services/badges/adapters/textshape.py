"""Lines shaped by Pango as WeasyPrint shapes them, and WeasyPrint's PDF fonts for the direct text layer.

``Shaper`` builds Pango layouts the way WeasyPrint's ``text.line_break.Layout`` does for a badge's text
(a context per language and base direction, the family list, size in CSS px, weight, letter-spacing), so a
line's glyphs, widths and ascent are the ones WeasyPrint would draw. ``FontTemplates`` and
``TemplateStream`` give WeasyPrint's drawing code its ``Font`` objects without rebuilding them per PDF.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from weasyprint.pdf.fonts import Font
from weasyprint.pdf.stream import Stream
from weasyprint.text.ffi import FROM_UNITS, TO_UNITS, ffi, gobject, pango, unicode_to_char_p
from weasyprint.text.fonts import get_hb_object_data, get_pango_font_key

_BOLD, _NORMAL = 700, 400
MOST_LAYOUTS = 2048
"""Sizes are a ladder and chains few; the layouts kept are bounded all the same."""


@dataclass(frozen=True)
class LineStyle:
    families: str
    """Pango's family list: the CSS ``font-family`` names joined by commas."""
    size_px: float
    bold: bool
    lang: str
    rtl: bool
    letter_spacing_px: float = 0.0


@dataclass(frozen=True)
class ShapedLine:
    text: str
    layout: Any
    width: float
    height: float
    baseline: float
    """From the top of the line's logical box, px (Pango's)."""


class Shaper:
    """Pango layouts through one font map: a context per (language, direction), a layout per style."""

    def __init__(self, font_map: Any) -> None:
        self._font_map = font_map
        self._contexts: dict[tuple[str, bool], Any] = {}
        self._layouts: dict[LineStyle, tuple[Any, ...]] = {}
        self._struts: dict[LineStyle, tuple[float, float]] = {}

    def _context(self, lang: str, rtl: bool) -> Any:
        context = self._contexts.get((lang, rtl))
        if context is None:
            context = ffi.gc(pango.pango_font_map_create_context(self._font_map), gobject.g_object_unref)
            pango.pango_context_set_round_glyph_positions(context, False)
            pango.pango_context_set_base_dir(context, pango.PANGO_DIRECTION_RTL if rtl else pango.PANGO_DIRECTION_LTR)
            lang_p, _ = unicode_to_char_p(lang)
            pango.pango_context_set_language(context, pango.pango_language_from_string(lang_p))
            self._contexts[(lang, rtl)] = context
        return context

    def _layout(self, style: LineStyle) -> Any:
        entry = self._layouts.get(style)
        if entry is None:
            if len(self._layouts) >= MOST_LAYOUTS:  # a layout in use keeps its context: both may go
                self._layouts.clear()
                self._struts.clear()
                self._contexts.clear()
            description = ffi.gc(pango.pango_font_description_new(), pango.pango_font_description_free)
            family_p, _ = unicode_to_char_p(style.families)
            pango.pango_font_description_set_family(description, family_p)
            pango.pango_font_description_set_style(description, pango.PANGO_STYLE_NORMAL)
            pango.pango_font_description_set_stretch(description, pango.PANGO_STRETCH_NORMAL)
            pango.pango_font_description_set_weight(description, _BOLD if style.bold else _NORMAL)
            pango.pango_font_description_set_absolute_size(description, int(style.size_px * TO_UNITS))
            pango.pango_font_description_set_variant(description, pango.PANGO_VARIANT_NORMAL)
            layout = ffi.gc(pango.pango_layout_new(self._context(style.lang, style.rtl)), gobject.g_object_unref)
            pango.pango_layout_set_auto_dir(layout, False)
            pango.pango_layout_set_font_description(layout, description)
            pango.pango_layout_set_single_paragraph_mode(layout, True)
            attrs = None
            if style.letter_spacing_px:
                attrs = ffi.gc(pango.pango_attr_list_new(), pango.pango_attr_list_unref)
                spacing = pango.pango_attr_letter_spacing_new(int(style.letter_spacing_px * TO_UNITS))
                spacing.start_index, spacing.end_index = 0, 0xFFFFFFFF
                pango.pango_attr_list_insert(attrs, spacing)
                pango.pango_layout_set_attributes(layout, attrs)
            entry = self._layouts[style] = (layout, description, family_p, attrs)
        return entry[0]

    def line(self, text: str, style: LineStyle) -> ShapedLine:
        """``text`` shaped on one line: its layout (valid until the next line of this style) and metrics."""
        layout = self._layout(style)
        text_p, data = unicode_to_char_p(text)
        pango.pango_layout_set_text(layout, text_p, len(data))
        first = pango.pango_layout_get_line_readonly(layout, 0)
        logical = ffi.new("PangoRectangle *")
        pango.pango_layout_line_get_extents(first, ffi.NULL, logical)
        baseline = pango.pango_layout_get_baseline(layout) * FROM_UNITS
        width = logical.width * FROM_UNITS + style.letter_spacing_px
        return ShapedLine(text, layout, width, logical.height * FROM_UNITS, baseline)

    def strut(self, style: LineStyle) -> tuple[float, float]:
        """Height and baseline of a space in ``style``: the line box's own strut (CSS 2, 10.8.1)."""
        found = self._struts.get(style)
        if found is None:
            line = self.line(" ", style)
            found = self._struts[style] = (line.height, line.baseline)
        return found


class FontTemplates:
    """WeasyPrint's ``Font`` of each Pango font, built once and copied for each PDF.

    ``Font`` copies the whole font file out of HarfBuzz and reads its tables and metrics (~0.15 ms a
    font, three fonts a badge). A PDF only adds its own glyphs' widths and texts, and ``Font.clean``
    replaces the file by its subset and may add variation values; so a copy with its own glyph maps and
    variations, and the size, ascent and descent of the Pango font at hand (as ``Font`` computes them),
    is the font WeasyPrint would build, byte for byte. The template holds a reference to the HarfBuzz
    face (``get_pango_font_hb_face``); each copy takes the HarfBuzz font of the Pango font it draws with.
    A file larger than ``KEEP_FILE_BELOW`` (a whole CJK collection, for a character outside the cut) is
    not kept: each copy reads it again, as WeasyPrint does.
    """

    KEEP_FILE_BELOW = 2 * 2**20
    MOST = 128

    def __init__(self) -> None:
        self._fonts: dict[int, Font] = {}

    def font(self, pango_font: Any, fonts: dict[int, Font]) -> tuple[Font, float]:
        """The font of ``pango_font`` in ``fonts`` (one PDF's), added as a fresh copy if new; and its size."""
        key, description, size = get_pango_font_key(pango_font)
        font = fonts.get(key)
        if font is None:
            font = fonts[key] = self._copy(self._template(key, pango_font, description, size), pango_font, size)
        return font, size

    def _template(self, key: int, pango_font: Any, description: Any, size: float) -> Font:
        template = self._fonts.get(key)
        if template is None:
            template = Font(pango_font, description, size)
            if len(template.file_content) >= self.KEEP_FILE_BELOW:
                template.file_content = None
            if len(self._fonts) >= self.MOST:
                del self._fonts[next(iter(self._fonts))]
            self._fonts[key] = template
        return template

    @staticmethod
    def _copy(template: Font, pango_font: Any, size: float) -> Font:
        font = copy.copy(template)
        font.widths, font.to_unicode, font.missing = {}, {}, {}
        font.variations = dict(template.variations)
        font.hb_font = pango.pango_font_get_hb_font(pango_font)
        if font.file_content is None:
            font.file_content = get_hb_object_data(font.hb_face)
        font.font_size = size
        font.ascent = font.descent = 0
        if size:
            metrics = ffi.gc(pango.pango_font_get_metrics(pango_font, ffi.NULL), pango.pango_font_metrics_unref)
            font.ascent = round(pango.pango_font_metrics_get_ascent(metrics) * FROM_UNITS / size * 1000)
            font.descent = -round(pango.pango_font_metrics_get_descent(metrics) * FROM_UNITS / size * 1000)
        return font


class TemplateStream(Stream):  # type: ignore[misc]  # WeasyPrint ships no type hints
    """WeasyPrint's content stream, its fonts copied from templates (``FontTemplates``)."""

    def __init__(self, templates: FontTemplates, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._templates = templates

    def add_font(self, pango_font: Any) -> tuple[Font, float]:
        return self._templates.font(pango_font, self._fonts)
