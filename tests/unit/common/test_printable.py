"""The font index: a fallback chain chosen from what fonts cover, and a text made printable when none can.

A fontconfig listing is given as text (what ``fc-list --format`` prints), so nothing here reads the disk.
"""

from __future__ import annotations

from services.common.printable import FontIndex, cjk_family, clusters, code_points, printable

LISTING = "\n".join(
    [
        "Noto Sans\tRegular\t20-7e a0-24f 300-36f 370-3ff 400-4ff",
        "Noto Sans\tBold\t20-7e",  # another face of a family: the Regular one counts
        "Noto Serif Khmer\tRegular\t20 1780-17ff",
        "Noto Sans Khmer\tRegular\t20 1780-17ff 19e0-19ff",
        "Noto Sans Khmer UI\tRegular\t20 1780-17ff 19e0-19ff",
        "Noto Sans Sinhala\tRegular\t20 d80-dff 200d",
        "Noto Sans CJK JP\tRegular\t20-7e 3000-30ff 4e00-9fff ac00-d7a3",
        "Noto Sans CJK KR\tRegular\t20-7e 3000-30ff 4e00-9fff ac00-d7a3",
        "Noto Sans CJK SC\tRegular\t20-7e 3000-30ff 4e00-9fff ac00-d7a3",
        "Noto Sans CJK TC\tRegular\t20-7e 3000-30ff 4e00-9fff ac00-d7a3",
        "Noto Color Emoji\tRegular\t20 23 2a 30-39 a9 200d 1f300-1f5ff 1f3fb-1f3ff",
        "DejaVu Sans\tBook\t20-7e a0-24f 2600-26ff",
        "Broken Font\tRegular\t",
    ]
)


def index() -> FontIndex:
    return FontIndex(LISTING)


def test_the_chain_is_chosen_by_coverage_not_by_a_list_of_scripts() -> None:
    fonts = index()
    assert fonts.families_for("Anna Müller") == ["Noto Sans"]
    assert fonts.families_for("សុខ Anna") == ["Noto Sans", "Noto Sans Khmer"]  # Sans before UI and Serif
    assert fonts.families_for("ශ්‍රී") == ["Noto Sans", "Noto Sans Sinhala"]
    assert fonts.families_for("Anna 🏫") == ["Noto Sans", "Noto Color Emoji"]
    assert fonts.families_for("☂ Anna") == ["Noto Sans", "DejaVu Sans"]  # the last resort still counts
    assert "Broken Font" not in fonts.families


def test_the_language_picks_the_cjk_face() -> None:
    fonts = index()
    assert fonts.families_for("王伟", "zh-Hans") == ["Noto Sans", "Noto Sans CJK SC"]
    assert fonts.families_for("王偉", "zh-Hant") == ["Noto Sans", "Noto Sans CJK TC"]
    assert fonts.families_for("王偉", "zh-TW") == ["Noto Sans", "Noto Sans CJK TC"]
    assert fonts.families_for("山田", "ja") == ["Noto Sans", "Noto Sans CJK JP"]
    assert fonts.families_for("김민준", "en") == ["Noto Sans", "Noto Sans CJK KR"]  # no CJK tag: Hangul says Korean
    assert cjk_family("en", "さくら") == "Noto Sans CJK JP" and cjk_family("ko-KR") == "Noto Sans CJK KR"


def test_a_character_no_font_has_is_replaced_by_its_transliteration_and_reported() -> None:
    fonts = index()
    tangsa = "\U00016a70\U00016a71"  # TANGSA LETTER OZ, OC: no font in this listing
    printed = printable(f"Anna {tangsa}", fonts)
    assert printed.replaced and printed.missing == tangsa
    assert printed.text.startswith("Anna") and tangsa not in printed.text
    assert code_points(printed.missing) == ["U+16A70 TANGSA LETTER OZ", "U+16A71 TANGSA LETTER OC"]
    assert printable("\ue000", fonts, fallback="Anna").text == "Anna"  # nothing left: the form the delegate gave
    assert not printable("សុខ", fonts).replaced


def test_a_text_of_several_lines_keeps_its_line_breaks_when_a_character_is_replaced() -> None:
    address = "Dept. of Education\nRoom \ue000 12\n1000 Brussels"
    assert printable(address, index()).text == "Dept. of Education\nRoom 12\n1000 Brussels"


def test_a_replaced_character_takes_its_marks_and_joiners_with_it() -> None:
    assert list(clusters("ශ්‍රී")) == ["ශ්‍රී"]
    assert list(clusters("a\u0301b")) == ["a\u0301", "b"]
    assert list(clusters("👩🏽\u200d🔬!")) == ["👩🏽\u200d🔬", "!"]
    fonts = index()
    assert printable("x\ue000\u0301y", fonts).text == "xy"  # the accent goes with the box it sat on


def test_pickable_families_are_every_family_a_chain_can_name_and_no_other() -> None:
    fonts = index()
    pickable = fonts.pickable()
    assert pickable == {
        "Noto Sans",
        "Noto Sans Khmer",
        "Noto Sans Sinhala",
        "Noto Sans CJK JP",
        "Noto Sans CJK KR",
        "Noto Sans CJK SC",
        "Noto Sans CJK TC",
        "Noto Color Emoji",
        "DejaVu Sans",  # the only one with U+2600-26FF
    }  # not Noto Serif Khmer nor Noto Sans Khmer UI: Noto Sans Khmer always comes first
    named = {
        family
        for start, end in ((0x20, 0x4FF), (0x1780, 0x19FF), (0xD80, 0xDFF), (0x2600, 0x26FF), (0x1F300, 0x1F5FF))
        for code in range(start, end + 1)
        for lang in ("en", "ja", "ko", "zh-Hans", "zh-Hant")
        for family in fonts.families_for(chr(code) + "王", lang)
    }
    assert named <= pickable


def test_upright_families_come_from_the_listing_slant_and_width() -> None:
    listing = "Noto Sans\tRegular\t20-7e\t0\t100\nNoto Sans Khmer\tItalic\t20 1780-17ff\t100\t100\n"
    assert FontIndex(listing).upright == {"Noto Sans"}
