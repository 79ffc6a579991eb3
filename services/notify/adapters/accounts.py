"""The organiser accounts table (``notify_organiser_accounts``), the erased accounts' ids, and their unit of work."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Column, DateTime, Integer, String, Table, Text, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from schemas import topics
from schemas.base import EventData
from services.common.outbox import Outbox
from services.common.roles import parse_roles
from services.common.unit_of_work import UnitOfWork, transaction
from services.notify.adapters import account_erasure
from services.notify.adapters.db import notify_metadata, upsert_insert
from services.notify.domain.accounts import OrganiserRecord

organiser_accounts = Table(
    "notify_organiser_accounts",
    notify_metadata,
    Column("account_id", String(64), primary_key=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("name", Text, nullable=False),
    Column("roles", JSON, nullable=False),
    Column("networks", JSON, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("password_hash", Text, nullable=True, doc="scrypt; never published."),
    Column("invitation_id", String(64), nullable=True, doc="The one invitation link that still works."),
    Column("sessions_valid_after", DateTime(timezone=True), nullable=True),
    Column("version", Integer, nullable=False),
    Column("seeded", Boolean, nullable=False),
)

erased_accounts = Table(
    "notify_erased_organiser_accounts",
    notify_metadata,
    Column("account_id", String(64), primary_key=True),
    Column("erased_at", DateTime(timezone=True), nullable=False, doc="All notify keeps of an erased account."),
)


def _record(row: Any) -> OrganiserRecord:
    return OrganiserRecord(
        account_id=row.account_id,
        email=row.email,
        name=row.name,
        roles=parse_roles(row.roles),
        networks=frozenset(row.networks),
        active=row.active,
        password_hash=row.password_hash,
        invitation_id=row.invitation_id,
        sessions_valid_after=row.sessions_valid_after,
        version=row.version,
        seeded=row.seeded,
    )


def _values(record: OrganiserRecord) -> dict[str, Any]:
    return {
        "account_id": record.account_id,
        "email": record.email,
        "name": record.name,
        "roles": sorted(role.value for role in record.roles),
        "networks": sorted(record.networks),
        "active": record.active,
        "password_hash": record.password_hash,
        "invitation_id": record.invitation_id,
        "sessions_valid_after": record.sessions_valid_after,
        "version": record.version,
        "seeded": record.seeded,
    }


class SqlOrganiserAccounts:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_id(self, account_id: str) -> OrganiserRecord | None:
        found = await self.session.execute(
            select(organiser_accounts).where(organiser_accounts.c.account_id == account_id)
        )
        row = found.first()
        return _record(row) if row else None

    async def by_email(self, email: str) -> OrganiserRecord | None:
        found = await self.session.execute(
            select(organiser_accounts).where(organiser_accounts.c.email == email.strip().lower())
        )
        row = found.first()
        return _record(row) if row else None

    async def listing(self) -> list[OrganiserRecord]:
        found = await self.session.execute(select(organiser_accounts).order_by(organiser_accounts.c.email))
        return [_record(row) for row in found]

    async def add_if_absent(self, record: OrganiserRecord) -> bool:
        """Insert the account unless its email is taken (two notify copies seeding at once); True if inserted."""
        statement = upsert_insert(self.session, organiser_accounts).values(_values(record)).on_conflict_do_nothing()
        result = await self.session.execute(statement)
        return bool(getattr(result, "rowcount", 0))

    async def save(self, record: OrganiserRecord) -> None:
        values = _values(record)
        changed = await self.session.execute(
            update(organiser_accounts).where(organiser_accounts.c.account_id == record.account_id).values(values)
        )
        if not getattr(changed, "rowcount", 0):
            await self.session.execute(insert(organiser_accounts).values(values))

    async def erased_at(self, account_id: str) -> datetime | None:
        found = await self.session.execute(
            select(erased_accounts.c.erased_at).where(erased_accounts.c.account_id == account_id)
        )
        return found.scalar_one_or_none()

    async def erased(self) -> list[tuple[str, datetime]]:
        found = await self.session.execute(select(erased_accounts).order_by(erased_accounts.c.erased_at))
        return [(row.account_id, row.erased_at) for row in found]

    async def erase(self, account_id: str, at: datetime) -> bool:
        """Record the erasure, then delete the account's row; False (nothing done) if another transaction erased
        it first. The erased id is the unique key two admins' erasures meet on: on PostgreSQL the second insert
        waits for the first's commit and then inserts nothing, so the loser is refused rather than failing."""
        statement = upsert_insert(self.session, erased_accounts).values(account_id=account_id, erased_at=at)
        if not getattr(await self.session.execute(statement.on_conflict_do_nothing()), "rowcount", 0):
            return False
        await self.session.execute(delete(organiser_accounts).where(organiser_accounts.c.account_id == account_id))
        return True


class SqlAccountsUnit:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.accounts = SqlOrganiserAccounts(uow.session)

    def stage(self, data: EventData) -> None:
        self.uow.stage(data)

    async def erase(self, record: OrganiserRecord, at: datetime) -> bool:
        if not await self.accounts.erase(record.account_id, at):
            return False
        await account_erasure.forget_traces(self.uow, record)
        return True

    def tombstone(self, account_id: str) -> None:
        self.uow.stage_raw(topic=topics.ORGANISERS, key=account_id.encode(), value=None, headers=[])


class SqlAccountUnits:
    """Opens a transaction over the accounts; the staged snapshots are written with it."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], outbox: Outbox) -> None:
        self.sessions, self.outbox = sessions, outbox

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[SqlAccountsUnit]:
        async with transaction(self.sessions, self.outbox) as uow:
            yield SqlAccountsUnit(uow)
