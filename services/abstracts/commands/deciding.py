"""The organisers' decision on an abstract: accepted (in any format) or rejected, once."""

from __future__ import annotations

import logging

from schemas.abstracts import AbstractFormat, Decision
from services.abstracts.commands import audited
from services.abstracts.commands.context import Deps
from services.abstracts.domain import reviews
from services.abstracts.domain.abstract import Abstract
from services.abstracts.domain.errors import NotAllowed, NotFound
from services.common.audit import Actor

log = logging.getLogger("congress.abstracts")


async def decide(
    deps: Deps, abstract_id: str, decision: Decision, fmt: AbstractFormat | None, actor: Actor
) -> Abstract:
    """Accept (in the asked or another format) or reject, once: a decided abstract is not decided again (409)."""
    async with deps.units() as unit:
        abstract = await unit.abstracts.get(abstract_id)
        if abstract is None:
            raise NotFound(abstract_id)
        counted = await unit.abstracts.reviews_of(abstract_id)
        mean = reviews.mean_score(r["scores"] for r in counted)
        comments = [r["comments_to_authors"] for r in counted]
        decided, event = abstract.decide(decision, fmt, actor.name, deps.clock(), mean, comments, deps.congress.id)
        if not await unit.abstracts.save(decided, was=abstract.status):
            raise NotAllowed(f"{abstract.reference} was decided meanwhile by someone else")
        unit.stage(event)
        audited.note(
            deps,
            unit,
            "abstracts.decide",
            actor,
            abstract_id,
            decision=decision.value,
            format=decided.decided_format.value if decided.decided_format else None,
            mean_score=mean,
            reviews=len(counted),
        )
    log.info("abstract decided", extra={"abstract_id": abstract_id, "decision": decision.value})
    return decided
