"""What a badge's QR code carries and what scanning it at the desk means.

Standard library only; the commands sign and verify the token, this module decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from services.badges.domain.badge import BadgeOnRecord
from services.badges.domain.replica import ENDED, DelegateRecord, Status

QR_PURPOSE = "badge-qr"


def qr_payload(delegate_id: str, registration_version: int, congress_id: str) -> dict[str, object]:
    """Only ids: the QR code never carries personal data."""
    return {"d": delegate_id, "v": registration_version, "c": congress_id}


class ScanOutcome(StrEnum):
    CHECKED_IN = "checked_in"
    ALREADY = "already_checked_in"
    CANCELLED = "cancelled"
    UNKNOWN = "unknown"
    TAMPERED = "tampered"
    OTHER_CONGRESS = "other_congress"
    SUPERSEDED = "superseded"


@dataclass(frozen=True)
class DelegateState:
    status: str
    """A ``Status``: cancelled for a registration that ended or a revoked badge."""
    badge_version: int | None
    checked_in: bool


def scan_outcome(payload: dict[str, object] | None, congress_id: str, state: DelegateState | None) -> ScanOutcome:
    """What scanning a QR code means; only CHECKED_IN records a check-in."""
    if payload is None:
        return ScanOutcome.TAMPERED
    if payload.get("c") != congress_id:
        return ScanOutcome.OTHER_CONGRESS
    if state is None:
        return ScanOutcome.UNKNOWN
    if state.status in ENDED:
        return ScanOutcome.CANCELLED
    version = payload.get("v")
    if state.badge_version is not None and isinstance(version, int) and version < state.badge_version:
        return ScanOutcome.SUPERSEDED
    if state.checked_in:
        return ScanOutcome.ALREADY
    return ScanOutcome.CHECKED_IN


def desk_state(record: DelegateRecord, badge: BadgeOnRecord | None, checked_in: bool) -> DelegateState:
    """What the desk knows of a delegate: a revoked badge counts as a cancelled registration."""
    ended = record.status in ENDED or (badge is not None and badge.revoked)
    return DelegateState(Status.CANCELLED if ended else record.status, badge.version if badge else None, checked_in)
