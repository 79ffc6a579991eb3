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

When an organiser changes an accepted symposium's presenting authors, chair or discussant
(``AbstractRevised`` with ``accepted_format``, ``follow_people``), the roles follow per email: each person
it no longer names loses that abstract's cause, and the role as above; each person it names now earns it.
A session chair the organisers named with an address (``SessionScheduled.chair_email``, from the programme
consumer) is handled the same way, the session being the cause (``follow_session_chair``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from collections.abc import Set as AbstractSet

from schemas.abstracts import AbstractRevised
from schemas.programme import SessionScheduled
from services.registration.commands import manage
from services.registration.commands.records import Deps
from services.registration.domain import roles
from services.registration.ports import Tx

log = logging.getLogger("congress.registration.call_for_papers")


async def grant_roles(deps: Deps, tx: Tx, earned: Sequence[roles.EarnedRole], event_id: str) -> int:
    """Record the earned roles and add them to the live registrations of those emails; returns how many changed."""
    if not earned:
        return 0
    keys = {e.email_key for e in earned}
    # Lock the registrations first, then the counter (see ``serialise_with_registering``).
    await tx.earned.registrations_of(keys, manage.ENDED)
    await tx.earned.serialise_with_registering()
    await tx.earned.record(earned, deps.clock())
    held = await tx.earned.roles_earned(keys)
    changed = 0
    for row in await tx.earned.registrations_of(keys, manage.ENDED):
        added = roles.missing_roles(row.roles, held.get(roles.email_key(row.email), ()))
        if not added:
            continue
        new_roles = roles.with_roles(row.roles, added)
        await tx.applied.record(row.id, added, deps.clock())
        await manage.apply_update(deps, tx, row, {"roles": tuple(new_roles)}, ("roles",))
        changed += 1
        log.info(
            "roles earned in the call for papers: %s",
            ", ".join(new_roles),
            extra={"event_id": event_id, "delegate_id": row.delegate_id, "registration_id": row.id},
        )
    return changed


async def follow_people(deps: Deps, tx: Tx, revised: AbstractRevised, event_id: str) -> int:
    """An organiser changed an accepted abstract's people: those it no longer names lose its causes (and the
    role, unless another abstract still earns it), those it names now earn them. Returns registrations changed."""
    earned = roles.earned_from_revision(revised)
    if earned is None:
        return 0  # a revision of an undecided abstract earns nothing yet
    holders = {cause: await tx.earned.holders(cause) for cause in roles.abstract_causes(revised.abstract_id)}
    changed = 0
    for cause, gone in roles.people_gone(revised.abstract_id, holders, earned).items():
        changed += await take_back_roles(deps, tx, cause, event_id, only=gone)
    return changed + await grant_roles(deps, tx, earned, event_id)


async def follow_session_chair(deps: Deps, tx: Tx, scheduled: SessionScheduled, event_id: str) -> int:
    """A published session's chair (a person): they earn the chair's role; a chair it no longer names loses the
    session's cause (and the role, unless another session or symposium still earns it)."""
    cause, earned = roles.chairing(scheduled.session_id), roles.earned_from_session(scheduled)
    gone = roles.chair_gone(await tx.earned.holders(cause), earned)
    changed = await take_back_roles(deps, tx, cause, event_id, only=gone) if gone else 0
    return changed + await grant_roles(deps, tx, earned, event_id)


async def take_back_roles(
    deps: Deps, tx: Tx, cause: roles.Cause | None, event_id: str, *, only: AbstractSet[str] | None = None
) -> int:
    """Forget what a cause that went earned (``only``: for these emails alone); take the role off registrations
    nothing else earns it for.

    Returns how many registrations changed. Locks as ``grant_roles`` does, so a registration being
    written at the same moment either is seen here or no longer sees the role.
    """
    keys = await tx.earned.holders(cause) if cause else set()
    if only is not None:
        keys &= only
    if cause is None or not keys:
        return 0
    await tx.earned.registrations_of(keys, manage.ENDED)
    await tx.earned.serialise_with_registering()
    await tx.earned.drop(cause, None if only is None else keys)
    held = await tx.earned.roles_earned(keys)
    rows = await tx.earned.registrations_of(keys, manage.ENDED)
    applied = await tx.applied.applied([row.id for row in rows])
    changed = 0
    for row in rows:
        still = held.get(roles.email_key(row.email), ())
        gone = roles.taken_back(row.roles, applied.get(row.id, ()), still, (cause.role,))
        if not gone:
            continue
        new_roles = roles.without_roles(row.roles, gone)
        await tx.applied.forget(row.id, gone)
        await manage.apply_update(deps, tx, row, {"roles": tuple(new_roles)}, ("roles",))
        changed += 1
        log.info(
            "roles taken back, their cause in the call for papers went: %s",
            ", ".join(sorted(gone)),
            extra={"event_id": event_id, "delegate_id": row.delegate_id, "registration_id": row.id},
        )
    return changed
