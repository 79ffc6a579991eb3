"""Fitting a name into its box with measured widths, breaking lines only where the language allows.

The rule (docs/badges.md): one line at the largest size that fits, shrinking down to the box's legible
floor; then two (or more, up to the box's lines) at legal break points — between words, after hyphens,
between ideographs, by the Unicode line breaking rules. A word with no break opportunity (a Tamil
given name, a long German family name) is never split: the size shrinks below the floor instead. Only
when even ``ABSOLUTE_FLOOR_PT`` would not hold a piece does a line break between grapheme clusters
(never inside one), marked ``break_anywhere``.

Widths come from a ``Measure`` (Pango, ``adapters/measure.py``): each piece between two break points is
measured once, a candidate line's width is the sum of its pieces, and the lines finally chosen are
measured whole (so shaping across pieces is exact) and the size lowered if they turn out wider.
The search itself is plain arithmetic (no I/O) so unit tests give it a fake measure.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from services.badges.domain import Box, FittedText

ABSOLUTE_FLOOR_PT = 6.0
"""Below the box's floor a name still shrinks rather than split a word, but not below this."""

LADDER_FINE_BELOW_PT = 12.0
"""Sizes from here up are whole points; below, half points (a point is a larger step in a small size)."""

Width = Callable[[str], float]
"""Width of a one-line text in em."""
Breaks = Callable[[str], Sequence[int]]
"""Offsets where a line may break."""


@dataclass(frozen=True)
class _Piece:
    text: str
    full: float
    """Width with the spaces that end it (inside a line)."""
    trimmed: float
    """Width without them (at the end of a line)."""


def _pieces(text: str, breaks: Sequence[int], width: Width) -> list[_Piece]:
    edges = [0, *breaks, len(text)]
    out = []
    for a, b in pairwise(edges):
        if b > a:
            piece = text[a:b]
            stripped = piece.rstrip()
            out.append(_Piece(piece, width(piece), width(stripped) if stripped != piece else width(piece)))
    return out


def _widest_line(pieces: Sequence[_Piece], lines: int) -> tuple[float, list[int]]:
    """The partition of ``pieces`` into at most ``lines`` lines whose widest line is narrowest (exact DP).

    Returns that width (em) and the indices where each line after the first starts.
    """
    n = len(pieces)
    if n == 0:
        return 0.0, []
    prefix = [0.0]
    for piece in pieces:
        prefix.append(prefix[-1] + piece.full)

    def span(i: int, j: int) -> float:  # pieces i..j-1 on one line
        return prefix[j - 1] - prefix[i] + pieces[j - 1].trimmed

    inf = float("inf")
    best = [[inf] * (n + 1) for _ in range(lines + 1)]
    cut = [[0] * (n + 1) for _ in range(lines + 1)]
    best[0][0] = 0.0
    for k in range(1, lines + 1):
        for j in range(1, n + 1):
            for i in range(k - 1, j):
                if best[k - 1][i] == inf:
                    continue
                value = max(best[k - 1][i], span(i, j))
                if value < best[k][j] - 1e-9:
                    best[k][j], cut[k][j] = value, i
    used = min(range(1, lines + 1), key=lambda m: (best[m][n], m))  # fewest lines among the narrowest
    starts, j, k = [], n, used
    while k > 0:
        i = cut[k][j]
        starts.append(i)
        j, k = i, k - 1
    return best[used][n], sorted(s for s in starts if s > 0)


def _lines(pieces: Sequence[_Piece], starts: Sequence[int]) -> tuple[str, ...]:
    edges = [0, *starts, len(pieces)]
    return tuple("".join(p.text for p in pieces[a:b]).rstrip() for a, b in pairwise(edges))


def _best(pieces: Sequence[_Piece], box: Box, lines: int) -> tuple[float, tuple[str, ...]]:
    """The largest size (pt) at which ``pieces`` fit ``box`` on at most ``lines`` lines, and those lines."""
    widest, starts = _widest_line(pieces, lines)
    chosen = _lines(pieces, starts)
    size = min(box.max_size_pt, box.height_pt / (len(chosen) * box.line_height))
    if widest > 0:
        size = min(size, box.width_pt / widest)
    return size, chosen


def fit_measured(text: str, box: Box, width: Width, breaks: Breaks, clusters: Breaks) -> FittedText:
    """``text`` in ``box``: its lines (broken only at ``breaks``) and size; see the module docstring."""
    if not text:
        return FittedText(("",), box.max_size_pt, False)
    pieces = _pieces(text, breaks(text), width)
    fallback: tuple[float, tuple[str, ...]] = (0.0, (text,))
    for lines in range(1, box.max_lines + 1):
        size, chosen = _best(pieces, box, lines)
        if size >= box.min_size_pt:
            return _settle(chosen, size, box, width, anywhere=False)
        fallback = max(fallback, (size, chosen), key=lambda option: option[0])
    size, chosen = fallback
    if size >= ABSOLUTE_FLOOR_PT:
        return _settle(chosen, size, box, width, anywhere=False)
    most = max(box.max_lines, int(box.height_pt / (ABSOLUTE_FLOOR_PT * box.line_height)))
    cluster_pieces = _pieces(text, clusters(text), width)
    options = [_best(cluster_pieces, box, lines) for lines in range(1, most + 1)]
    size, chosen = max(options, key=lambda option: option[0])
    return _settle(chosen, size, box, width, anywhere=True)


def _settle(lines: tuple[str, ...], size: float, box: Box, width: Width, *, anywhere: bool) -> FittedText:
    """Measure the chosen lines whole and lower the size if shaping across pieces made one wider."""
    widest = max((width(line) for line in lines), default=0.0)
    if widest > 0:
        size = min(size, box.width_pt / widest)
    return FittedText(lines, rung(size), anywhere)


def rung(size: float) -> float:
    """``size`` snapped down to the size ladder: whole points from 12 pt, half points below (never wider).

    Each size a chain is first laid out at costs Pango a font set (~6 ms, ``adapters/fontset.py``); quarter
    points made four times as many sizes as whole points, so long names met a new one far more often.
    """
    step = 1.0 if size >= LADDER_FINE_BELOW_PT else 0.5
    snapped = int(size / step) * step
    return snapped if snapped > 0 else size
