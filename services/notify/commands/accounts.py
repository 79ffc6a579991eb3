"""What admins and invited organisers do with organiser accounts: invite, set a password, change, deactivate,
erase.

Each change is one transaction: the account's new version and its ``OrganiserAccountChanged``
snapshot on the outbox (every service reads ``congress.organisers``); notify's own directory is
updated at once after the commit (``published``). An invitation stages ``OrganiserInvited`` with
the set-password link sealed for notify alone; notify's own consumer mails it like every other
link. The link is single-use (it names the account's current ``invitation_id``, cleared when
used or replaced) and expires after ``invitation_hours``. An erasure stages the account's tombstone in
place of a snapshot, and notify's own directory forgets the account after the commit (``forgotten``).

The admin acting is given by address (``by``: the rules refuse an admin's changes to their own account); the
audit record names their account by its id, looked up in the same transaction (decision 75). A seeded
organiser's account is made with the id every service derives for them (``seeded_account_id``).
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import quote

from schemas.access import AccessKind
from schemas.audit import DetailValue
from schemas.organisers import OrganiserAccountChanged, OrganiserInvited
from services.common import audit
from services.common.accounts import seeded_account_id
from services.common.auth import InvalidToken, hash_password, sign, verify, verify_password
from services.common.congress import Organiser
from services.common.organiser_login import hashing
from services.common.roles import EVERY_ROLE, Role, parse_roles
from services.common.sealing import NOTIFY_LINK, seal
from services.notify.commands.audited import CATALOGUE
from services.notify.domain.accounts import (
    AccountRefused,
    OrganiserRecord,
    changed,
    checked_email,
    checked_password,
    checked_roles,
    deactivated,
    erasable,
    regranted,
    snapshot,
)
from services.notify.ports import AccountsUnit, AccountUnits

INVITATION = "organiser-invitation"
"""The purpose the invitation tokens are signed for."""


def _new_id() -> str:
    return uuid.uuid4().hex


@dataclass
class Accounts:
    units: AccountUnits
    secret: str
    congress_id: str
    networks: frozenset[str]
    link_base: str
    clock: Callable[[], datetime]
    published: Callable[[OrganiserAccountChanged], None]
    invitation_hours: float = 72.0
    new_id: Callable[[], str] = field(default=_new_id)
    listed: Callable[[], frozenset[str]] = field(default=frozenset)
    """The addresses the edition file lists as organisers now (lower case): such an account is not erased."""
    forgotten: Callable[[str], None] = field(default=lambda _account_id: None)
    """Tells notify's own directory that an account is erased (as ``published`` tells it of a snapshot)."""

    async def listing(self) -> list[OrganiserRecord]:
        async with self.units() as unit:
            return await unit.accounts.listing()

    async def seed(self, organisers: Iterable[Organiser]) -> int:
        """Take the edition file's organisers in as accounts once (their roles, or every role); returns how many.

        An address that has an account already keeps it as the admins left it; two copies of notify
        seeding at once insert each organiser once.
        """
        made: list[OrganiserAccountChanged] = []
        async with self.units() as unit:
            for organiser in organisers:
                roles = parse_roles(organiser.roles) if organiser.roles is not None else EVERY_ROLE
                email, networks = str(organiser.email).lower(), frozenset(organiser.networks)
                account_id = await self._seeded_id(unit, email)
                record = OrganiserRecord(
                    account_id, email, organiser.name, roles, networks, True, None, None, None, 1, seeded=True
                )
                if await unit.accounts.add_if_absent(record):
                    event = snapshot(record)
                    unit.stage(event)
                    made.append(event)
        self._announce(made)
        return len(made)

    async def _seeded_id(self, unit: AccountsUnit, email: str) -> str:
        """The id every service derives for the address; a new one if that id was erased (the edition file lists
        the address again: a new account by intent, decision 73), so the erased id stays unknown everywhere."""
        derived = seeded_account_id(self.secret, email)
        return derived if await unit.accounts.erased_at(derived) is None else self.new_id()

    async def load(self) -> None:
        """Tell notify's own directory about every account (at start, before Kafka is read)."""
        for record in await self.listing():
            self.published(snapshot(record))

    async def invite(self, by: str, email: str, name: str, roles: frozenset[Role], networks: frozenset[str]) -> str:
        """Make an account and mail its set-password link; returns the account id."""
        address = checked_email(email)
        if not name.strip():
            raise AccountRefused("Enter the person's name.")
        kept = checked_roles(roles, networks, self.networks)
        async with self.units() as unit:
            if await unit.accounts.by_email(address) is not None:
                raise AccountRefused(f"{address} already has an account; change it or invite them again below.")
            record = OrganiserRecord(self.new_id(), address, name.strip(), roles, kept, True, None, None, None, 0)
            saved = await self._invite(unit, record)
            await self._note(unit, "notify.account.invite", by, saved)
        self._announce([saved])
        return record.account_id

    async def reinvite(self, by: str, account_id: str) -> None:
        """A new link (the old one stops working), e.g. when the first one expired."""
        async with self.units() as unit:
            record = await self._get(unit, account_id)
            if not record.active:
                raise AccountRefused("Reactivate the account before inviting them again.")
            saved = await self._invite(unit, record)
            await self._note(unit, "notify.account.invite", by, saved)
        self._announce([saved])

    async def regrant(self, by: str, account_id: str, roles: frozenset[Role], networks: frozenset[str]) -> None:
        kept = checked_roles(roles, networks, self.networks)
        await self._change(account_id, lambda r: regranted(r, by, roles, kept), "notify.account.roles", by)

    async def deactivate(self, by: str, account_id: str) -> None:
        """Off at once: every service refuses the account's sessions as soon as it reads the snapshot."""
        now = self.clock()
        await self._change(account_id, lambda r: deactivated(r, by, now), "notify.account.deactivate", by)

    async def erase(self, by: str, account_id: str) -> None:
        """Forget a deactivated account: notify keeps its id and when, every service forgets it on the tombstone.

        Refused for the admin's own account, an active one, one the edition file still lists (it would come
        back), and one erased already; an unknown id is a ``LookupError``.
        """
        listed = self.listed()
        async with self.units() as unit:
            if await unit.accounts.erased_at(account_id) is not None:
                raise AccountRefused("This account was erased already.")
            record = await self._get(unit, account_id)
            erasable(record, by, listed=record.email in listed)
            if not await unit.erase(record, self.clock()):  # another admin's erasure committed meanwhile
                raise AccountRefused("This account was erased already.")
            unit.tombstone(account_id)
            actor = await self._actor(unit, by)
            audit.record(unit, CATALOGUE, "notify.account.erase", actor, account_id, at=self.clock(), details={})
        self.forgotten(account_id)

    async def erased(self) -> list[tuple[str, datetime]]:
        """Every erased account's id and when it was erased (what the accounts page shows of them)."""
        async with self.units() as unit:
            return await unit.accounts.erased()

    async def reactivate(self, by: str, account_id: str) -> None:
        await self._change(account_id, lambda r: changed(r, active=True), "notify.account.reactivate", by)

    async def invited(self, token: str) -> OrganiserRecord:
        """The account an invitation link opens, if it is still good."""
        async with self.units() as unit:
            return await self._invitation(unit, token)

    async def accept(self, token: str, password: str, again: str) -> str:
        """Set the password through the link (which then stops working); returns the email to sign in with."""
        checked_password(password, again)
        hashed = await hashing(functools.partial(hash_password, password))
        async with self.units() as unit:
            record = await self._invitation(unit, token)
            saved = await self._save(unit, changed(record, password_hash=hashed, invitation_id=None))
            await self._note(unit, "notify.account.password", record.email, saved)
        self._announce([saved])
        return record.email

    async def check_password(self, email: str, password: str) -> str | None:
        """The account's email if it is active, has a password and this is it (the sign-in door)."""
        async with self.units() as unit:
            record = await unit.accounts.by_email(email)
        if record is None or not record.active or record.password_hash is None:
            return None
        stored = record.password_hash
        ok = await hashing(functools.partial(verify_password, password, stored))
        return record.email if ok else None

    async def _change(
        self, account_id: str, change: Callable[[OrganiserRecord], OrganiserRecord], action: str, by: str
    ) -> None:
        async with self.units() as unit:
            saved = await self._save(unit, change(await self._get(unit, account_id)))
            await self._note(unit, action, by, saved)
        self._announce([saved])

    async def _actor(self, unit: AccountsUnit, by: str) -> audit.Actor:
        """The acting organiser by their account's id (an address is never recorded, decision 75): their row in
        this table, else the id derived for an edition-file organiser notify has not seeded yet."""
        record = await unit.accounts.by_email(by)
        return audit.organiser(record.account_id if record else seeded_account_id(self.secret, by))

    async def _note(self, unit: AccountsUnit, action: str, by: str, account: OrganiserAccountChanged) -> None:
        """The audit record of ``action``, in the same transaction (ids, roles and networks; no names)."""
        details: dict[str, DetailValue] = {
            "roles": ",".join(account.roles),
            "networks": ",".join(account.networks),
            "active": account.active,
        }
        actor = await self._actor(unit, by)
        audit.record(unit, CATALOGUE, action, actor, account.account_id, at=self.clock(), details=details)

    async def _get(self, unit: AccountsUnit, account_id: str) -> OrganiserRecord:
        record = await unit.accounts.by_id(account_id)
        if record is None:
            raise LookupError("no such account")
        return record

    async def _invitation(self, unit: AccountsUnit, token: str) -> OrganiserRecord:
        expired = AccountRefused("This invitation link has expired or was used already; ask an admin for a new one.")
        try:
            claims = verify(self.secret, INVITATION, token)
        except InvalidToken as exc:
            raise expired from exc
        until = claims.get("until")
        if not isinstance(until, (int, float)) or self.clock().timestamp() >= until:
            raise expired
        record = await unit.accounts.by_id(str(claims.get("account", "")))
        if record is None or not record.active or record.invitation_id != claims.get("invitation"):
            raise expired
        return record

    async def _invite(self, unit: AccountsUnit, record: OrganiserRecord) -> OrganiserAccountChanged:
        invitation_id = self.new_id()
        saved = await self._save(unit, changed(record, invitation_id=invitation_id))
        expires_at = self.clock() + timedelta(hours=self.invitation_hours)
        claims = {"account": record.account_id, "invitation": invitation_id, "until": expires_at.timestamp()}
        link = f"{self.link_base}/organiser/invitation?token={quote(sign(self.secret, INVITATION, claims))}"
        unit.stage(
            OrganiserInvited(
                congress_id=self.congress_id,
                subject_id=invitation_id,
                kind=AccessKind.ORGANISER,
                email=record.email,
                recipient_name=record.name,
                about=", ".join(sorted(role.value for role in record.roles)),
                sealed_link=seal(self.secret, NOTIFY_LINK, link, bound_to=invitation_id),
                expires_at=expires_at,
            )
        )
        return saved

    async def _save(self, unit: AccountsUnit, record: OrganiserRecord) -> OrganiserAccountChanged:
        await unit.accounts.save(record)
        event = snapshot(record)
        unit.stage(event)
        return event

    def _announce(self, events: Iterable[OrganiserAccountChanged]) -> None:
        for event in events:
            self.published(event)
