"""A delegate's privacy choices: the notice they were shown, their optional consents, and the special-category
data (dietary and accessibility needs) that is kept only with its own explicit consent. No I/O here.

Special needs never travel in events: they live in their own table, are read only by organisers holding
``sees_special_needs``, and go with retention or erasure (docs/privacy.md "Special categories").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Diet(StrEnum):
    """The standard dietary requirements a caterer plans for; anything else goes in the free text."""

    VEGETARIAN = "vegetarian"
    VEGAN = "vegan"
    HALAL = "halal"
    KOSHER = "kosher"
    GLUTEN_FREE = "gluten-free"
    LACTOSE_FREE = "lactose-free"
    NUT_ALLERGY = "nut-allergy"
    SEAFOOD_ALLERGY = "seafood-allergy"


class Access(StrEnum):
    """Accessibility needs the venue plans for; anything else goes in the free text (and counts as ``other``)."""

    WHEELCHAIR = "wheelchair"
    HEARING_LOOP = "hearing-loop"
    COMPANION = "companion"
    OTHER = "other"


DIET_LABELS = {
    Diet.VEGETARIAN: "Vegetarian",
    Diet.VEGAN: "Vegan",
    Diet.HALAL: "Halal",
    Diet.KOSHER: "Kosher",
    Diet.GLUTEN_FREE: "Gluten-free",
    Diet.LACTOSE_FREE: "Lactose-free",
    Diet.NUT_ALLERGY: "Nut allergy",
    Diet.SEAFOOD_ALLERGY: "Seafood or shellfish allergy",
}
ACCESS_LABELS = {
    Access.WHEELCHAIR: "Wheelchair access",
    Access.HEARING_LOOP: "Hearing loop",
    Access.COMPANION: "I come with a companion (carer)",
    Access.OTHER: "Other (say below)",
}


@dataclass(frozen=True)
class Consents:
    """The notice shown and the optional consents; each optional one is off unless the person ticked it."""

    notice_version: str
    notice_language: str
    listed: bool = False
    """Shown in the participants' list."""
    photos: bool = False
    """May appear in the congress's photographs."""
    sponsors: bool = False
    """Contact details may be shared with sponsors."""


@dataclass(frozen=True)
class SpecialNeeds:
    """Dietary and accessibility needs, as the delegate gave them (kept only with explicit consent)."""

    diets: tuple[Diet, ...] = ()
    diet_other: str = ""
    access: tuple[Access, ...] = ()
    access_other: str = ""

    @property
    def empty(self) -> bool:
        return not (self.diets or self.diet_other or self.access or self.access_other)


def to_keep(needs: SpecialNeeds, *, consented: bool) -> SpecialNeeds | None:
    """What may be stored: nothing without the explicit consent, nothing when nothing was given."""
    if not consented or needs.empty:
        return None
    access = needs.access
    if needs.access_other and Access.OTHER not in access:
        access = (*access, Access.OTHER)
    return SpecialNeeds(
        tuple(dict.fromkeys(needs.diets)), needs.diet_other, tuple(dict.fromkeys(access)), needs.access_other
    )


@dataclass(frozen=True)
class NeedsCount:
    """Counts for catering and venue planning: how many people need each thing, and how many gave free text."""

    people: int
    diets: dict[str, int]
    access: dict[str, int]
    diet_notes: int


def count(all_needs: Iterable[SpecialNeeds]) -> NeedsCount:
    """Count needs per standard item (a person counts once per item); free-text dietary notes are counted apart."""
    diets: Counter[str] = Counter()
    access: Counter[str] = Counter()
    people = notes = 0
    for needs in all_needs:
        people += 1
        diets.update(set(needs.diets))
        access.update(set(needs.access))
        notes += bool(needs.diet_other)
    return NeedsCount(
        people,
        {d.value: diets[d.value] for d in Diet},
        {a.value: access[a.value] for a in Access},
        notes,
    )


def expired(now: datetime, gone_from: datetime) -> bool:
    """Whether data whose retention ends at ``gone_from`` must be gone at ``now``."""
    return now >= gone_from
