"""The demo congress's delegates: names in their own scripts, institutions, categories and choices.

Names come from ``data/people.yaml`` (a few given and family names per country, in the order
the country writes them). Everything is drawn from one ``random.Random(seed)``, so the same
seed gives the same congress.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

PEOPLE_FILE = Path(__file__).parent / "data" / "people.yaml"
# The mix of an international education congress: mostly members and non-members, about a fifth students.
CATEGORIES = ("member", "non-member", "student", "one-day", "accompanying")
CATEGORY_WEIGHTS = (40, 33, 20, 4, 3)
# A popular workshop fills first; the dinner fills at the size of a real edition.
WORKSHOPS = ("ws-ece", "ws-leadership", "ws-data-use", "ws-pln")
WORKSHOP_WEIGHTS = (4, 3, 2, 1)
MEETINGS = ("bm-leadership", "bm-data-use")


@dataclass(frozen=True)
class Country:
    code: str
    script: str
    language: str
    weight: int
    order: str
    gendered: bool
    given: tuple[str, ...]
    family: tuple[str, ...]
    affiliations: tuple[str, ...]
    districts: tuple[str, ...] = ()


@dataclass
class Person:
    """One delegate as they would fill in the registration form."""

    index: int
    given_name: str
    family_name: str
    badge_name: str
    affiliation: str
    country: str
    script: str
    email: str
    language: str
    category: str
    add_ons: list[str] = field(default_factory=list)

    def form(self, *, waitlist_if_full: bool) -> dict[str, Any]:
        """The JSON body of one delegate for ``POST /api/registrations``."""
        return {
            "given_name": self.given_name,
            "family_name": self.family_name,
            "badge_name": self.badge_name,
            "affiliation": self.affiliation,
            "country": self.country,
            "email": self.email,
            "language": self.language,
            "category": self.category,
            "add_ons": list(self.add_ons),
            "waitlist_if_full": waitlist_if_full,
        }


@cache
def countries(path: Path = PEOPLE_FILE) -> dict[str, Country]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {
        code: Country(
            code=code,
            script=c["script"],
            language=c["lang"],
            weight=int(c.get("weight", 1)),
            order=c.get("order", "gf"),
            gendered=bool(c.get("gendered", False)),
            given=tuple(c["given"]),
            family=tuple(c["family"]),
            affiliations=tuple(c["aff"]),
            districts=tuple(c.get("districts", ())),
        )
        for code, c in raw.items()
    }


def badge_name(country: Country, given: str, family: str) -> str:
    """The name as the delegate writes it: family first without a space in CJK, with one in Hungarian."""
    if country.order == "fg0":
        return family + given
    if country.order == "fg":
        return f"{family} {given}"
    return f"{given} {family}"


def ascii_handle(text: str) -> str:
    """A mailbox name from a Latin name (diacritics dropped); empty for other scripts."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "".join(ch for ch in folded if ch.isalnum())


class PeopleFactory:
    """Draws delegates; ``seed`` fixes every draw."""

    def __init__(self, seed: int, tag: str = "") -> None:
        self.rng = random.Random(seed)
        self.tag = tag or f"s{seed}"
        self.table = countries()
        self.codes = sorted(self.table)
        self.weights = [self.table[c].weight for c in self.codes]
        self.count = 0

    def country(self, code: str | None = None) -> Country:
        if code is None:
            code = self.rng.choices(self.codes, self.weights)[0]
        return self.table[code]

    def person(self, code: str | None = None, *, affiliation: str | None = None, category: str | None = None) -> Person:
        country = self.country(code)
        g = self.rng.randrange(len(country.given))
        families = [i for i in range(len(country.family)) if not country.gendered or i % 2 == g % 2]
        given, family = country.given[g], country.family[self.rng.choice(families)]
        self.count += 1
        handle = ascii_handle(given.split()[0] + family) if country.script == "Latin" else "delegate"
        email = f"{handle or 'delegate'}.{self.tag}.{self.count}@{country.code.lower()}.example.org"
        return Person(
            index=self.count,
            given_name=given,
            family_name=family,
            badge_name=badge_name(country, given, family),
            affiliation=affiliation or self.rng.choice(country.affiliations),
            country=country.code,
            script=country.script,
            email=email,
            language=country.language,
            category=category or self._category(),
            add_ons=self._add_ons(),
        )

    def _category(self) -> str:
        return self.rng.choices(CATEGORIES, CATEGORY_WEIGHTS)[0]

    def _add_ons(self) -> list[str]:
        chosen = []
        if self.rng.random() < 0.3:
            chosen.append(self.rng.choices(WORKSHOPS, WORKSHOP_WEIGHTS)[0])
        if self.rng.random() < 0.1:
            chosen.append(self.rng.choice(MEETINGS))
        if self.rng.random() < 0.45:
            chosen.append("dinner")
        return chosen

    def group(self, size: int) -> tuple[str, str, list[Person]]:
        """A school district's delegation: same country and institution, staff as members or non-members."""
        code = self.rng.choices(
            [c for c in self.codes if self.table[c].districts],
            [self.table[c].weight for c in self.codes if self.table[c].districts],
        )[0]
        district = self.rng.choice(self.table[code].districts)
        people = [
            self.person(code, affiliation=district, category=self.rng.choice(("member", "non-member", "non-member")))
            for _ in range(size)
        ]
        return code, district, people
