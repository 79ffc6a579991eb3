"""What registration does when the call for papers earns someone a role (events from ``congress.abstracts``).

An accepted abstract makes its presenting authors presenters; an assignment makes the reviewer
a reviewer (``roles.py`` says who). The role is recorded by email, so a delegate who registers
later gets it at registration (``handlers._write_batch``), and every live registration with that
email that lacks it gets it now: a new version, ``RegistrationUpdated`` (``changed_fields``
``roles``) and the delegate snapshot, in the transaction that records the event in the inbox.
Roles are never taken back here; an organiser does that by hand. Each accepted abstract's
presenting authors are also kept (``presenter_deadline``), to check that one of them registers;
a withdrawal or a later rejection forgets them.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from schemas.abstracts import AbstractDecided, AbstractWithdrawn, ReviewerAssigned
from schemas.base import CloudEvent, EventData
from services.common.consumer import Handler
from services.registration import manage, presenter_deadline, roles
from services.registration.adapters import earned_roles
from services.registration.records import Deps

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
        key = roles.email_key(row["email"])
        if not roles.missing_roles(row["roles"], held.get(key, ())):
            continue
        new_roles = roles.with_roles(row["roles"], held[key])
        await manage.apply_update(deps, session, row, {"roles": [r.value for r in new_roles]}, ("roles",))
        changed += 1
        log.info(
            "roles earned in the call for papers: %s",
            ", ".join(new_roles),
            extra={"event_id": event_id, "delegate_id": row["delegate_id"], "registration_id": row["id"]},
        )
    return changed


def make_handlers(deps: Deps) -> Mapping[type[EventData], Handler]:
    """The abstracts events registration acts on, each with its handler."""

    async def on_abstract_decided(event: CloudEvent[AbstractDecided], session: AsyncSession) -> None:
        await grant_roles(deps, session, roles.earned_from_decision(event.data), event.id)
        await presenter_deadline.on_decided(session, event.data)

    async def on_abstract_withdrawn(event: CloudEvent[AbstractWithdrawn], session: AsyncSession) -> None:
        await presenter_deadline.on_withdrawn(session, event.data)

    async def on_reviewer_assigned(event: CloudEvent[ReviewerAssigned], session: AsyncSession) -> None:
        await grant_roles(deps, session, roles.earned_from_assignment(event.data), event.id)

    handlers: dict[type[EventData], Any] = {
        AbstractDecided: on_abstract_decided,
        ReviewerAssigned: on_reviewer_assigned,
        AbstractWithdrawn: on_abstract_withdrawn,
    }
    return handlers
