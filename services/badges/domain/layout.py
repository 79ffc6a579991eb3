"""What a badge looks like: text direction, fitting names into their boxes, ribbons, sheets of four.

Standard library only. The PDF adapter asks this module *what* to draw (sizes,
lines, ribbon, order); it never decides layout itself.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

# --- text ---------------------------------------------------------------------------------
# What a badge may print is the one text rule's ``clean_for_display`` (services/common/text.py).


def base_direction(text: str) -> str:
    """'rtl' or 'ltr' from the first strong character (Unicode bidi rules P2–P3); names are isolated."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return "ltr"


# --- name fitting --------------------------------------------------------------------------

Measure = Callable[[str], float]
"""Width of a text run in em (1.0 = the font size)."""


def _char_em(char: str) -> float:
    """A deliberately generous width estimate per character, in em, for any script."""
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0.0
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return 1.0
    if char == " ":
        return 0.28
    if char in "ilI.,;:'!|jtf-":
        return 0.35
    if char.isupper() or char in "mwMW":
        return 0.75
    code = ord(char)
    if 0x0900 <= code <= 0x0DFF or 0x10A0 <= code <= 0x10FF or 0x1200 <= code <= 0x139F:
        return 0.75  # Indic, Georgian, Ethiopic: wide glyphs
    return 0.62


def estimate_em(text: str) -> float:
    return sum(_char_em(c) for c in text)


@dataclass(frozen=True)
class Box:
    """Where a text block must fit: width and height in points, font size bounds in points."""

    width_pt: float
    height_pt: float
    max_size_pt: float
    min_size_pt: float
    max_lines: int
    line_height: float = 1.15


@dataclass(frozen=True)
class FittedText:
    lines: tuple[str, ...]
    size_pt: float
    break_anywhere: bool
    """True when even single words had to be split (absurdly long input)."""


def _break_tokens(text: str) -> list[str]:
    """Pieces a line may break after: words (space kept), after hyphens/slashes, between CJK ideographs."""
    tokens: list[str] = []
    for word in re.split(r"(?<= )", text):
        for piece in re.split(r"(?<=[-‐/‧·])", word):
            if piece and all(unicodedata.east_asian_width(c) in ("W", "F") for c in piece.strip()):
                tokens.extend(piece)
            elif piece:
                tokens.append(piece)
    return tokens


def wrap(text: str, width_em: float, measure: Measure = estimate_em) -> list[str]:
    """Greedy wrap at sensible points; a token wider than the line stays whole (caller shrinks)."""
    lines: list[str] = []
    current = ""
    for token in _break_tokens(text):
        candidate = current + token
        if current and measure(candidate.rstrip()) > width_em:
            lines.append(current.rstrip())
            current = token
        else:
            current = candidate
    if current.strip():
        lines.append(current.rstrip())
    return lines or [""]


def fit_text(text: str, box: Box, measure: Measure = estimate_em) -> FittedText:
    """The largest size (within bounds) at which ``text`` fits ``box``, wrapped at sensible points.

    Tries one line at the largest size it fits, then more lines, down to ``min_size_pt``.
    If even that fails (an absurd name) it shrinks by area below the minimum and lets
    the line break anywhere: the text is never cut and never overflows.
    """
    one_line = measure(text)
    if one_line * box.max_size_pt <= box.width_pt:
        return FittedText((text,), box.max_size_pt, False)
    for lines_wanted in range(1, box.max_lines + 1):
        size = min(box.max_size_pt, box.height_pt / (lines_wanted * box.line_height))
        while size >= box.min_size_pt:
            lines = wrap(text, box.width_pt / size, measure)
            widest = max(measure(line) for line in lines)
            if len(lines) <= lines_wanted and widest * size <= box.width_pt:
                return FittedText(tuple(lines), round(size, 2), False)
            size -= 0.5
    return _fit_by_area(text, box, one_line, measure)


def _fit_by_area(text: str, box: Box, total_em: float, measure: Measure) -> FittedText:
    """Break between any characters and shrink until the lines fit the box's height."""
    size = math.sqrt(box.width_pt * box.height_pt * 0.8 / max(total_em * box.line_height, 1e-6))
    size = min(size, box.min_size_pt)
    while True:
        lines = _wrap_chars(text, box.width_pt / size, measure)
        if len(lines) * size * box.line_height <= box.height_pt or size <= 0.5:
            return FittedText(tuple(lines), round(size, 2), True)
        size *= 0.95


def _wrap_chars(text: str, width_em: float, measure: Measure) -> list[str]:
    lines: list[str] = []
    current = ""
    for char in text:
        if current and measure(current + char) > width_em:
            lines.append(current)
            current = char
        else:
            current += char
    return [*lines, current] if current else lines or [""]


NAME_BOX = Box(width_pt=262, height_pt=92, max_size_pt=34, min_size_pt=14, max_lines=3)
FAMILY_BOX = Box(width_pt=262, height_pt=56, max_size_pt=24, min_size_pt=11, max_lines=2)
AFFILIATION_BOX = Box(width_pt=262, height_pt=48, max_size_pt=14, min_size_pt=8, max_lines=3)


# --- ribbons -------------------------------------------------------------------------------


class Pattern(StrEnum):
    SOLID = "solid"
    STRIPES = "stripes"
    DOTS = "dots"
    CHECKS = "checks"
    DIAGONAL = "diagonal"
    HOLLOW = "hollow"
    ZIGZAG = "zigzag"
    BARS = "bars"
    GRID = "grid"


@dataclass(frozen=True)
class Ribbon:
    role: str
    label: str
    colour: str
    ink: str
    pattern: Pattern
    grey: int
    """Luminance 0–255 it prints as in black and white; ribbons differ by ≥ 25 or by pattern."""


RIBBONS: dict[str, Ribbon] = {
    r.role: r
    for r in (
        Ribbon("organiser", "ORGANISER", "#b3001b", "#ffffff", Pattern.SOLID, 0),
        Ribbon("staff", "STAFF", "#1b1b1b", "#ffffff", Pattern.CHECKS, 0),
        Ribbon("press", "PRESS", "#6a1b9a", "#ffffff", Pattern.DIAGONAL, 0),
        Ribbon(
            "network_convener",
            "NETWORK CONVENER",
            "#00695c",
            "#ffffff",
            Pattern.STRIPES,
            0,
        ),
        Ribbon("chair", "CHAIR", "#2e7d32", "#ffffff", Pattern.BARS, 0),
        Ribbon("discussant", "DISCUSSANT", "#f9a825", "#000000", Pattern.GRID, 0),
        Ribbon("reviewer", "REVIEWER", "#e65100", "#000000", Pattern.DOTS, 0),
        Ribbon("presenter", "PRESENTER", "#1565c0", "#ffffff", Pattern.ZIGZAG, 0),
        Ribbon("delegate", "DELEGATE", "#ffffff", "#000000", Pattern.HOLLOW, 0),
    )
}
ROLE_PRECEDENCE = (
    "organiser",
    "staff",
    "press",
    "network_convener",
    "chair",
    "discussant",
    "reviewer",
    "presenter",
    "delegate",
)


def grey_of(hex_colour: str) -> int:
    """Rec. 601 luma of a colour: what a black-and-white printer makes of it."""
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return round(0.299 * r + 0.587 * g + 0.114 * b)


def ribbon_for(roles: Iterable[str]) -> tuple[Ribbon, tuple[str, ...]]:
    """The ribbon of the most senior role, and the labels of the other roles (printed small)."""
    held = set(roles) or {"delegate"}
    ranked = [r for r in ROLE_PRECEDENCE if r in held]
    main = RIBBONS[ranked[0]] if ranked else RIBBONS["delegate"]
    others = tuple(RIBBONS[r].label.title() for r in ranked[1:] if r != "delegate")
    return main, others


def sheets(items: Sequence[object], per_sheet: int = 4) -> list[list[object]]:
    """Groups of ``per_sheet`` in order (A4 holds four A6 badges)."""
    return [list(items[i : i + per_sheet]) for i in range(0, len(items), per_sheet)]
