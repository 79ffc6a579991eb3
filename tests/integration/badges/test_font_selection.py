"""Pango is offered only the faces a font chain can name (``adapters/fontset.py``), and nothing prints differently.

Each new (chain, language, size) costs Pango a sort of every face fontconfig offers; the restricted
configuration offers a quarter of them. The proof that no text changes: every CLDR/Unicode sample
badge (``world_names``) is byte-identical with every installed face and with the selection.
"""

from __future__ import annotations

import pytest
from weasyprint.text.fonts import FontConfiguration

from services.badges.adapters.fontset import ChainFontConfiguration, selection_xml
from services.badges.adapters.pdf import BadgeContent, CongressHeader, PdfRenderer
from services.common.printable import font_index
from tests.integration.badges.world_names import cldr_samples, paired, script_samples

HEADER = CongressHeader("ICSEI 2027", "Yokohama · 05 Jan – 08 Jan 2027")


def _faces(config: FontConfiguration) -> int:
    return ChainFontConfiguration.face_count(config)


def test_the_configuration_holds_only_upright_faces_of_pickable_families() -> None:
    index = font_index()
    chosen = ChainFontConfiguration(index.pickable())
    everything = FontConfiguration()
    assert 0 < _faces(chosen) < _faces(everything) / 2
    assert b"Noto Sans Khmer" in selection_xml(index.pickable())
    assert b"Noto Sans Khmer UI" not in selection_xml(index.pickable())
    # a family with no upright face of normal width keeps all its faces rather than none
    assert selection_xml(["A Slanted Family"], upright=set()).count(b"<patelt") == 1


def test_a_badge_per_script_is_byte_identical_with_all_faces_and_with_the_selection(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    index = font_index()
    cldr, _ = cldr_samples(index)
    scripts, _ = script_samples(index, {s.script for s in cldr})
    # one CLDR locale per script (per language for Han: the language picks the face), and every other script
    per_script = {(s.script, s.lang.split("-")[0] if s.script == "Hani" else ""): s for s in reversed(cldr)}
    samples = [*per_script.values(), *paired(scripts)]
    contents = [
        BadgeContent(f"d-{i}", "c", 1, s.given, s.family, "", s.affiliation, "XX", s.lang, ("delegate",), (), "t")
        for i, s in enumerate(samples)
    ]
    cache = tmp_path_factory.mktemp("fonts")
    chosen = PdfRenderer(HEADER, font_cache=cache, recut_interval=float("inf"))
    full = PdfRenderer(HEADER, font_cache=cache, recut_interval=float("inf"), only_chain_fonts=False)
    assert isinstance(chosen._font_config, ChainFontConfiguration)
    differ = [
        samples[i + j].source
        for i in range(0, len(contents), 8)
        for j, (a, b) in enumerate(
            zip(chosen.render_badges(contents[i : i + 8]), full.render_badges(contents[i : i + 8]), strict=True)
        )
        if a != b
    ]
    assert differ == []
