"""Why each reviewer of an abstract fits it, for the organisers: affinity and shared terms, scored as the
assignment scores them (``domain.matching``)."""

from __future__ import annotations

from services.abstracts.commands.context import Deps
from services.abstracts.domain.abstract import Status
from services.abstracts.domain.matching import affinity, profiles


async def explain(deps: Deps, abstract_id: str, reviewer_ids: list[str]) -> dict[str, affinity.Affinity]:
    """The affinity of each of these reviewers for the abstract, scored as the assignment scores it (the same
    texts: every undecided abstract and every reviewer)."""
    async with deps.units.reading() as unit:
        every = await unit.abstracts.listing()
        reviewers = await unit.abstracts.reviewers()
        stated = await unit.profiles.profiles()
        bids = await unit.profiles.all_bids()
    open_abstracts = [a for a in every if a.status is Status.SUBMITTED or a.id == abstract_id]
    if abstract_id not in {a.id for a in open_abstracts}:
        return {}
    table = profiles.texts(open_abstracts, every, {r["id"]: r["email"] for r in reviewers}, stated)
    ids = [r["id"] for r in reviewers]
    scores = affinity.affinities(
        [table[a.id] for a in open_abstracts],
        [table[i] for i in ids],
        [(abstract_id, r) for r in reviewer_ids if r in table],
        bids,
    )
    return {r: a for (_, r), a in scores.items()}
