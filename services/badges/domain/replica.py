"""The station's replica of a delegate: a typed status, the rule that applies a newer state, and the badge rule.

Registration owns the delegate; badges keeps the latest state it heard of (by registration version) and
decides from it whether a badge is issued, kept or revoked.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from schemas.values import Delegate
from services.badges.domain.badge import BadgeContent, BadgeOnRecord, Face, should_render


class Status(StrEnum):
    """A registration's status as registration publishes it (``DelegateSnapshot.status``)."""

    PENDING = "pending"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    """An unpaid card or invoice registration released: it ends like a cancelled one."""

    @property
    def ended(self) -> bool:
        return self in ENDED


ENDED = frozenset({Status.CANCELLED, Status.EXPIRED})
"""Statuses of a registration that has ended: cancelled, or released unpaid (a card or invoice hold ran out)."""


@dataclass(frozen=True)
class DelegateRecord:
    """One delegate as the replica holds them."""

    delegate_id: str
    congress_id: str
    registration_number: str
    version: int
    status: Status
    paid: bool
    given_name: str
    family_name: str
    badge_name: str
    affiliation: str
    country: str
    email: str
    language: str
    roles: tuple[str, ...]
    add_ons: tuple[tuple[str, str], ...]
    """(label, kind) pairs, as the badge prints them."""
    add_on_codes: tuple[str, ...] = ()
    """The add-ons' codes, in the same order (the print sheets find a network's delegates by them too)."""

    @property
    def face(self) -> Face:
        return Face(
            self.given_name,
            self.family_name,
            self.badge_name,
            self.affiliation,
            self.country,
            self.language,
            self.roles,
            self.add_ons,
        )

    def badge(self, qr_token: str) -> BadgeContent:
        """What this delegate's badge shows, with its signed QR token."""
        return BadgeContent(self.delegate_id, self.congress_id, self.version, *self.face, qr_token)


@dataclass(frozen=True)
class RegistrationState:
    """What an event says about a delegate's registration."""

    congress_id: str
    registration_id: str
    version: int
    status: Status | None
    """None: the status stays what the replica knows (RegistrationUpdated), confirmed for a delegate new here."""
    paid: bool | None
    """None: unknown from this event; the replica keeps what it knew."""
    delegate: Delegate


def replicate(current: DelegateRecord | None, state: RegistrationState) -> DelegateRecord | None:
    """The replica's record after ``state``, or None when it is older than what the replica knows.

    The same version is applied again (a snapshot may tell whether it is paid).
    """
    if current is not None and state.version < current.version:
        return None
    d = state.delegate
    return DelegateRecord(
        d.delegate_id,
        state.congress_id,
        d.registration_number,
        state.version,
        state.status or (current.status if current else Status.CONFIRMED),
        state.paid if state.paid is not None else bool(current and current.paid),
        d.given_name,
        d.family_name,
        d.badge_name,
        d.affiliation,
        d.country,
        d.email,
        d.language,
        tuple(str(r) for r in d.roles),
        tuple((a.label, a.kind) for a in d.add_ons),
        tuple(a.code for a in d.add_ons),
    )


def needs_badge(record: DelegateRecord, previous: DelegateRecord | None, badge: BadgeOnRecord | None) -> bool:
    """Whether ``record`` calls for a new badge.

    ``previous`` is the replica's record before this change. A newer registration version that prints
    the same face (a payment, an email or dietary change) keeps the badge: its QR code still carries the
    version of the face, so it goes on checking in, and nobody is told their badge is ready twice.
    """
    if record.status is not Status.CONFIRMED:
        return False
    if badge is None or badge.revoked:
        return True
    if not should_render(record.version, badge.version):
        return False
    return not (previous is not None and previous.version >= badge.version and previous.face == record.face)
