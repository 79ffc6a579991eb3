"""Fitting a name with measured widths: legal breaks only, shrink to the floor first, never split a word.

The measure is fake (0.5 em a character, 0.25 a space) and breaks are given, so the rule is tested alone;
``tests/integration/badges/test_unprintable_names.py`` measures with Pango.
"""

from __future__ import annotations

import re

from services.badges.adapters.fit import ABSOLUTE_FLOOR_PT, fit_measured, rung
from services.badges.domain import Box

BOX = Box(width_pt=262, height_pt=56, max_size_pt=24, min_size_pt=11, max_lines=2)


def width(text: str) -> float:
    return sum(0.25 if c == " " else 0.5 for c in text)


def breaks(text: str) -> list[int]:
    """After a space or a hyphen (a stand-in for Pango's UAX #14 opportunities)."""
    return [m.end() for m in re.finditer(r"[ -]", text) if m.end() < len(text)]


def every(text: str) -> list[int]:
    return list(range(1, len(text)))


def test_a_short_name_gets_the_largest_size_on_one_line() -> None:
    fitted = fit_measured("Anna", BOX, width, breaks, every)
    assert fitted.lines == ("Anna",) and fitted.size_pt == 24


def test_a_name_shrinks_to_the_floor_before_it_takes_a_second_line() -> None:
    name = "Leutheusser Schnarrenberger"  # 27 characters: 13.25 em, one line at 19.75 pt
    fitted = fit_measured(name, BOX, width, breaks, every)
    assert fitted.lines == (name,) and BOX.min_size_pt <= fitted.size_pt <= 262 / width(name)
    assert fitted.size_pt == 19  # 19.77 fits; snapped down to the ladder's whole point


def test_sizes_snap_down_to_a_short_ladder_so_names_share_pangos_font_sets() -> None:
    assert [rung(s) for s in (34, 33.9, 19.77, 12.0, 11.99, 6.74, 6.2, 0.3)] == [34, 33, 19, 12, 11.5, 6.5, 6, 0.3]
    word = "Donaudampfschifffahrtsgesellschaftskapitänswitwe"  # below the floor: half points
    assert fit_measured(word, BOX, width, breaks, every).size_pt * 2 % 1 == 0


def test_a_second_line_starts_only_at_a_legal_break() -> None:
    name = "Leutheusser-Schnarrenberger-Hohenzollern-Sigmaringen"
    fitted = fit_measured(name, BOX, width, breaks, every)
    assert len(fitted.lines) == 2 and "".join(fitted.lines) == name
    assert fitted.lines[0].endswith("-") and fitted.size_pt >= BOX.min_size_pt
    assert max(width(line) for line in fitted.lines) * fitted.size_pt <= BOX.width_pt


def test_a_word_without_a_break_opportunity_shrinks_below_the_floor_rather_than_split() -> None:
    word = "Donaudampfschifffahrtsgesellschaftskapitänswitwe"  # 48 characters, no break
    fitted = fit_measured(word, BOX, width, breaks, every)
    assert fitted.lines == (word,) and not fitted.break_anywhere
    assert ABSOLUTE_FLOOR_PT <= fitted.size_pt < BOX.min_size_pt


def test_only_an_absurd_word_breaks_and_then_between_clusters() -> None:
    word = "x" * 400
    fitted = fit_measured(word, BOX, width, breaks, every)
    assert fitted.break_anywhere and "".join(fitted.lines) == word and len(fitted.lines) > 2
    assert max(width(line) for line in fitted.lines) * fitted.size_pt <= BOX.width_pt
    assert len(fitted.lines) * fitted.size_pt * BOX.line_height <= BOX.height_pt
