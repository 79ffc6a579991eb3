"""Which roles the call for papers earns a delegate, when it takes them back, and how roles are kept in order.

Pure rules, no I/O: an accepted abstract makes each presenting author a presenter (a symposium's
authors are every paper's, so every paper's presenting authors), an accepted symposium makes its
chair a chair and its discussant a discussant, an assignment makes the reviewer a reviewer.
People are matched by email, trimmed and lower-cased (``email_key``), because authors and delegates type their addresses
independently. Each earned role has a cause (``Cause``): the accepted abstract, or one
reviewer's assignment to an abstract. When the cause goes (the abstract is withdrawn or
rejected after all, the reviewer is unassigned) the role is taken off a registration only if
the call for papers put it there and no other cause still earns it (``taken_back``); a role an
organiser gave by hand stays, and ``delegate`` is never taken. When an organiser changes the people of
an accepted abstract (``AbstractRevised`` with ``accepted_format``), each person it no longer names loses
the cause (``people_gone``), per email: a presenter of another paper of it, or a chair of another session,
keeps the role. A published session whose chair the organisers named with an address (``SessionScheduled``
``chair_email``) earns that person **chair** (cause ``session/<id>``); another chair in a later version, none,
or the session cancelled ends that cause for the old chair alone (``chairing``, ``chair_gone``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from schemas.abstracts import (
    AbstractDecided,
    AbstractFormat,
    AbstractRevised,
    AbstractWithdrawn,
    Author,
    Decision,
    ReviewerAssignedFields,
    ReviewerUnassigned,
    Symposium,
)
from schemas.programme import SessionScheduled
from schemas.values import Role

ROLE_ORDER = {role: i for i, role in enumerate(Role)}
"""Roles are listed as the ``Role`` enum orders them, so ``Role.DELEGATE`` comes first."""
SOURCE_MAX = 64
"""Longest cause (``Cause.source``) stored as it is; a longer one is stored as its hash."""


@dataclass(frozen=True)
class Cause:
    """What earns a role: an accepted abstract (its id) or one reviewer's assignment (``abstract/reviewer``)."""

    role: Role
    source: str


@dataclass(frozen=True)
class EarnedRole:
    """One role a person earned from one abstract (a reviewer's: from their assignment to it)."""

    email_key: str
    role: Role
    abstract_id: str
    reviewer_id: str = ""

    @property
    def cause(self) -> Cause:
        if self.reviewer_id:
            return reviewing(self.abstract_id, self.reviewer_id)
        return Cause(self.role, self.abstract_id)


def email_key(email: str) -> str:
    """The form of an email address people are matched on: trimmed, lower-cased."""
    return email.strip().lower()


def reviewing(abstract_id: str, reviewer_id: str) -> Cause:
    """The cause of a reviewer's role: their assignment to the abstract (``ReviewerUnassigned`` names no email)."""
    return Cause(Role.REVIEWER, _bounded(f"{abstract_id}/{reviewer_id}"))


def chairing(session_id: str) -> Cause:
    """The cause of a session chair's role: the published session naming them with an address."""
    return Cause(Role.CHAIR, _bounded(f"session/{session_id}"))


def _bounded(source: str) -> str:
    if len(source) > SOURCE_MAX:
        source = "sha256:" + hashlib.sha256(source.encode()).hexdigest()[: SOURCE_MAX - 7]
    return source


def earned_from_session(scheduled: SessionScheduled) -> tuple[EarnedRole, ...]:
    """A published session whose chair the organisers named with an address makes them a chair (cause: the
    session); a chair named by name only earns nothing (no address to match a registration by)."""
    key = email_key(scheduled.chair_email or "")
    return (EarnedRole(key, Role.CHAIR, chairing(scheduled.session_id).source),) if key else ()


def chair_gone(holders: Iterable[str], earned: Iterable[EarnedRole]) -> frozenset[str]:
    """The emails a session's chair cause held that the session no longer names (another chair, or none)."""
    return frozenset(holders) - {e.email_key for e in earned}


HOSTING = (Role.CHAIR, Role.DISCUSSANT)
"""The roles an accepted symposium earns besides its presenters'."""


def earned_from_decision(decided: AbstractDecided) -> tuple[EarnedRole, ...]:
    """An accepted abstract makes every presenting author a presenter; one accepted as a symposium also makes
    its chair a chair and its discussant a discussant; a rejected one gives nothing."""
    if decided.decision is not Decision.ACCEPTED:
        return ()
    return _earned(decided.abstract_id, decided.format, decided.authors, decided.symposium)


def earned_from_revision(revised: AbstractRevised) -> tuple[EarnedRole, ...] | None:
    """What an accepted abstract earns once an organiser changed it (as its acceptance would, with the people
    it names now); None for a revision of an undecided abstract (it earns nothing yet)."""
    if revised.accepted_format is None:
        return None
    return _earned(revised.abstract_id, revised.accepted_format, revised.authors, revised.symposium)


def _earned(
    abstract_id: str, fmt: AbstractFormat, authors: Iterable[Author], symposium: Symposium | None
) -> tuple[EarnedRole, ...]:
    keys = dict.fromkeys(email_key(a.email) for a in authors if a.presenting and a.email.strip())
    earned = [EarnedRole(key, Role.PRESENTER, abstract_id) for key in keys]
    if symposium is not None and fmt is AbstractFormat.SYMPOSIUM:
        for role, person in ((Role.CHAIR, symposium.chair), (Role.DISCUSSANT, symposium.discussant)):
            if person is not None and email_key(person.email):
                earned.append(EarnedRole(email_key(person.email), role, abstract_id))
    return tuple(earned)


ABSTRACT_ROLES = (Role.PRESENTER, *HOSTING)
"""The roles an accepted abstract earns (a reviewer's is earned by an assignment, not by the abstract)."""


def abstract_causes(abstract_id: str) -> tuple[Cause, ...]:
    """The causes an accepted abstract earns roles by."""
    return tuple(Cause(role, abstract_id) for role in ABSTRACT_ROLES)


def people_gone(
    abstract_id: str, holders: Mapping[Cause, Iterable[str]], earned: Iterable[EarnedRole]
) -> dict[Cause, frozenset[str]]:
    """After a change of an accepted abstract's people: for each of its causes, the emails it earned a role for
    and no longer does (those the change keeps, or newly names, are not touched). ``holders``: who each of its
    causes earns for now. Whether a person loses the role is ``taken_back``'s: another abstract may still earn it."""
    now = {(e.role, e.email_key) for e in earned}
    gone: dict[Cause, frozenset[str]] = {}
    for cause in abstract_causes(abstract_id):
        left = frozenset(k for k in holders.get(cause, ()) if (cause.role, k) not in now)
        if left:
            gone[cause] = left
    return gone


def hosting_lost(decided: AbstractDecided | AbstractWithdrawn) -> tuple[Cause, ...]:
    """The chair's and discussant's causes that end: on a withdrawal or rejection both, on an acceptance those
    it no longer earns (accepted in another format, or without a discussant now)."""
    kept = {e.role for e in earned_from_decision(decided)} if isinstance(decided, AbstractDecided) else set()
    return tuple(Cause(role, decided.abstract_id) for role in HOSTING if role not in kept)


def earned_from_assignment(assigned: ReviewerAssignedFields) -> tuple[EarnedRole, ...]:
    """A reviewer asked to review an abstract is a reviewer."""
    key = email_key(assigned.reviewer_email)
    return (EarnedRole(key, Role.REVIEWER, assigned.abstract_id, assigned.reviewer_id),) if key else ()


def lost_by_decision(decided: AbstractDecided) -> Cause | None:
    """A rejection ends the abstract's presenters' cause (if it was accepted before); an acceptance ends none."""
    return Cause(Role.PRESENTER, decided.abstract_id) if decided.decision is Decision.REJECTED else None


def lost_by_withdrawal(withdrawn: AbstractWithdrawn) -> Cause:
    """A withdrawn abstract no longer makes its authors presenters (its reviewers keep theirs)."""
    return Cause(Role.PRESENTER, withdrawn.abstract_id)


def lost_by_unassignment(unassigned: ReviewerUnassigned) -> Cause:
    return reviewing(unassigned.abstract_id, unassigned.reviewer_id)


def with_roles(current: Iterable[Role | str], added: Iterable[Role | str]) -> tuple[Role, ...]:
    """``current`` plus ``added``, each once, in the ``Role`` enum's order (``Role.DELEGATE`` first)."""
    roles = {Role(r) for r in current} | {Role(r) for r in added}
    return tuple(sorted(roles, key=ROLE_ORDER.__getitem__))


def without_roles(current: Iterable[Role | str], removed: Iterable[Role | str]) -> tuple[Role, ...]:
    """``current`` less ``removed``, each once, in the ``Role`` enum's order; ``Role.DELEGATE`` always stays."""
    gone = {Role(r) for r in removed} - {Role.DELEGATE}
    roles = {Role(r) for r in current} - gone | {Role.DELEGATE}
    return tuple(sorted(roles, key=ROLE_ORDER.__getitem__))


def missing_roles(current: Iterable[Role | str], earned: Iterable[Role | str]) -> frozenset[Role]:
    """The earned roles a registration does not hold yet (empty: nothing to change)."""
    return frozenset(Role(r) for r in earned) - {Role(r) for r in current}


def taken_back(
    current: Iterable[Role | str],
    applied: Iterable[Role | str],
    still_earned: Iterable[Role | str],
    lost: Iterable[Role | str],
) -> frozenset[Role]:
    """The roles to take off a registration after causes of ``lost`` roles went (empty: nothing to change).

    Only a role it holds, that the call for papers put there (``applied``), and that no remaining
    cause still earns its email (``still_earned``); never ``Role.DELEGATE``.
    """
    held = {Role(r) for r in current} & {Role(r) for r in applied}
    return frozenset({Role(r) for r in lost} & held) - {Role(r) for r in still_earned} - {Role.DELEGATE}
