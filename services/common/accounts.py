"""Organiser accounts as every service sees them: the edition file's organisers, then the owner's snapshots.

notify owns the accounts (docs/ARCHITECTURE.md, decision 40) and publishes an
``OrganiserAccountChanged`` snapshot (no password hash) on the compacted ``congress.organisers``
after every change; each service reads the topic from the start into an ``AccountDirectory``
(``session_events.RevocationReader``). Until the owner has published an account for an address,
an organiser listed in the edition's YAML counts as an active account with the roles the YAML
gives (default: every role) — the seeded first admin. Once a snapshot exists for the address, the
snapshot decides: an admin can change a seeded organiser's roles or deactivate them. An erased account
is a tombstone on the topic (keyed by its id): the directory forgets the account and ignores any older
snapshot of it read later. notify refuses to erase an organiser the edition file still lists, so the YAML's
line cannot bring an erased account back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from schemas.organisers import OrganiserAccountChanged
from services.common.congress import Organiser
from services.common.roles import EVERY_ROLE, Role, parse_roles


@dataclass(frozen=True)
class Account:
    """One organiser as far as access goes (never the password)."""

    email: str
    name: str
    roles: frozenset[Role]
    networks: frozenset[str]
    active: bool = True
    sessions_valid_after: float | None = None
    """Epoch seconds: sessions signed in earlier are refused (set at deactivation)."""
    version: int = 0
    seeded: bool = False
    """True for an edition-file organiser the owner has not published yet."""


def seeded_account(organiser: Organiser) -> Account:
    """An edition-file organiser as an account: the YAML's roles, or every role."""
    roles = parse_roles(organiser.roles) if organiser.roles is not None else EVERY_ROLE
    return Account(
        email=str(organiser.email).lower(),
        name=organiser.name,
        roles=roles,
        networks=frozenset(organiser.networks),
        seeded=True,
    )


def account_from(snapshot: OrganiserAccountChanged) -> Account:
    valid_after = snapshot.sessions_valid_after.timestamp() if snapshot.sessions_valid_after else None
    return Account(
        email=snapshot.email.lower(),
        name=snapshot.full_name,
        roles=parse_roles(snapshot.roles),
        networks=frozenset(snapshot.networks),
        active=snapshot.active,
        sessions_valid_after=valid_after,
        version=snapshot.account_version,
    )


class Seeds(Protocol):
    """The edition file's organisers as they are now (``organiser_sessions.ConfiguredOrganisers``)."""

    def current(self) -> tuple[Organiser, ...]: ...


class AccountDirectory:
    """Looks an organiser up by email: the owner's latest snapshot, else the edition file's line."""

    def __init__(self, seeds: Seeds) -> None:
        self.seeds = seeds
        self._published: dict[str, Account] = {}
        self._emails_by_id: dict[str, str] = {}
        self._erased: set[str] = set()

    def apply(self, snapshot: OrganiserAccountChanged) -> None:
        """Take a snapshot read from the topic (or made by the owner); an older version changes nothing, and
        neither does a snapshot of an erased account (the owner's directory forgets it before the reader
        has read its older snapshots)."""
        if snapshot.account_id in self._erased:
            return
        account = account_from(snapshot)
        old_email = self._emails_by_id.get(snapshot.account_id)
        if old_email is not None and self._published[old_email].version > account.version:
            return
        if old_email is not None and old_email != account.email:
            del self._published[old_email]
        self._emails_by_id[snapshot.account_id] = account.email
        self._published[account.email] = account

    def forget(self, account_id: str) -> None:
        """The account is erased (a tombstone keyed by its id): it is unknown from now on, its sessions refused.

        The id is remembered even when no account had it (an invitation's tombstone shares the topic): ids are
        unique, and a handful of erasures per edition is all the set holds."""
        self._erased.add(account_id)
        email = self._emails_by_id.pop(account_id, None)
        if email is not None:
            del self._published[email]

    def get(self, email: str) -> Account | None:
        wanted = email.strip().lower()
        published = self._published.get(wanted)
        if published is not None:
            return published
        for organiser in self.seeds.current():
            if str(organiser.email).lower() == wanted:
                return seeded_account(organiser)
        return None

    def published(self) -> list[Account]:
        return list(self._published.values())
