"""The organisers' decision on an abstract: accepted (in any format) or rejected, once."""

from __future__ import annotations

import logging

from schemas.abstracts import AbstractFormat, Decision
from services.abstracts.commands.context import Deps
from services.abstracts.domain import reviews
from services.abstracts.domain.abstract import Abstract
from services.abstracts.domain.errors import NotAllowed, NotFound

log = logging.getLogger("congress.abstracts")


async def decide(deps: Deps, abstract_id: str, decision: Decision, fmt: AbstractFormat | None, who: str) -> Abstract:
    """Accept (in the asked or another format) or reject, once: a decided abstract is not decided again (409)."""
    async with deps.units() as unit:
        abstract = await unit.abstracts.get(abstract_id)
        if abstract is None:
            raise NotFound(abstract_id)
        counted = await unit.abstracts.reviews_of(abstract_id)
        mean = reviews.mean_score(r["scores"] for r in counted)
        comments = [r["comments_to_authors"] for r in counted]
        decided, event = abstract.decide(decision, fmt, who, deps.clock(), mean, comments, deps.congress.id)
        if not await unit.abstracts.save(decided, was=abstract.status):
            raise NotAllowed(f"{abstract.reference} was decided meanwhile by someone else")
        unit.stage(event)
    log.info("abstract decided", extra={"abstract_id": abstract_id, "decision": decision.value})
    return decided
