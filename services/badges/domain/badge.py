"""What one badge shows (``BadgeContent``) and its face: everything it prints but the QR code.

A badge's version is its face's (docs/ARCHITECTURE.md, decision 15): a newer registration version
that prints the same face keeps the badge, its PDF and its QR code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple


class Face(NamedTuple):
    """Everything a badge prints (the QR token aside), in ``BadgeContent``'s order: one face, one badge."""

    given_name: str
    family_name: str
    badge_name: str
    affiliation: str
    country: str
    language: str
    roles: tuple[str, ...]
    add_ons: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class BadgeContent:
    """What one badge shows; built from the delegate replica, independent of any event model."""

    delegate_id: str
    congress_id: str
    registration_version: int
    given_name: str
    family_name: str
    badge_name: str
    affiliation: str
    country: str
    language: str
    roles: tuple[str, ...]
    add_ons: tuple[tuple[str, str], ...] = ()
    """(label, kind) pairs."""
    qr_token: str = ""


@dataclass(frozen=True)
class BadgeOnRecord:
    """The badge the service issued last for a delegate."""

    delegate_id: str
    version: int
    """The registration version of its face (the QR code carries it)."""
    sha256: str
    location: str
    revoked: bool
    print_count: int


def should_render(incoming_version: int, current_version: int | None) -> bool:
    """A newer registration version reissues the badge; the same or an older one changes nothing."""
    return current_version is None or incoming_version > current_version
