"""The concrete units of work: the kernel's ``UnitOfWork`` with the registration stores bound to its session.

``SqlUnits`` is what commands get as ``ports.Units``; ``SqlBatch`` is the synchronous unit a group-committed
registration batch runs in (``writer.py``). Every commit path ends in the kernel's explicit staging
(``transaction``, ``write_staged``/``write_staged_sync``, or a kernel consumer), never in a hidden listener.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.ext.asyncio import AsyncSessionTransaction as _Savepoint
from sqlalchemy.orm import Session

from schemas.base import CloudEvent, EventData
from schemas.values import Role
from services.common.db import scrub_after_erasure
from services.common.outbox import Outbox
from services.common.unit_of_work import UnitOfWork, transaction
from services.registration.adapters import agenda_store, applied_roles, db, earned_roles, listing, privacy_store, rows
from services.registration.adapters.audit_history import SqlAuditHistory
from services.registration.adapters.stores import (
    SqlAppliedRoles,
    SqlEarnedRoles,
    SqlMagicLinks,
    SqlPresentations,
    SqlRegistrations,
    SqlStripeTasks,
)
from services.registration.adapters.traces import SqlTraces
from services.registration.adapters.writer import GroupWriter
from services.registration.domain.privacy import Consents, SpecialNeeds
from services.registration.domain.registration import Registration
from services.registration.ports import BatchHandler, Filters, Row

T = TypeVar("T")
R = TypeVar("R")
Sessions = async_sessionmaker[AsyncSession]


class SqlUnit(UnitOfWork):
    """``ports.Tx`` on SQL: the kernel's unit of work plus a store per table group."""

    def __init__(self, session: AsyncSession, outbox: Outbox, *, read_only: bool = False) -> None:
        super().__init__(session, outbox)
        self.read_only = read_only
        self.registrations = SqlRegistrations(session)
        self.tasks = SqlStripeTasks(session)
        self.earned = SqlEarnedRoles(session)
        self.applied = SqlAppliedRoles(session)
        self.presentations = SqlPresentations(session)
        self.magic_links = SqlMagicLinks(session)
        self.privacy = privacy_store.SqlPrivacy(session)
        self.traces = SqlTraces(session)
        self.agenda = agenda_store.SqlAgenda(session)
        self.history = SqlAuditHistory(session)
        self.queued_tasks: list[int] = []

    def stage(self, data: EventData, *, event_id: str | None = None, time: Any = None) -> CloudEvent[Any]:
        if self.read_only:
            raise RuntimeError("a read-only unit commits nothing: stage events in units.begin()")
        return super().stage(data, event_id=event_id, time=time)

    def stage_tombstone(self, topic: str, key: str) -> None:
        self.stage_raw(topic=topic, key=key.encode(), value=None, headers=[], event_id="")

    def all_or_nothing(self) -> _Savepoint:
        return self.session.begin_nested()


class SqlUnits:
    """``ports.Units`` on SQL: units of work on the service's database."""

    def __init__(self, sessions: Sessions, outbox: Outbox) -> None:
        self.sessions = sessions
        self.outbox = outbox

    @contextlib.asynccontextmanager
    async def begin(self) -> AsyncIterator[SqlUnit]:
        async with transaction(self.sessions, self.outbox) as uow:
            unit = SqlUnit(uow.session, self.outbox)
            yield unit

    @contextlib.asynccontextmanager
    async def read(self) -> AsyncIterator[SqlUnit]:
        async with self.sessions() as session:
            yield SqlUnit(session, self.outbox, read_only=True)

    async def scrub(self) -> None:
        await scrub_after_erasure(self.sessions)

    def joined(self, session: object) -> SqlUnit:
        if not isinstance(session, AsyncSession):
            raise TypeError(f"a kernel consumer hands an AsyncSession, not {type(session).__name__}")
        return SqlUnit(session, self.outbox)

    async def every_row(self, filters: Filters, *, batch: int) -> AsyncIterator[Registration]:
        async for row in listing.every_row(self.sessions, filters, batch=batch):
            yield rows.registration_of(row)


class SqlBatch:
    """``ports.Batch`` on a synchronous session: the group writer's (SQLite) or ``run_sync``'s (PostgreSQL)."""

    def __init__(self, session: Session, outbox: Outbox) -> None:
        self.session = session
        self.outbox = outbox

    def take_seats(self, code: str, seats: int = 1) -> bool:
        return _rowcount(self.session.connection().execute(*db.seat_update(code, seats))) == 1

    def use_code(self, code: str, max_uses: int | None) -> bool:
        return _rowcount(self.session.connection().execute(*db.code_use_update(code, max_uses))) == 1

    def advance(self, counter: str, by: int = 1) -> int:
        return int(self.session.connection().execute(*db.counter_update(counter, by)).scalar_one())

    def earned_roles(self, email_keys: Iterable[str]) -> Mapping[str, set[Role]]:
        rows = self.session.connection().execute(earned_roles.roles_of_keys(email_keys)).tuples()
        return earned_roles.by_key(rows)

    def live_addresses(self, email_keys: Iterable[str]) -> set[str]:
        keys = set(email_keys)
        if not keys:
            return set()
        return set(self.session.connection().execute(db.live_with_addresses(keys)).scalars())

    def insert(self, registrations: Sequence[Registration], waiting: Sequence[Row], applied: Sequence[Row]) -> None:
        conn = self.session.connection()
        if registrations:
            conn.execute(insert(db.registrations), [rows.row_of(reg) for reg in registrations])
        if waiting:
            conn.execute(insert(db.waiting_list), list(waiting))
        if applied:
            conn.execute(insert(applied_roles.applied_roles), list(applied))

    def insert_privacy(
        self, consents: Sequence[tuple[str, Consents]], needs: Sequence[tuple[str, SpecialNeeds]], now: datetime
    ) -> None:
        privacy_store.insert_rows(
            self.session.connection(),
            [privacy_store.consent_row(rid, given, now) for rid, given in consents],
            [privacy_store.needs_row(rid, kept, now) for rid, kept in needs],
        )

    def stage(self, data: EventData) -> None:
        self.outbox.add(self.session, data)


def _rowcount(result: Any) -> int:
    return int(result.rowcount)


class DirectWriter:
    """``ports.Writer`` without group commit (an in-memory SQLite): one transaction per registration.

    ``gate``: on SQLite registrations queue here rather than in SQLite's sleeping busy handler (one writer anyway).
    """

    def __init__(self, units: SqlUnits, gate: asyncio.Lock | None = None) -> None:
        self.units = units
        self.gate = gate

    async def run_batched(self, handler: BatchHandler[T, R], item: T) -> R:
        async with self.gate or contextlib.nullcontext(), transaction(self.units.sessions, self.units.outbox) as uow:
            outbox = self.units.outbox
            results = await uow.session.run_sync(lambda s: handler(SqlBatch(s, outbox), [item]))
            return results[0]

    async def close(self) -> None:
        return None


class BatchWriter:
    """``ports.Writer`` through the group writer (``writer.GroupWriter``): each batch handler gets a ``SqlBatch``."""

    def __init__(self, group: GroupWriter, outbox: Outbox) -> None:
        self.group = group
        self.outbox = outbox
        self._adapted: dict[Any, Callable[[Session, list[Any]], list[Any]]] = {}

    async def run_batched(self, handler: BatchHandler[T, R], item: T) -> R:
        adapted = self._adapted.get(handler)
        if adapted is None:  # one per handler: the group writer batches consecutive items of the same one
            outbox = self.outbox

            def on_session(session: Session, items: list[Any]) -> list[Any]:
                return handler(SqlBatch(session, outbox), items)

            adapted = self._adapted[handler] = on_session
        result: R = await self.group.run_batched(adapted, item)
        return result

    async def close(self) -> None:
        await self.group.close()
