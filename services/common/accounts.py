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

Every account has an id, the one the audit trail names it by (decision 75): notify's for a published account;
for a seeded organiser, ``seeded_account_id`` (an HMAC of the address under a key derived from the congress
secret), the id notify gives the account when it seeds it, so it is the same before and after the snapshot.
``shown_actor`` is how a page names an audit record's actor: the account's current name and address, or
``ERASED_ACCOUNT``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from schemas.audit import ActorKind
from schemas.organisers import OrganiserAccountChanged
from services.common.congress import Organiser
from services.common.roles import EVERY_ROLE, Role, parse_roles


@dataclass(frozen=True)
class Account:
    """One organiser as far as access goes (never the password)."""

    account_id: str
    """notify's id of the account (``seeded_account_id`` for an edition-file organiser not published yet)."""
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


ERASED_ACCOUNT = "erased account"
"""What a page shows for an audit record's organiser whose account is erased (or no longer known)."""

SEEDED_PREFIX = "seeded-"


@functools.lru_cache(maxsize=8)
def _seed_key(secret: str) -> bytes:
    info = b"congress.seeded-organiser-id"
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret.encode())


@functools.lru_cache(maxsize=4096)
def seeded_account_id(secret: str, email: str) -> str:
    """The account id of an edition-file organiser: ``seeded-`` and 32 hex digits of an HMAC-SHA256 of the
    address under a key derived from the congress secret. Every service computes the same id before notify has
    published the account, and notify seeds the account with it, so a seeded organiser has one id throughout.
    Kept per address: an audit page asks it of every account for every record (``by_id``, ``ids_matching``)."""
    mac = hmac.HMAC(_seed_key(secret), hashes.SHA256())
    mac.update(email.strip().lower().encode())
    return SEEDED_PREFIX + mac.finalize().hex()[:32]


def seeded_account(organiser: Organiser, account_id: str) -> Account:
    """An edition-file organiser as an account: the YAML's roles, or every role."""
    roles = parse_roles(organiser.roles) if organiser.roles is not None else EVERY_ROLE
    return Account(
        account_id=account_id,
        email=str(organiser.email).lower(),
        name=organiser.name,
        roles=roles,
        networks=frozenset(organiser.networks),
        seeded=True,
    )


def account_from(snapshot: OrganiserAccountChanged) -> Account:
    valid_after = snapshot.sessions_valid_after.timestamp() if snapshot.sessions_valid_after else None
    return Account(
        account_id=snapshot.account_id,
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
    """Looks an organiser up by email: the owner's latest snapshot, else the edition file's line; and by id, for
    the audit trail's pages. ``seed_id`` gives an edition-file organiser's id from their address
    (``seeded_account_id`` with the congress secret)."""

    def __init__(self, seeds: Seeds, seed_id: Callable[[str], str]) -> None:
        self.seeds = seeds
        self.seed_id = seed_id
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
                return seeded_account(organiser, self.seed_id(wanted))
        return None

    def published(self) -> list[Account]:
        return list(self._published.values())

    def every(self) -> list[Account]:
        """Every account known now: the published ones, and the edition file's organisers not published yet."""
        unpublished = (o for o in self.seeds.current() if str(o.email).lower() not in self._published)
        return self.published() + [seeded_account(o, self.seed_id(str(o.email))) for o in unpublished]

    def by_id(self, account_id: str) -> Account | None:
        """The account an audit record names, as it is now; None for an erased or unknown one.

        Also by an edition-file organiser's derived id when notify published their account under another id
        (accounts seeded before decision 75 have random ids): a service that had not yet read the snapshot
        recorded the derived one."""
        if account_id in self._erased:
            return None
        email = self._emails_by_id.get(account_id)
        if email is not None:
            return self._published[email]
        if not account_id.startswith(SEEDED_PREFIX):
            return None
        return next((a for a in self.every() if self.seed_id(a.email) == account_id), None)

    def ids_matching(self, text: str) -> frozenset[str]:
        """The ids of the accounts whose address or name holds ``text`` (any case): an organiser filtering the
        audit trail by a person types their address; the records name the account id. Erased accounts match
        nothing (nothing of them is known)."""
        wanted = text.strip().casefold()
        if not wanted:
            return frozenset()
        found = [a for a in self.every() if wanted in a.email.casefold() or wanted in a.name.casefold()]
        return frozenset(i for a in found for i in (a.account_id, self.seed_id(a.email)) if i not in self._erased)


def shown_actor(directory: AccountDirectory, kind: str, actor: str) -> str:
    """An audit record's actor as a page shows it: an organiser's account by its current name and address,
    ``ERASED_ACCOUNT`` when the account is erased (or unknown: ids are notify's, and a live account's snapshot
    stays on the compacted topic), an address recorded before decision 75 as it is; any other actor as recorded
    (a job's name, a delegate or station id)."""
    if kind != ActorKind.ORGANISER or "@" in actor:
        return actor
    account = directory.by_id(actor)
    return ERASED_ACCOUNT if account is None else f"{account.name} <{account.email}>"
