"""The demo's delegates: names in their own scripts, 80+ countries, a congress's mix, replayable by seed."""

from __future__ import annotations

import unicodedata
from collections import Counter

import pytest

from services.demo.people import PeopleFactory, badge_name, countries
from services.demo.plan import make_plan

# The Unicode character-name prefix of each script's letters and marks.
SCRIPT_PREFIXES = {
    "Latin": ("LATIN",),
    "Cyrillic": ("CYRILLIC",),
    "Greek": ("GREEK",),
    "Arabic": ("ARABIC",),
    "Hebrew": ("HEBREW",),
    "Devanagari": ("DEVANAGARI",),
    "Bengali": ("BENGALI",),
    "Tamil": ("TAMIL",),
    "Thai": ("THAI",),
    "Georgian": ("GEORGIAN",),
    "Armenian": ("ARMENIAN",),
    "Ethiopic": ("ETHIOPIC",),
    "Han": ("CJK UNIFIED IDEOGRAPH",),
    "Hangul": ("HANGUL",),
    "Japanese": ("CJK UNIFIED IDEOGRAPH", "HIRAGANA", "KATAKANA"),
}
COMMON = {" ", "-", "'", "’"}


def letters_in_script(text: str, script: str) -> bool:
    """Every letter and mark belongs to the script (spaces and name punctuation aside)."""
    prefixes = SCRIPT_PREFIXES[script]
    for ch in text:
        if ch in COMMON:
            continue
        if not unicodedata.category(ch).startswith(("L", "M")):
            return False
        if not unicodedata.name(ch, "").startswith(prefixes):
            return False
    return True


@pytest.mark.parametrize("code", sorted(countries()))
def test_names_are_written_in_the_countrys_script(code: str) -> None:
    country = countries()[code]
    assert country.script in SCRIPT_PREFIXES
    for name in country.given + country.family:
        assert name == unicodedata.normalize("NFC", name)
        assert letters_in_script(name, country.script), f"{code}: {name!r} is not all {country.script}"
    assert country.affiliations and len(country.given) >= 4 and len(country.family) >= 4


def test_more_than_80_countries_and_every_script() -> None:
    table = countries()
    assert len(table) >= 80
    assert {c.script for c in table.values()} == set(SCRIPT_PREFIXES)
    assert {"JP", "KR", "CN", "NL", "IL", "ET", "GE", "AM", "TH", "LK", "BD", "IN", "SA", "GR", "RU"} <= set(table)


def test_name_order_follows_the_country() -> None:
    table = countries()
    assert badge_name(table["JP"], "愛子", "田中") == "田中愛子"
    assert badge_name(table["KR"], "서연", "김") == "김서연"
    assert badge_name(table["HU"], "Eszter", "Nagy") == "Nagy Eszter"
    assert badge_name(table["NL"], "Sanne", "de Vries") == "Sanne de Vries"


def test_gendered_family_names_agree() -> None:
    factory = PeopleFactory(3)
    for _ in range(200):
        person = factory.person("RU")
        female = person.given_name in ("Анна", "Ольга")
        assert person.family_name.endswith("а") == female


def test_same_seed_same_congress_other_seed_other_congress() -> None:
    def names(seed: int) -> list[tuple[str, str, str, str]]:
        return [(p.badge_name, p.country, p.category, p.email) for party in make_plan(300, seed) for p in party.people]

    assert names(7) == names(7)
    assert names(7) != names(8)


def test_a_congress_mix() -> None:
    people = [p for party in make_plan(1500, 7) for p in party.people]
    assert len(people) == 1500
    assert len({p.country for p in people}) >= 80
    assert len({p.email for p in people}) == 1500
    share = Counter(p.category for p in people)
    assert share["member"] + share["non-member"] > 0.6 * len(people)
    assert 0.12 * len(people) < share["student"] < 0.28 * len(people)
    assert share["one-day"] > 0 and share["accompanying"] > 0


def test_a_small_plan_shows_every_path() -> None:
    parties = make_plan(12, 7)
    assert sum(len(p.people) for p in parties) == 12
    assert any(len(p.people) >= 5 and p.district for p in parties)
    assert {p.method for p in parties} == {"card", "invoice"}
    assert any(p.card_attempts[0] == "declined" for p in parties)
