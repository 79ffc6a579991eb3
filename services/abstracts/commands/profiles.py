"""A reviewer's own page (portal link): their profile (keywords, abstracts of their own, maximum load, country,
declared conflicts) and their bids on the undecided abstracts of their networks — seen blind."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from services.abstracts.commands.context import Deps, Row
from services.abstracts.domain.abstract import Abstract, Status
from services.abstracts.domain.errors import Rejected
from services.abstracts.domain.reviewer_profile import BIDS, Profile, load_cap, validated
from services.common.countries import COUNTRY_CODES


@dataclass(frozen=True)
class ProfileView:
    """What the profile page shows: the profile, the most load they may ask for, keywords to choose from."""

    profile: Profile
    cap: int | None
    keyword_choices: tuple[str, ...]


@dataclass(frozen=True)
class Typed:
    """A profile as typed in the form or the JSON."""

    keywords: Sequence[str]
    own_abstracts: Sequence[str]
    max_load: str
    country: str
    conflicts: str


def cap_for(deps: Deps, reviewer: Row) -> int | None:
    return load_cap(reviewer["networks"], deps.config.default_loads, deps.config.max_reviews_per_reviewer)


async def open_in_networks(deps: Deps, reviewer: Row) -> list[Abstract]:
    """The undecided abstracts of the reviewer's networks, by reference."""
    async with deps.units.reading() as unit:
        every = await unit.abstracts.listing(status=Status.SUBMITTED)
    return [a for a in every if a.network in set(reviewer["networks"])]


async def view(deps: Deps, reviewer: Row) -> ProfileView:
    async with deps.units.reading() as unit:
        profile = await unit.profiles.profile(reviewer["id"]) or Profile(reviewer["id"])
    words = sorted({k for a in await open_in_networks(deps, reviewer) for k in a.keywords}, key=str.casefold)
    return ProfileView(profile, cap_for(deps, reviewer), tuple(words))


async def save_profile(deps: Deps, reviewer: Row, typed: Typed) -> Profile:
    """Validate and keep the profile (``Rejected`` names each mistake)."""
    profile = validated(
        reviewer["id"],
        keywords=typed.keywords,
        own_abstracts=typed.own_abstracts,
        max_load=typed.max_load,
        country=typed.country,
        conflicts=typed.conflicts,
        cap=cap_for(deps, reviewer),
        countries=COUNTRY_CODES,
    )
    async with deps.units() as unit:
        await unit.profiles.save_profile(profile, deps.clock())
    return profile


async def biddable(deps: Deps, reviewer: Row) -> tuple[list[Abstract], dict[str, str]]:
    """The abstracts they may bid on, and their bids so far."""
    abstracts = await open_in_networks(deps, reviewer)
    async with deps.units.reading() as unit:
        mine = await unit.profiles.bids_of(reviewer["id"])
    return abstracts, mine


async def save_bids(deps: Deps, reviewer: Row, chosen: Mapping[str, str]) -> int:
    """Keep the bids (``none`` clears one); only on undecided abstracts of their networks. Returns how many."""
    allowed = {a.id for a in await open_in_networks(deps, reviewer)}
    errors = {f"bids.{a}": "Not an undecided abstract of your networks." for a in chosen if a not in allowed} | {
        f"bids.{a}": f"Bid one of {', '.join(BIDS)} or none." for a, b in chosen.items() if b not in (*BIDS, "none")
    }
    if errors:
        raise Rejected(errors)
    async with deps.units() as unit:
        await unit.profiles.save_bids(reviewer["id"], chosen, deps.clock())
    return len(chosen)
