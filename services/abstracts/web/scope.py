"""A network convener sees and acts on their own networks only: the checks the organiser routes make.

``require_organiser`` has already checked the route-access table (services/abstracts/web/route_access.py);
on a network-scoped route a convener's ``Grant.networks`` names their networks (None: every network).
Another network's abstract or reviewer answers 404, as if it did not exist; lists show only theirs.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from fastapi import HTTPException

from services.abstracts.commands import overview
from services.abstracts.commands.context import Deps
from services.abstracts.domain.errors import NotFound
from services.common.roles import Grant


async def check_abstract(deps: Deps, grant: Grant, abstract_id: str) -> None:
    if grant.networks is not None and not grant.sees(await overview.network_of(deps, abstract_id)):
        raise NotFound(abstract_id)


async def check_reviewer(deps: Deps, grant: Grant, reviewer_id: str) -> None:
    if grant.networks is not None and not (await overview.reviewer_networks(deps, reviewer_id)) & grant.networks:
        raise NotFound(reviewer_id)


def check_new_reviewer(grant: Grant, networks: Iterable[str]) -> None:
    """A convener adds reviewers for their own networks only."""
    if grant.networks is not None and not set(networks) <= grant.networks:
        raise HTTPException(403, "A convener adds reviewers for their own network(s) only.")


def visible_abstracts(grant: Grant, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return rows if grant.networks is None else [r for r in rows if grant.sees(r.get("network"))]


def visible_reviewers(grant: Grant, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if grant.networks is None:
        return rows
    mine = grant.networks
    return [r for r in rows if set(r.get("networks") or ()) & mine]
