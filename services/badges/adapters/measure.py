"""Text measured and broken by Pango, exactly as WeasyPrint will lay it out.

WeasyPrint shapes every line with Pango and HarfBuzz through the fonts of its ``FontConfiguration``
(the cut CJK fonts included). Measuring a name the same way — same font map, same family chain,
same weight and language — gives its true width, where an estimate per character split a Tamil
name in the middle of a word. Pango also knows where a line may break (the Unicode line breaking
algorithm, UAX #14, with Thai by dictionary) and where grapheme clusters end.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from itertools import pairwise
from typing import Any

from weasyprint.text.ffi import ffi, gobject, pango, unicode_to_char_p

REFERENCE_PX = 100.0
"""Widths are measured at this size and scale linearly (WeasyPrint does not round glyph positions)."""
_PANGO_SCALE = 1024
_BOLD = 700
_NORMAL = 400


class PangoMeasure:
    """Widths in em of one-line texts through a ``FontConfiguration``'s font map; one per font map."""

    def __init__(self, font_map: Any) -> None:
        self._context = ffi.gc(pango.pango_font_map_create_context(font_map), gobject.g_object_unref)
        pango.pango_context_set_round_glyph_positions(self._context, False)
        self._layouts: dict[tuple[tuple[str, ...], bool, str], Any] = {}
        self.width_em = functools.lru_cache(maxsize=16384)(self._width_em)

    def _layout(self, families: tuple[str, ...], bold: bool, lang: str) -> Any:
        key = (families, bold, lang)
        layout = self._layouts.get(key)
        if layout is None:
            description = ffi.gc(pango.pango_font_description_new(), pango.pango_font_description_free)
            family_p, _ = unicode_to_char_p(",".join(families))
            pango.pango_font_description_set_family(description, family_p)
            pango.pango_font_description_set_weight(description, _BOLD if bold else _NORMAL)
            pango.pango_font_description_set_absolute_size(description, REFERENCE_PX * _PANGO_SCALE)
            lang_p, _ = unicode_to_char_p(lang)
            pango.pango_context_set_language(self._context, pango.pango_language_from_string(lang_p))
            layout = ffi.gc(pango.pango_layout_new(self._context), gobject.g_object_unref)
            pango.pango_layout_set_auto_dir(layout, False)
            pango.pango_layout_set_font_description(layout, description)
            self._layouts[key] = (layout, description, family_p, lang_p)  # keep the C strings alive
            return layout
        return layout[0]

    def _width_em(self, text: str, families: tuple[str, ...], bold: bool, lang: str) -> float:
        """The advance width of ``text`` on one line, in em of the font size."""
        if not text:
            return 0.0
        layout = self._layout(families, bold, lang)
        text_p, data = unicode_to_char_p(text)
        pango.pango_layout_set_text(layout, text_p, len(data))
        line = pango.pango_layout_get_line_readonly(layout, 0)
        logical = ffi.new("PangoRectangle *")
        pango.pango_layout_line_get_extents(line, ffi.NULL, logical)
        return float(logical.width) / _PANGO_SCALE / REFERENCE_PX


def _log_attrs(text: str, lang: str) -> Any:
    text_p, data = unicode_to_char_p(text)
    lang_p, _ = unicode_to_char_p(lang or "en")
    attrs = ffi.new("PangoLogAttr[]", len(text) + 1)
    pango.pango_get_log_attrs(text_p, len(data), -1, pango.pango_language_from_string(lang_p), attrs, len(text) + 1)
    return attrs


def line_breaks(text: str, lang: str) -> list[int]:
    """Offsets where a line may break (before ``text[i]``), by the Unicode line breaking rules."""
    attrs = _log_attrs(text, lang)
    return [i for i in range(1, len(text)) if attrs[i].is_line_break and not attrs[i].is_mandatory_break]


def cluster_breaks(text: str, lang: str) -> list[int]:
    """Offsets between grapheme clusters (a last resort: never inside a cluster)."""
    attrs = _log_attrs(text, lang)
    return [i for i in range(1, len(text)) if attrs[i].is_cursor_position]


def pieces(text: str, breaks: Sequence[int]) -> list[str]:
    """``text`` cut at ``breaks`` (each piece keeps the spaces that end it)."""
    edges = [0, *breaks, len(text)]
    return [text[a:b] for a, b in pairwise(edges) if b > a]
