"""The one text rule: what an input refuses, what it quietly removes, what every output shows, CSV cells."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError

from services.common.text import (
    MultiLine,
    SingleLine,
    clean_for_display,
    clean_input,
    csv_cell,
    problem,
    shown,
    without_hidden,
)


class Person(BaseModel):
    name: SingleLine
    address: MultiLine = ""


@pytest.mark.parametrize(
    ("hostile", "words"),
    [
        ("Ma\x00ria", "U+0000"),
        ("Maria\x07", "U+0007"),
        ("\x1b[31mMaria", "U+001B ESCAPE"),
        ("Maria\x7f", "U+007F"),
        ("Ma\x85ria", "U+0085"),
        ("\u202eairaM", "U+202E RIGHT-TO-LEFT OVERRIDE"),
        ("Maria \u2066x\u2069", "U+2066 LEFT-TO-RIGHT ISOLATE"),
        ("Ma\u202aria", "U+202A"),
        ("Ma\ufff9ria", "U+FFF9"),
        ("Ma\U000e0041ria", "U+E0041"),
        ("Ma\ud800ria", "U+D800"),
    ],
)
def test_controls_bidi_overrides_and_hidden_formatting_are_refused_naming_the_field(hostile: str, words: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Person(name=hostile)
    (error,) = caught.value.errors()
    assert error["loc"] == ("name",)
    assert words in error["msg"]
    assert error["msg"].startswith("This contains a hidden")


def test_a_line_break_or_tab_inside_a_single_line_field_is_refused_but_kept_in_a_multi_line_one() -> None:
    for text in ("Maria\nMüller", "Maria\tMüller", "Maria\u2028Müller"):
        with pytest.raises(ValidationError, match="one line"):
            Person(name=text)
    person = Person(name="Maria", address="Hauptstraße 1\r\n10115 Berlin\r\tGermany\u2028EU")
    assert person.address == "Hauptstraße 1\n10115 Berlin\n\tGermany\nEU"
    with pytest.raises(ValidationError, match=r"U\+0000 NULL"):
        Person(name="Maria", address="Street\x00 1")


def test_names_in_every_script_pass_untouched_joiners_and_direction_marks_included() -> None:
    names = [
        "محمد عبدالله",
        "מרים כהן",
        "می\u200cخواهم",  # Persian with ZWNJ
        "क्\u200dष",  # Devanagari with ZWJ
        "山田 太郎",
        "김민준",
        "שרה (Sarah)\u200f Levi",
        "👩\u200d🔬 Ana",
        "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f Scot",
    ]
    for name in names:
        assert Person(name=name).name == name


def test_nfc_and_what_nobody_means_is_removed_quietly() -> None:
    assert clean_input("  Mu\u0308ller\u200b\ufeff ") == "Müller"
    assert clean_input("\u200bMaria\u00ad") == "Maria"
    assert clean_input("Ma\ufeffria") == "Maria"
    assert Person(name=" \u200b ").name == ""


def test_display_removes_what_input_refuses_and_keeps_the_rest() -> None:
    dirty = "Ma\u202eria\u0000 \u2066O'Brien\u2069\x1b[31m\u0085\n\tX" + "क्\u200dष"
    assert clean_for_display(dirty) == "Maria O'Brien[31m X" + "क्\u200dष"
    assert clean_for_display("Street\x07 1\r\n\u202e10115 Berlin", multiline=True) == "Street 1\n10115 Berlin"
    assert clean_for_display("محمد\u200f") == "محمد\u200f"


@pytest.mark.parametrize(
    "hostile",
    [
        "=1+1",
        "+1",
        "-1+1",
        "@SUM(A1)",
        "\t=1",
        "\r=1",
        "\x00=1+1",
        " =1+1",
        "\u200b=1+1",
        "\ufeff=1",
        "\u202e=1+1",
        "\u2066=1",
        "\x1b=1",
        "\n=1",
        "\u00a0=1",
        "\u3000=1",
        "＝1+1",
    ],
)
def test_csv_cells_never_start_a_formula_whatever_hides_before_it(hostile: str) -> None:
    cell = csv_cell(hostile)
    assert cell.startswith("'")
    assert cell[1] in "=+-@＝"
    assert not any(ch in cell for ch in "\x00\x1b\u200b\ufeff\u202e\u2066\t\r\n")


def test_csv_cells_of_plain_values() -> None:
    assert csv_cell("Müller") == "Müller"
    assert csv_cell(None) == ""
    assert csv_cell(42) == "42"
    assert csv_cell(["a", "b"]) == "a b"


def test_templates_print_strings_and_markup_without_hidden_characters_and_leave_layout_alone() -> None:
    from jinja2 import Environment
    from markupsafe import Markup

    env = Environment(autoescape=True, finalize=shown)
    page = env.from_string("<p>{{ name }}</p>{{ mark }}{{ n }}\n{{ address }}")
    html = page.render(name="Ma\x00ria \u202eO'Brien", mark=Markup("<b>Ma\x07ria</b>"), n=3, address=" a\n\tb\x1b ")
    assert html == "<p>Maria O&#39;Brien</p><b>Maria</b>3\n a\n\tb "
    assert isinstance(shown(Markup("<i>x\x1b</i>")), Markup)


def test_without_hidden_removes_exactly_what_the_input_rule_refuses() -> None:
    for code in [*range(0x250), *range(0x2000, 0x2070), *range(0xFEF0, 0x10000), *range(0xE0000, 0xE0080)]:
        char = chr(code)
        assert (without_hidden(char) == "") == (problem(char, multiline=True) is not None), hex(code)
    flag = "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"
    assert without_hidden(flag) == flag and problem(flag) is None
