"""Which roles the call for papers earns a delegate, and how roles are kept in order.

Pure rules, no I/O: an accepted abstract makes each presenting author a presenter, an
assignment makes the reviewer a reviewer. People are matched by email, trimmed and
lower-cased (``email_key``), because authors and delegates type their addresses
independently. Roles are only ever added here; taking one back is an organiser's job.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from schemas.abstracts import AbstractDecided, Decision, ReviewerAssigned
from schemas.values import Role

ROLE_ORDER = {role: i for i, role in enumerate(Role)}
"""Roles are listed as the ``Role`` enum orders them, so ``Role.DELEGATE`` comes first."""


@dataclass(frozen=True)
class EarnedRole:
    """One role a person earned from one abstract."""

    email_key: str
    role: Role
    abstract_id: str


def email_key(email: str) -> str:
    """The form of an email address people are matched on: trimmed, lower-cased."""
    return email.strip().lower()


def earned_from_decision(decided: AbstractDecided) -> tuple[EarnedRole, ...]:
    """An accepted abstract makes every presenting author a presenter; a rejected one gives nothing."""
    if decided.decision is not Decision.ACCEPTED:
        return ()
    keys = dict.fromkeys(email_key(a.email) for a in decided.authors if a.presenting and a.email.strip())
    return tuple(EarnedRole(key, Role.PRESENTER, decided.abstract_id) for key in keys)


def earned_from_assignment(assigned: ReviewerAssigned) -> tuple[EarnedRole, ...]:
    """A reviewer asked to review an abstract is a reviewer."""
    key = email_key(assigned.reviewer_email)
    return (EarnedRole(key, Role.REVIEWER, assigned.abstract_id),) if key else ()


def with_roles(current: Iterable[Role | str], added: Iterable[Role | str]) -> tuple[Role, ...]:
    """``current`` plus ``added``, each once, in the ``Role`` enum's order (``Role.DELEGATE`` first)."""
    roles = {Role(r) for r in current} | {Role(r) for r in added}
    return tuple(sorted(roles, key=ROLE_ORDER.__getitem__))


def missing_roles(current: Iterable[Role | str], earned: Iterable[Role | str]) -> frozenset[Role]:
    """The earned roles a registration does not hold yet (empty: nothing to change)."""
    return frozenset(Role(r) for r in earned) - {Role(r) for r in current}
