"""The consumer of ``congress.abstracts``: each event decoded once by the kernel, then one command call.

Consumer group ``registration`` (the kernel's inbox makes it exactly once). What the events change is in
``commands.call_for_papers`` (roles earned, taken back, and moved when an organiser changes an accepted
symposium's people) and ``commands.presenter_deadline`` (the
accepted abstracts' presenters kept).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from schemas.abstracts import (
    AbstractDecided,
    AbstractRevised,
    AbstractWithdrawn,
    AuthorErased,
    ReviewerAssigned,
    ReviewerAssignedFields,
    ReviewerAssignedV2,
    ReviewerUnassigned,
)
from schemas.base import CloudEvent, EventData
from services.common.consumer import Handler
from services.common.db import scrub_after_commit
from services.common.keyring import person_ref
from services.registration.commands import presenter_deadline
from services.registration.commands.call_for_papers import follow_people, grant_roles, take_back_roles
from services.registration.commands.records import Deps
from services.registration.domain import roles

CONSUMER = "registration"
"""Consumer group (and inbox name) of registration's abstracts consumer."""


def make_handlers(deps: Deps) -> Mapping[type[EventData], Handler]:
    """The abstracts events registration acts on, each with its handler."""

    async def on_abstract_decided(event: CloudEvent[AbstractDecided], session: object) -> None:
        tx = deps.units.joined(session)
        await grant_roles(deps, tx, roles.earned_from_decision(event.data), event.id)
        await take_back_roles(deps, tx, roles.lost_by_decision(event.data), event.id)
        for cause in roles.hosting_lost(event.data):
            await take_back_roles(deps, tx, cause, event.id)
        await presenter_deadline.on_decided(tx, event.data)

    async def on_abstract_revised(event: CloudEvent[AbstractRevised], session: object) -> None:
        # an organiser changed an accepted abstract's people (an undecided one's revision changes nothing here)
        tx = deps.units.joined(session)
        await follow_people(deps, tx, event.data, event.id)
        await presenter_deadline.on_revised(tx, event.data)

    async def on_abstract_withdrawn(event: CloudEvent[AbstractWithdrawn], session: object) -> None:
        tx = deps.units.joined(session)
        await take_back_roles(deps, tx, roles.lost_by_withdrawal(event.data), event.id)
        for cause in roles.hosting_lost(event.data):
            await take_back_roles(deps, tx, cause, event.id)
        await presenter_deadline.on_withdrawn(tx, event.data)

    async def on_reviewer_assigned(event: CloudEvent[ReviewerAssignedFields], session: object) -> None:
        tx = deps.units.joined(session)
        await grant_roles(deps, tx, roles.earned_from_assignment(event.data), event.id)

    async def on_reviewer_unassigned(event: CloudEvent[ReviewerUnassigned], session: object) -> None:
        tx = deps.units.joined(session)
        await take_back_roles(deps, tx, roles.lost_by_unassignment(event.data), event.id)

    async def on_author_erased(event: CloudEvent[AuthorErased], session: object) -> None:
        # an author erased (the delegate's erasure, or an organiser's by email): the presenters kept forget them
        ref = event.data.person_ref
        presentations = deps.units.joined(session).presentations
        if await presentations.forget_person(lambda email: person_ref(deps.secret, email) == ref):
            scrub_after_commit(session)  # type: ignore[arg-type]  # the consumer hands its AsyncSession

    handlers: dict[type[EventData], Any] = {
        AuthorErased: on_author_erased,
        AbstractDecided: on_abstract_decided,
        AbstractRevised: on_abstract_revised,
        ReviewerAssigned: on_reviewer_assigned,
        ReviewerAssignedV2: on_reviewer_assigned,
        AbstractWithdrawn: on_abstract_withdrawn,
        ReviewerUnassigned: on_reviewer_unassigned,
    }
    return handlers
