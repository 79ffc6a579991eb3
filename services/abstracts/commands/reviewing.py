"""The reviewer's commands (portal link, no account): who the link belongs to, what is assigned to them,
and recording their review while the abstract is undecided."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from schemas.abstracts import Recommendation, ReviewSubmitted
from services.abstracts.commands.context import Deps, Row
from services.abstracts.commands.links import LinkProblem, reviewer_claims
from services.abstracts.domain import reviews
from services.abstracts.domain.abstract import Abstract, Status
from services.abstracts.domain.errors import NotFound, Rejected
from services.abstracts.domain.submission import nfc
from services.common.text import problem as text_problem

log = logging.getLogger("congress.abstracts")


@dataclass(frozen=True)
class Assigned:
    """An abstract assigned to a reviewer, and their own review of it (if any)."""

    abstract: Abstract
    my_review: Row | None = None
    reviewed_at: datetime | None = None


async def reviewer_for(deps: Deps, token: str) -> Row:
    """The reviewer a portal link belongs to, if the link is genuine and not revoked."""
    reviewer_id, version = reviewer_claims(deps, token)
    async with deps.units.reading() as unit:
        reviewer = await unit.abstracts.reviewer(reviewer_id)
    if reviewer is None or reviewer["link_version"] != version:
        raise LinkProblem(
            "This reviewer link was replaced",
            "The organisers issued a new link for you; use the one in your latest invitation.",
            410,
        )
    return reviewer


async def assigned(deps: Deps, reviewer: Row) -> list[Assigned]:
    """The abstracts (not withdrawn) assigned to this reviewer, by reference."""
    async with deps.units.reading() as unit:
        found = await unit.abstracts.assigned_to(reviewer["id"])
    return [Assigned(abstract, reviewed_at=at) for abstract, at in found]


async def assigned_abstract(deps: Deps, reviewer: Row, abstract_id: str) -> Assigned:
    """An abstract assigned to this reviewer and not withdrawn; ``NotFound`` for any other."""
    async with deps.units.reading() as unit:
        if not await unit.abstracts.is_assigned(abstract_id, reviewer["id"]):
            raise NotFound(abstract_id)
        abstract = await unit.abstracts.get(abstract_id)
        mine = [r for r in await unit.abstracts.reviews_of(abstract_id) if r["reviewer_id"] == reviewer["id"]]
    if abstract is None or abstract.status is Status.WITHDRAWN:
        raise NotFound(abstract_id)
    return Assigned(abstract, mine[0] if mine else None)


def _review_errors(deps: Deps, fmt: str, scores: dict[str, int | None], body: dict[str, Any]) -> dict[str, str]:
    errors = reviews.score_errors(scores, deps.config.criteria_for(fmt))
    if body.get("recommendation") not in {r.value for r in Recommendation}:
        errors["recommendation"] = "Choose a recommendation."
    for name in ("comments_to_authors", "comments_to_committee"):
        if len(body.get(name, "")) > 5000:
            errors[name] = "At most 5,000 characters please."
        elif message := text_problem(nfc(body.get(name, ""), multiline=True), multiline=True):
            errors[name] = message
    return errors


async def record_review(deps: Deps, reviewer: Row, abstract_id: str, body: dict[str, Any]) -> None:
    """Save (or replace) the reviewer's review while the abstract is undecided; ReviewSubmitted."""
    assigned = (await assigned_abstract(deps, reviewer, abstract_id)).abstract
    assigned.refuse_unless_reviewable()
    scores: dict[str, int | None] = body.get("scores", {})
    errors = _review_errors(deps, assigned.format.value, scores, body)
    if errors:
        raise Rejected(errors)
    event = ReviewSubmitted(
        congress_id=deps.congress.id,
        abstract_id=abstract_id,
        reviewer_id=reviewer["id"],
        scores={k: int(v) for k, v in scores.items() if v is not None},
        recommendation=Recommendation(body["recommendation"]),
        comments_to_authors=nfc(body.get("comments_to_authors", ""), multiline=True),
        comments_to_committee=nfc(body.get("comments_to_committee", ""), multiline=True),
        submitted_at=deps.clock(),
    )
    async with deps.units() as unit:
        abstract = await unit.abstracts.get(abstract_id)
        if abstract is None:
            raise NotFound(abstract_id)
        abstract.refuse_unless_reviewable()  # decided meanwhile
        await unit.abstracts.save_review(
            **event.model_dump(include={"abstract_id", "reviewer_id", "scores", "submitted_at"}),
            recommendation=event.recommendation.value,
            comments_to_authors=event.comments_to_authors,
            comments_to_committee=event.comments_to_committee,
        )
        unit.stage(event)
    log.info("review submitted", extra={"abstract_id": abstract_id, "reviewer_id": reviewer["id"]})
