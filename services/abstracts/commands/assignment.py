"""The committee's assignment commands: give every undecided abstract its reviewers, take one off."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from functools import partial

from schemas.abstracts import ReviewerAssignedV2, ReviewerUnassigned
from services.abstracts.commands import audited
from services.abstracts.commands.context import Deps, Row
from services.abstracts.commands.links import portal_link
from services.abstracts.domain.abstract import Abstract, Status
from services.abstracts.domain.assignment import AssignmentPlan, Candidate, Need
from services.abstracts.domain.errors import NotAllowed, NotFound
from services.abstracts.domain.matching import committee_plan, profiles
from services.abstracts.domain.reviewer_profile import Profile, load_cap
from services.abstracts.domain.submission import fold
from services.common.audit import Actor
from services.common.sealing import NOTIFY_LINK, seal
from services.common.text import clean_for_display

log = logging.getLogger("congress.abstracts")
ASSIGN_LOCK = "assign-runs"
"""The counter row whose lock lets one assignment run at a time."""


def _needs(abstracts: list[Abstract], assignments: list[Row], same_country: bool) -> list[Need]:
    active: dict[str, set[str]] = {}
    ended: dict[str, set[str]] = {}
    for a in assignments:
        (active if a["active"] else ended).setdefault(a["abstract_id"], set()).add(a["reviewer_id"])
    return [
        Need(
            abstract_id=abstract.id,
            reference=abstract.reference,
            network=abstract.network,
            author_emails=frozenset(a.email for a in abstract.authors),
            author_affiliations=frozenset(a.affiliation for a in abstract.authors),
            assigned=frozenset(active.get(abstract.id, set())),
            excluded=frozenset(ended.get(abstract.id, set())),
            author_names=frozenset(fold(f"{a.given_name} {a.family_name}") for a in abstract.authors),
            author_countries=frozenset(a.country for a in abstract.authors) if same_country else frozenset(),
        )
        for abstract in abstracts
    ]


def _coauthors(every: list[Abstract]) -> dict[str, frozenset[str]]:
    """Address → the addresses of everyone they wrote an abstract with in this call (casefolded)."""
    out: dict[str, set[str]] = {}
    for abstract in every:
        emails = {a.email.casefold() for a in abstract.authors}
        for email in emails:
            out.setdefault(email, set()).update(emails - {email})
    return {k: frozenset(v) for k, v in out.items()}


def candidates(reviewers: list[Row], every: list[Abstract], stated: dict[str, Profile]) -> list[Candidate]:
    """The reviewers as the assignment sees them, with what their profiles declare."""
    together = _coauthors(every)
    return [
        Candidate(
            r["id"],
            r["email"],
            r["affiliation"],
            frozenset(r["networks"]),
            declared=stated[r["id"]].declared() if r["id"] in stated else frozenset(),
            coauthors=together.get(r["email"].casefold(), frozenset()),
            country=stated[r["id"]].country if r["id"] in stated else None,
        )
        for r in reviewers
    ]


def caps(deps: Deps, reviewers: list[Row], stated: dict[str, Profile]) -> dict[str, int | None]:
    """Each reviewer's most abstracts: the load they set, within their networks' default."""
    out: dict[str, int | None] = {}
    for r in reviewers:
        network = load_cap(r["networks"], deps.config.default_loads, None)
        own = stated[r["id"]].max_load if r["id"] in stated else None
        out[r["id"]] = network if own is None else own if network is None else min(own, network)
    return out


async def assign_all(deps: Deps, actor: Actor) -> AssignmentPlan:
    """Top every undecided abstract up to the configured number of reviewers, by affinity (the optimal engine,
    ``matching.committee_plan``); reviewers already on an abstract stay; ReviewerAssigned per pair."""
    return await _run(deps, None, actor)


async def ask_another(deps: Deps, abstract_id: str, actor: Actor) -> AssignmentPlan:
    """One reviewer more for one undecided abstract (its reviewers disagree), chosen by the same engine with
    the same conflicts, bids and loads; the reviewers on it and their reviews stay; ReviewerAssigned (the
    invitation mail) for the new one. The plan's shortfall says why when nobody can be added."""
    async with deps.units.reading() as unit:
        abstract = await unit.abstracts.get(abstract_id)
    if abstract is None:
        raise NotFound(abstract_id)
    abstract.refuse_unless_reviewers_may_change()
    return await _run(deps, abstract_id, actor)


async def _run(deps: Deps, only: str | None, actor: Actor) -> AssignmentPlan:
    """Assign by the engine (every undecided abstract, or ``only`` one more for that one); each pair is recorded
    on the audit trail as ``abstracts.assign`` (a run) or ``abstracts.ask-another`` (one more)."""
    action = "abstracts.assign" if only is None else "abstracts.ask-another"
    now = deps.clock()
    async with deps.units() as unit:
        await unit.abstracts.next_number(ASSIGN_LOCK)  # one assignment run at a time
        every = await unit.abstracts.listing()
        abstracts = {a.id: a for a in every if a.status is Status.SUBMITTED and only in (None, a.id)}
        reviewers = {row["id"]: row for row in await unit.abstracts.reviewers()}
        assignments = await unit.abstracts.assignments()
        needs = _needs(list(abstracts.values()), assignments, deps.config.conflict_same_country)
        if only is not None and not needs:
            raise NotAllowed("the abstract was decided or withdrawn meanwhile; its reviewers can no longer change")
        per_abstract = deps.config.reviewers_per_abstract if only is None else len(needs[0].assigned) + 1
        stated = await unit.profiles.profiles()
        bids = await unit.profiles.all_bids()
        load = Counter(a["reviewer_id"] for a in assignments if a["active"])
        rows = list(reviewers.values())
        texts = profiles.texts(list(abstracts.values()), every, {r["id"]: r["email"] for r in rows}, stated)
        # TF-IDF and the flows take CPU time: off the event loop, so the service keeps answering meanwhile
        plan = await asyncio.to_thread(
            partial(
                committee_plan.plan,
                needs,
                candidates(rows, every, stated),
                per_abstract,
                load,
                texts,
                bids,
                max_load=deps.config.max_reviews_per_reviewer,
                fallback=deps.config.network_fallback,
                caps=caps(deps, rows, stated),
            )
        )
        for abstract_id, reviewer_id in plan.pairs:
            await unit.abstracts.assign(abstract_id, reviewer_id, now)
            unit.stage(_assigned(deps, abstracts[abstract_id], reviewers[reviewer_id]))
            other = (abstract_id, reviewer_id) in plan.fallbacks
            audited.note(deps, unit, action, actor, abstract_id, reviewer_id=reviewer_id, other_network=other)
    for abstract_id, reviewer_id in plan.pairs:
        log.info("reviewer assigned", extra={"abstract_id": abstract_id, "reviewer_id": reviewer_id})
    return plan


def _assigned(deps: Deps, abstract: Abstract, reviewer: Row) -> ReviewerAssignedV2:
    return ReviewerAssignedV2(
        congress_id=deps.congress.id,
        abstract_id=abstract.id,
        reviewer_id=reviewer["id"],
        reviewer_name=reviewer["name"],
        reviewer_email=reviewer["email"],
        reviewer_language=reviewer["language"],
        reference=abstract.reference,
        title=abstract.title,
        network=abstract.network,
        due_on=deps.config.review_due_on,
        sealed_portal_link=seal(deps.secret, NOTIFY_LINK, portal_link(deps, reviewer), bound_to=reviewer["id"]),
    )


async def unassign(deps: Deps, abstract_id: str, reviewer_id: str, reason: str, actor: Actor) -> None:
    """Take a reviewer off an undecided abstract; they are never assigned to it again."""
    reason = clean_for_display(reason)[:500] or "taken off by the organisers"
    async with deps.units() as unit:
        abstract = await unit.abstracts.get(abstract_id)
        if abstract is None:
            raise NotFound(abstract_id)
        abstract.refuse_unless_reviewers_may_change()
        if not await unit.abstracts.end_assignment(abstract_id, reviewer_id, reason):
            raise NotFound(reviewer_id)
        unit.stage(
            ReviewerUnassigned(
                congress_id=deps.congress.id, abstract_id=abstract_id, reviewer_id=reviewer_id, reason=reason
            )
        )
        audited.note(deps, unit, "abstracts.unassign", actor, abstract_id, reason=reason, reviewer_id=reviewer_id)
    log.info("reviewer unassigned", extra={"abstract_id": abstract_id, "reviewer_id": reviewer_id})
