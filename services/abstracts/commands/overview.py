"""What the organisers read: the abstracts table (with calibrated scores) and one abstract with its reviewers."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from services.abstracts.commands import expertise
from services.abstracts.commands.context import Deps, Row
from services.abstracts.domain import calibration, reviews
from services.abstracts.domain.abstract import Abstract, Status
from services.abstracts.domain.draft import Entry
from services.abstracts.domain.errors import NotFound
from services.abstracts.domain.matching.affinity import Affinity
from services.common.folding import search_key, words

SORTS = ("reference", "network", "format", "title", "status", "reviews", "mean", "calibrated")
"""The columns the organisers' abstracts table sorts by."""


def _searched(a: Abstract) -> str:
    """What an abstract is found by: reference, title and its authors' names, institutions and addresses."""
    people = [f"{p.given_name} {p.family_name} {p.affiliation} {p.email}" for p in a.authors]
    return search_key([a.reference, a.title, *people])


def _sort_key(sort: str) -> Any:
    def key(row: dict[str, Any]) -> tuple[Any, ...]:
        value = row["mean_score" if sort == "mean" else sort]
        return (value is None, value if value is not None else 0, row["reference"])

    return key


async def table(
    deps: Deps,
    network: str = "",
    status: str = "",
    order: str = "",
    *,
    q: str = "",
    sort: str = "",
    descending: bool = False,
) -> list[dict[str, Any]]:
    """The abstracts with their number of reviews, mean score (live until decided) and, beside it, the score
    calibrated for each reviewer's severity over all their reviews (``calibration``), its uncertainty and
    whether the reviewers disagree widely. ``order="calibrated"`` ranks by the calibrated score (best first,
    unreviewed last); otherwise by reference, or by ``sort`` (one of ``SORTS``; empty values last either
    way). ``q``: every folded word in the reference, title or an author's name, institution or address.
    An unknown ``status`` lists nothing."""
    chosen = Status(status) if status in set(Status) else None
    async with deps.units.reading() as unit:
        if status and chosen is None:
            abstracts: list[Abstract] = []
        else:
            abstracts = await unit.abstracts.listing(network=network or None, status=chosen)
        every_review = await unit.abstracts.all_reviews()
    by_abstract: dict[str, list[dict[str, int]]] = defaultdict(list)
    for review in every_review:
        by_abstract[review["abstract_id"]].append(review["scores"])
    fit = calibration.calibrate(
        [calibration.Review(r["abstract_id"], r["reviewer_id"], reviews.review_mean(r["scores"])) for r in every_review]
    ).abstracts
    wanted = words(q)
    abstracts = [a for a in abstracts if all(w in _searched(a) for w in wanted)] if wanted else abstracts
    listing: list[dict[str, Any]] = [
        {
            "abstract_id": a.id,
            "reference": a.reference,
            "network": a.network,
            "format": a.format,
            "title": a.title,
            "status": a.status,
            "reviews": len(by_abstract[a.id]),
            "mean_score": a.mean_score if a.decided_at else reviews.mean_score(by_abstract[a.id]),
            "decided_format": a.decided_format,
            "calibrated": fit[a.id].score if a.id in fit else None,
            "calibrated_sd": fit[a.id].sd if a.id in fit else None,
            "reviewers_disagree": fit[a.id].disagree if a.id in fit else False,
        }
        for a in abstracts
    ]
    if order == "calibrated":
        listing.sort(key=lambda r: (r["calibrated"] is None, -(r["calibrated"] or 0.0), r["reference"]))
    elif sort in SORTS:
        listing.sort(key=_sort_key(sort), reverse=descending)
        if descending:  # empty values stay last
            listing.sort(key=lambda r: r["mean_score" if sort == "mean" else sort] is None)
    return listing


@dataclass(frozen=True)
class Detail:
    """One abstract as the organisers see it: its reviewers (with their reviews), the mean, each one's fit,
    its calibrated score (None until reviewed) and the draft programme's session it is in (None: not placed)."""

    abstract: Abstract
    reviewers: list[Row]
    mean: float | None
    fit: dict[str, Affinity]
    calibrated: calibration.Calibrated | None = None
    session: Entry | None = None


async def detail(deps: Deps, abstract_id: str) -> Detail:
    async with deps.units.reading() as unit:
        abstract = await unit.abstracts.get(abstract_id)
        reviewers = await unit.abstracts.assigned_reviewers(abstract_id)
        every_review = await unit.abstracts.all_reviews()
        draft = await unit.programme.draft()
    if abstract is None:
        raise NotFound(abstract_id)
    mean = reviews.mean_score(r["scores"] for r in reviewers if r["scores"])
    fit = await expertise.explain(deps, abstract_id, [r["id"] for r in reviewers])
    calibrated = calibration.calibrate(
        [calibration.Review(r["abstract_id"], r["reviewer_id"], reviews.review_mean(r["scores"])) for r in every_review]
    ).abstracts.get(abstract_id)
    session = next((e for e in draft if any(t.abstract_id == abstract_id for t in e.session.talks)), None)
    return Detail(abstract, reviewers, mean, fit, calibrated, session)


async def network_of(deps: Deps, abstract_id: str) -> str:
    """The network an abstract was submitted to (``NotFound`` if there is no such abstract)."""
    async with deps.units.reading() as unit:
        abstract = await unit.abstracts.get(abstract_id)
    if abstract is None:
        raise NotFound(abstract_id)
    return abstract.network


async def reviewer_networks(deps: Deps, reviewer_id: str) -> frozenset[str]:
    """The networks a reviewer reviews for (``NotFound`` if there is no such reviewer)."""
    async with deps.units.reading() as unit:
        reviewer = await unit.abstracts.reviewer(reviewer_id)
    if reviewer is None:
        raise NotFound(reviewer_id)
    return frozenset(reviewer["networks"])
