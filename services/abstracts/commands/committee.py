"""The committee's commands: add reviewers, assign and unassign them, record reviews, decide abstracts."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from dataclasses import dataclass
from typing import Any

from schemas.abstracts import (
    AbstractDecided,
    AbstractFormat,
    Decision,
    Recommendation,
    ReviewerAssignedV2,
    ReviewerUnassigned,
    ReviewSubmitted,
)
from services.abstracts.adapters import db
from services.abstracts.commands import expertise
from services.abstracts.commands.context import (
    Deps,
    LinkProblem,
    NotAllowed,
    NotFound,
    Rejected,
    Row,
    authors_of,
    found,
    new_id,
    portal_link,
    reviewer_claims,
)
from services.abstracts.domain import submission as domain
from services.abstracts.domain.matching import committee_plan
from services.common.sealing import NOTIFY_LINK, seal
from services.common.text import clean_for_display
from services.common.text import problem as text_problem

log = logging.getLogger("congress.abstracts")
ASSIGN_LOCK = "assign-runs"


@dataclass(frozen=True)
class ReviewerDraft:
    name: str
    email: str
    affiliation: str
    networks: tuple[str, ...]
    language: str


async def add_reviewer(deps: Deps, draft: ReviewerDraft) -> Row:
    errors: dict[str, str] = {}
    if not draft.name:
        errors["name"] = "Please fill in the reviewer's name."
    if not deps.is_email(draft.email):
        errors["email"] = "Enter an email address like name@example.org."
    if not draft.affiliation:
        errors["affiliation"] = "Please fill in the reviewer's institution (it is used to avoid conflicts)."
    for name in ("name", "affiliation"):
        if name not in errors and (message := text_problem(getattr(draft, name))):
            errors[name] = message
    if not draft.networks or any(n not in deps.rules.networks for n in draft.networks):
        errors["networks"] = "Choose at least one network they review for."
    if draft.language not in deps.rules.languages:
        errors["language"] = "Choose the language of their emails."
    async with deps.sessionmaker() as session, session.begin():
        if "email" not in errors and await db.reviewer_by_email(session, draft.email):
            errors["email"] = "A reviewer with this email is already on the list."
        if errors:
            raise Rejected(errors)
        reviewer_id = new_id("rev")
        await db.add_reviewer(
            session,
            id=reviewer_id,
            name=draft.name,
            email=draft.email,
            affiliation=draft.affiliation,
            networks=list(draft.networks),
            language=draft.language,
            link_version=1,
            created_at=deps.clock(),
        )
        row = found(await db.get_reviewer(session, reviewer_id))
    log.info("reviewer added", extra={"reviewer_id": reviewer_id})
    return row


async def revoke_link(deps: Deps, reviewer_id: str) -> None:
    """Make the reviewer's current portal link stop working; their next link is a new one."""
    async with deps.sessionmaker() as session, session.begin():
        if await db.get_reviewer(session, reviewer_id) is None:
            raise NotFound(reviewer_id)
        await db.bump_link_version(session, reviewer_id)
    log.info("reviewer link revoked", extra={"reviewer_id": reviewer_id})


def _needs(abstracts: list[Row], assignments: list[Row]) -> list[domain.Need]:
    active: dict[str, set[str]] = {}
    ended: dict[str, set[str]] = {}
    for a in assignments:
        (active if a["active"] else ended).setdefault(a["abstract_id"], set()).add(a["reviewer_id"])
    return [
        domain.Need(
            abstract_id=row["id"],
            reference=row["reference"],
            network=row["network"],
            author_emails=frozenset(a.email for a in authors_of(row)),
            author_affiliations=frozenset(a.affiliation for a in authors_of(row)),
            assigned=frozenset(active.get(row["id"], set())),
            excluded=frozenset(ended.get(row["id"], set())),
        )
        for row in abstracts
    ]


async def assign_all(deps: Deps) -> domain.AssignmentPlan:
    """Top every undecided abstract up to the configured number of reviewers, by affinity (the optimal engine,
    ``matching.committee_plan``); reviewers already on an abstract stay; ReviewerAssigned per pair."""
    now = deps.clock()
    async with deps.sessionmaker() as session, session.begin():
        await db.next_number(session, ASSIGN_LOCK)  # one assignment run at a time
        every = await db.list_abstracts(session)
        abstracts = {row["id"]: row for row in every if row["status"] == "submitted"}
        reviewers = {row["id"]: row for row in await db.list_reviewers(session)}
        assignments = await db.all_assignments(session)
        load = Counter(a["reviewer_id"] for a in assignments if a["active"])
        candidates = [
            domain.Candidate(r["id"], r["email"], r["affiliation"], frozenset(r["networks"]))
            for r in reviewers.values()
        ]
        texts = expertise.texts(list(abstracts.values()), every, list(reviewers.values()))
        # TF-IDF and the flows take CPU time: off the event loop, so the service keeps answering meanwhile
        plan = await asyncio.to_thread(
            committee_plan.plan,
            _needs(list(abstracts.values()), assignments),
            candidates,
            deps.config.reviewers_per_abstract,
            load,
            texts,
            max_load=deps.config.max_reviews_per_reviewer,
            fallback=deps.config.network_fallback,
        )
        for abstract_id, reviewer_id in plan.pairs:
            await db.add_assignment(session, abstract_id, reviewer_id, now)
            deps.outbox.add(session, _assigned(deps, abstracts[abstract_id], reviewers[reviewer_id]))
    for abstract_id, reviewer_id in plan.pairs:
        log.info("reviewer assigned", extra={"abstract_id": abstract_id, "reviewer_id": reviewer_id})
    return plan


def _assigned(deps: Deps, abstract: Row, reviewer: Row) -> ReviewerAssignedV2:
    return ReviewerAssignedV2(
        congress_id=deps.congress.id,
        abstract_id=abstract["id"],
        reviewer_id=reviewer["id"],
        reviewer_name=reviewer["name"],
        reviewer_email=reviewer["email"],
        reviewer_language=reviewer["language"],
        reference=abstract["reference"],
        title=abstract["title"],
        network=abstract["network"],
        due_on=deps.config.review_due_on,
        sealed_portal_link=seal(deps.secret, NOTIFY_LINK, portal_link(deps, reviewer), bound_to=reviewer["id"]),
    )


async def unassign(deps: Deps, abstract_id: str, reviewer_id: str, reason: str) -> None:
    """Take a reviewer off an undecided abstract; they are never assigned to it again."""
    reason = clean_for_display(reason)[:500] or "taken off by the organisers"
    async with deps.sessionmaker() as session, session.begin():
        row = await db.get_abstract(session, abstract_id)
        if row is None:
            raise NotFound(abstract_id)
        if row["status"] != "submitted":
            raise NotAllowed(f"{row['reference']} is {row['status']}; its reviewers can no longer change")
        if not await db.end_assignment(session, abstract_id, reviewer_id, reason):
            raise NotFound(reviewer_id)
        deps.outbox.add(
            session,
            ReviewerUnassigned(
                congress_id=deps.congress.id, abstract_id=abstract_id, reviewer_id=reviewer_id, reason=reason
            ),
        )
    log.info("reviewer unassigned", extra={"abstract_id": abstract_id, "reviewer_id": reviewer_id})


async def reviewer_for(deps: Deps, token: str) -> Row:
    """The reviewer a portal link belongs to, if the link is genuine and not revoked."""
    reviewer_id, version = reviewer_claims(deps, token)
    async with deps.sessionmaker() as session:
        reviewer = await db.get_reviewer(session, reviewer_id)
    if reviewer is None or reviewer["link_version"] != version:
        raise LinkProblem(
            "This reviewer link was replaced",
            "The organisers issued a new link for you; use the one in your latest invitation.",
            410,
        )
    return reviewer


async def assigned_abstract(deps: Deps, reviewer: Row, abstract_id: str) -> Row:
    """An abstract assigned to this reviewer and not withdrawn; ``NotFound`` for any other."""
    async with deps.sessionmaker() as session:
        if not await db.is_assigned(session, abstract_id, reviewer["id"]):
            raise NotFound(abstract_id)
        row = await db.get_abstract(session, abstract_id)
        review = [r for r in await db.reviews_of(session, abstract_id) if r["reviewer_id"] == reviewer["id"]]
    if row is None or row["status"] == "withdrawn":
        raise NotFound(abstract_id)
    return row | {"my_review": review[0] if review else None}


async def record_review(deps: Deps, reviewer: Row, abstract_id: str, body: dict[str, Any]) -> None:
    """Save (or replace) the reviewer's review while the abstract is undecided; ReviewSubmitted."""
    row = await assigned_abstract(deps, reviewer, abstract_id)
    if row["status"] != "submitted":
        raise NotAllowed(f"{row['reference']} has been decided; reviews can no longer change")
    scores: dict[str, int | None] = body.get("scores", {})
    errors = domain.score_errors(scores, deps.config.criteria)
    if body.get("recommendation") not in {r.value for r in Recommendation}:
        errors["recommendation"] = "Choose a recommendation."
    for name in ("comments_to_authors", "comments_to_committee"):
        if len(body.get(name, "")) > 5000:
            errors[name] = "At most 5,000 characters please."
        elif message := text_problem(domain.nfc(body.get(name, ""), multiline=True), multiline=True):
            errors[name] = message
    if errors:
        raise Rejected(errors)
    now = deps.clock()
    event = ReviewSubmitted(
        congress_id=deps.congress.id,
        abstract_id=abstract_id,
        reviewer_id=reviewer["id"],
        scores={k: int(v) for k, v in scores.items() if v is not None},
        recommendation=Recommendation(body["recommendation"]),
        comments_to_authors=domain.nfc(body.get("comments_to_authors", ""), multiline=True),
        comments_to_committee=domain.nfc(body.get("comments_to_committee", ""), multiline=True),
        submitted_at=now,
    )
    async with deps.sessionmaker() as session, session.begin():
        if (await db.get_abstract(session, abstract_id) or {}).get("status") != "submitted":
            raise NotAllowed(f"{row['reference']} has been decided; reviews can no longer change")
        await db.save_review(
            session,
            **event.model_dump(include={"abstract_id", "reviewer_id", "scores", "submitted_at"}),
            recommendation=event.recommendation.value,
            comments_to_authors=event.comments_to_authors,
            comments_to_committee=event.comments_to_committee,
        )
        deps.outbox.add(session, event)
    log.info("review submitted", extra={"abstract_id": abstract_id, "reviewer_id": reviewer["id"]})


async def decide(deps: Deps, abstract_id: str, decision: Decision, fmt: AbstractFormat | None, who: str) -> Row:
    """Accept (in the asked or another format) or reject, once: a decided abstract is not decided again (409)."""
    now = deps.clock()
    async with deps.sessionmaker() as session, session.begin():
        row = await db.get_abstract(session, abstract_id)
        if row is None:
            raise NotFound(abstract_id)
        if row["status"] == "withdrawn":
            raise NotAllowed(f"{row['reference']} was withdrawn by its authors; there is nothing to decide")
        if row["status"] != "submitted":
            raise NotAllowed(
                f"{row['reference']} was already decided ({row['status']} by {row['decided_by']}); "
                "a decision cannot be changed here"
            )
        reviews = await db.reviews_of(session, abstract_id)
        mean = domain.mean_score(r["scores"] for r in reviews)
        chosen = fmt or AbstractFormat(row["format"])
        values = {"decided_format": chosen.value, "decided_by": who, "decided_at": now, "mean_score": mean}
        if not await db.change_abstract(session, abstract_id, "submitted", status=decision.value, **values):
            raise NotAllowed(f"{row['reference']} was decided meanwhile by someone else")
        deps.outbox.add(
            session,
            AbstractDecided(
                congress_id=deps.congress.id,
                abstract_id=abstract_id,
                reference=row["reference"],
                title=row["title"],
                decision=decision,
                format=chosen,
                network=row["network"],
                authors=authors_of(row),
                submitter_email=row["submitter_email"],
                mean_score=mean,
                comments_to_authors=tuple(r["comments_to_authors"] for r in reviews if r["comments_to_authors"]),
                decided_at=now,
                decided_by=who,
            ),
        )
    log.info("abstract decided", extra={"abstract_id": abstract_id, "decision": decision.value})
    return row | {"status": decision.value, **values}
