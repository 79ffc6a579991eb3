"""Organiser accounts as notify keeps them: who, which roles and networks, active or not (pure rules).

notify owns the accounts (docs/ARCHITECTURE.md, decision 37). An admin invites a person by
email; the person sets a password through a single-use, expiring link; an admin changes their
roles and networks or deactivates them. Every change is a new version, published as an
``OrganiserAccountChanged`` snapshot without the password hash. A deactivated account can be erased
(``erasable``): notify keeps only its id and when, and publishes a tombstone in place of a snapshot.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime

from schemas.organisers import OrganiserAccountChanged
from services.common.roles import Role

MIN_PASSWORD = 12
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class AccountRefused(Exception):
    """A change the rules refuse, with what to tell the admin (or the invited person)."""


@dataclass(frozen=True)
class OrganiserRecord:
    """One account; ``invitation_id`` names the one invitation link that still works (None: none does)."""

    account_id: str
    email: str
    name: str
    roles: frozenset[Role]
    networks: frozenset[str]
    active: bool
    password_hash: str | None
    invitation_id: str | None
    sessions_valid_after: datetime | None
    version: int
    seeded: bool = False
    """Made from the edition file's organisers (its password, if any, stays in the file)."""


def checked_roles(roles: frozenset[Role], networks: frozenset[str], known_networks: frozenset[str]) -> frozenset[str]:
    """The networks to keep, after checking a convener has some and all of them exist."""
    if not roles:
        raise AccountRefused("Choose at least one role.")
    unknown = networks - known_networks
    if unknown:
        raise AccountRefused(f"Unknown network(s): {', '.join(sorted(unknown))}.")
    if Role.CONVENER in roles and not networks:
        raise AccountRefused("A network convener needs at least one network.")
    return networks if Role.CONVENER in roles else frozenset()


def checked_email(email: str) -> str:
    address = email.strip().lower()
    if not _EMAIL.match(address) or len(address) > 320:
        raise AccountRefused("Enter the person's email address, e.g. name@example.org.")
    return address


def checked_password(password: str, again: str) -> None:
    if password != again:
        raise AccountRefused("The two passwords differ.")
    if len(password) < MIN_PASSWORD:
        raise AccountRefused(f"Choose a password of at least {MIN_PASSWORD} characters.")


def changed(record: OrganiserRecord, **fields: object) -> OrganiserRecord:
    """The record with ``fields`` changed, one version on."""
    return replace(record, version=record.version + 1, **fields)  # type: ignore[arg-type]


def deactivated(record: OrganiserRecord, by: str, now: datetime) -> OrganiserRecord:
    """Off, and every session signed in before now refused (even after a reactivation)."""
    if record.email == by.lower():
        raise AccountRefused("You cannot deactivate your own account; ask another admin.")
    return changed(record, active=False, invitation_id=None, sessions_valid_after=now)


def erasable(record: OrganiserRecord, by: str, *, listed: bool) -> None:
    """Refuse to erase the admin's own account, an active one, or one the edition file still lists.

    ``listed``: the account's address is among the edition file's organisers now. Every service counts such a
    line as an account until notify publishes one for the address, and notify seeds it again at its next start,
    so an erasure would not last: the line goes from the YAML first (decision 73).
    """
    if record.email == by.lower():
        raise AccountRefused("You cannot erase your own account; ask another admin.")
    if record.active:
        raise AccountRefused("Deactivate the account first; only a deactivated account can be erased.")
    if listed:
        raise AccountRefused(
            f"{record.email} is listed among the organisers in the edition file; remove them from the YAML first,"
            " or they come back as an account."
        )


def regranted(record: OrganiserRecord, by: str, roles: frozenset[Role], networks: frozenset[str]) -> OrganiserRecord:
    if record.email == by.lower() and Role.ADMIN in record.roles and Role.ADMIN not in roles:
        raise AccountRefused("You cannot take the admin role from yourself; ask another admin.")
    return changed(record, roles=roles, networks=networks)


def snapshot(record: OrganiserRecord) -> OrganiserAccountChanged:
    """What every other service learns of the account: everything but the password hash."""
    return OrganiserAccountChanged(
        account_id=record.account_id,
        email=record.email,
        full_name=record.name,
        roles=sorted(role.value for role in record.roles),
        networks=sorted(record.networks),
        active=record.active,
        sessions_valid_after=record.sessions_valid_after,
        account_version=record.version,
    )
