"""What registration does when the call for papers earns someone a role (events from ``congress.abstracts``).

An accepted abstract makes its presenting authors presenters; an assignment makes the reviewer
a reviewer (``roles.py`` says who). The role is recorded by email, so a delegate who registers
later gets it at registration (``handlers._write_batch``), and every live registration with that
email that lacks it gets it now: a new version, ``RegistrationUpdated`` (``changed_fields``
``roles``) and the delegate snapshot, in the transaction that records the event in the inbox.
Each role registration adds this way is noted (``reg_applied_roles``).

When a cause goes (``AbstractWithdrawn``, an ``AbstractDecided`` rejecting, ``ReviewerUnassigned``)
its earned rows are forgotten, and each live registration of those emails loses the role, by a new
version in the same way, if the call for papers put it there and no other abstract still earns it
(``roles.taken_back``): a role an organiser gave by hand is never taken. A cause that earned nothing
(never accepted, already gone) changes nothing. Each accepted abstract's presenting authors are also
kept (``presenter_deadline``), to check that one of them registers; a withdrawal or a later
rejection forgets them.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from schemas.abstracts import (
    AbstractDecided,
    AbstractWithdrawn,
    ReviewerAssigned,
    ReviewerAssignedFields,
    ReviewerAssignedV2,
    ReviewerUnassigned,
)
from schemas.base import CloudEvent, EventData
from services.common.consumer import Handler
from services.registration.adapters import applied_roles, earned_roles
from services.registration.commands import manage, presenter_deadline
from services.registration.commands.records import Deps
from services.registration.domain import roles

log = logging.getLogger("congress.registration.call_for_papers")

CONSUMER = "registration"
"""Consumer group (and inbox name) of registration's abstracts consumer."""


async def grant_roles(deps: Deps, session: AsyncSession, earned: Sequence[roles.EarnedRole], event_id: str) -> int:
    """Record the earned roles and add them to the live registrations of those emails; returns how many changed."""
    if not earned:
        return 0
    keys = {e.email_key for e in earned}
    # Lock the registrations first, then the counter (see ``serialise_with_registering``).
    await earned_roles.registrations_of(session, keys, manage.ENDED)
    await earned_roles.serialise_with_registering(session)
    await earned_roles.record(session, earned, deps.clock())
    held = await earned_roles.roles_earned(session, keys)
    changed = 0
    for row in await earned_roles.registrations_of(session, keys, manage.ENDED):
        added = roles.missing_roles(row["roles"], held.get(roles.email_key(row["email"]), ()))
        if not added:
            continue
        new_roles = roles.with_roles(row["roles"], added)
        await applied_roles.record(session, row["id"], added, deps.clock())
        await manage.apply_update(deps, session, row, {"roles": [r.value for r in new_roles]}, ("roles",))
        changed += 1
        log.info(
            "roles earned in the call for papers: %s",
            ", ".join(new_roles),
            extra={"event_id": event_id, "delegate_id": row["delegate_id"], "registration_id": row["id"]},
        )
    return changed


async def take_back_roles(deps: Deps, session: AsyncSession, cause: roles.Cause | None, event_id: str) -> int:
    """Forget what a cause that went earned; take the role off registrations nothing else earns it for.

    Returns how many registrations changed. Locks as ``grant_roles`` does, so a registration being
    written at the same moment either is seen here or no longer sees the role.
    """
    keys = await earned_roles.holders(session, cause) if cause else set()
    if cause is None or not keys:
        return 0
    await earned_roles.registrations_of(session, keys, manage.ENDED)
    await earned_roles.serialise_with_registering(session)
    await earned_roles.drop(session, cause)
    held = await earned_roles.roles_earned(session, keys)
    rows = await earned_roles.registrations_of(session, keys, manage.ENDED)
    applied = await applied_roles.applied(session, [row["id"] for row in rows])
    changed = 0
    for row in rows:
        still = held.get(roles.email_key(row["email"]), ())
        gone = roles.taken_back(row["roles"], applied.get(row["id"], ()), still, (cause.role,))
        if not gone:
            continue
        new_roles = roles.without_roles(row["roles"], gone)
        await applied_roles.forget(session, row["id"], gone)
        await manage.apply_update(deps, session, row, {"roles": [r.value for r in new_roles]}, ("roles",))
        changed += 1
        log.info(
            "roles taken back, their cause in the call for papers went: %s",
            ", ".join(sorted(gone)),
            extra={"event_id": event_id, "delegate_id": row["delegate_id"], "registration_id": row["id"]},
        )
    return changed


def make_handlers(deps: Deps) -> Mapping[type[EventData], Handler]:
    """The abstracts events registration acts on, each with its handler."""

    async def on_abstract_decided(event: CloudEvent[AbstractDecided], session: AsyncSession) -> None:
        await grant_roles(deps, session, roles.earned_from_decision(event.data), event.id)
        await take_back_roles(deps, session, roles.lost_by_decision(event.data), event.id)
        await presenter_deadline.on_decided(session, event.data)

    async def on_abstract_withdrawn(event: CloudEvent[AbstractWithdrawn], session: AsyncSession) -> None:
        await take_back_roles(deps, session, roles.lost_by_withdrawal(event.data), event.id)
        await presenter_deadline.on_withdrawn(session, event.data)

    async def on_reviewer_assigned(event: CloudEvent[ReviewerAssignedFields], session: AsyncSession) -> None:
        await grant_roles(deps, session, roles.earned_from_assignment(event.data), event.id)

    async def on_reviewer_unassigned(event: CloudEvent[ReviewerUnassigned], session: AsyncSession) -> None:
        await take_back_roles(deps, session, roles.lost_by_unassignment(event.data), event.id)

    handlers: dict[type[EventData], Any] = {
        AbstractDecided: on_abstract_decided,
        ReviewerAssigned: on_reviewer_assigned,
        ReviewerAssignedV2: on_reviewer_assigned,
        AbstractWithdrawn: on_abstract_withdrawn,
        ReviewerUnassigned: on_reviewer_unassigned,
    }
    return handlers
