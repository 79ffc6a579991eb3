"""The organisers' reviewer commands: add a reviewer, revoke their link, list them with their load."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.abstracts.commands import audited
from services.abstracts.commands.context import Deps, Row
from services.abstracts.commands.links import portal_link
from services.abstracts.domain.abstract import Abstract, Status
from services.abstracts.domain.errors import NotFound, Rejected
from services.common.audit import Actor
from services.common.db import new_id
from services.common.text import problem as text_problem

log = logging.getLogger("congress.abstracts")


@dataclass(frozen=True)
class ReviewerDraft:
    name: str
    email: str
    affiliation: str
    networks: tuple[str, ...]
    language: str


def _errors(deps: Deps, draft: ReviewerDraft) -> dict[str, str]:
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
    return errors


async def add_reviewer(deps: Deps, draft: ReviewerDraft, actor: Actor) -> Row:
    errors = _errors(deps, draft)
    async with deps.units() as unit:
        if "email" not in errors and await unit.abstracts.reviewer_by_email(draft.email):
            errors["email"] = "A reviewer with this email is already on the list."
        if errors:
            raise Rejected(errors)
        reviewer_id = new_id("rev")
        await unit.abstracts.add_reviewer(
            id=reviewer_id,
            name=draft.name,
            email=draft.email,
            affiliation=draft.affiliation,
            networks=list(draft.networks),
            language=draft.language,
            link_version=1,
            created_at=deps.clock(),
        )
        row = await unit.abstracts.reviewer(reviewer_id)
        networks = ",".join(draft.networks)
        audited.note(
            deps, unit, "abstracts.reviewer.add", actor, reviewer_id, networks=networks, language=draft.language
        )
    if row is None:
        raise NotFound(reviewer_id)
    log.info("reviewer added", extra={"reviewer_id": reviewer_id})
    return row


async def revoke_link(deps: Deps, reviewer_id: str, actor: Actor) -> None:
    """Make the reviewer's current portal link stop working; their next link is a new one."""
    async with deps.units() as unit:
        if await unit.abstracts.reviewer(reviewer_id) is None:
            raise NotFound(reviewer_id)
        await unit.abstracts.bump_link_version(reviewer_id)
        audited.note(deps, unit, "abstracts.reviewer.revoke-link", actor, reviewer_id)
    log.info("reviewer link revoked", extra={"reviewer_id": reviewer_id})


async def reviewer_rows(deps: Deps) -> list[dict[str, Any]]:
    """Reviewers with their load (active assignments of abstracts not withdrawn) and reviews done."""
    async with deps.units.reading() as unit:
        reviewers = await unit.abstracts.reviewers()
        withdrawn = {a.id for a in await unit.abstracts.listing(status=Status.WITHDRAWN)}
        assignments = [
            a for a in await unit.abstracts.assignments() if a["active"] and a["abstract_id"] not in withdrawn
        ]
        done = Counter(r["reviewer_id"] for r in await unit.abstracts.all_reviews())
    load = Counter(a["reviewer_id"] for a in assignments)
    return [
        {
            "reviewer_id": r["id"],
            "name": r["name"],
            "email": r["email"],
            "affiliation": r["affiliation"],
            "networks": r["networks"],
            "language": r["language"],
            "load": load[r["id"]],
            "reviews_done": done[r["id"]],
            "portal_link": portal_link(deps, r),
        }
        for r in reviewers
    ]


@dataclass(frozen=True)
class ReviewerFile:
    """One reviewer as the organisers' page shows them: their row (networks, load) and what they are assigned."""

    reviewer: dict[str, Any]
    assignments: list[tuple[Abstract, datetime | None]]
    """Their active assignments, each with when they reviewed it (None: not yet)."""


async def reviewer_file(deps: Deps, reviewer_id: str) -> ReviewerFile:
    """A reviewer's page content; ``NotFound`` for an unknown id."""
    row = next((r for r in await reviewer_rows(deps) if r["reviewer_id"] == reviewer_id), None)
    if row is None:
        raise NotFound(reviewer_id)
    async with deps.units.reading() as unit:
        assigned = await unit.abstracts.assigned_to(reviewer_id)
    return ReviewerFile(row, sorted(assigned, key=lambda pair: pair[0].reference))
