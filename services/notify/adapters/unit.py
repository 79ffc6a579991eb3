"""notify's unit of work on SQL: one transaction's reads, staged writes and events (the ``NotifyUnit`` port).

``SqlUnitFor`` gives the unit of a transaction a kernel consumer opened (the same unit for
the whole batch: ``begin_batch`` and every handler share its reads and plans);
``write_staged`` is called by the consumer's ``after_handlers`` hook, before the inbox rows
and the commit. ``SqlUnits`` opens a transaction of its own for the retry, reminder and
erasure passes and writes the staged rows itself before committing. Events are staged on the
kernel's outbox in the same transaction.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from schemas import topics
from schemas.base import EventData
from services.common.db import scrub_after_commit, write_turn
from services.common.outbox import Outbox
from services.common.unit_of_work import UnitOfWork, transaction
from services.notify.adapters import claims, db, person_erasure, queue_sql
from services.notify.adapters.abstracts import SqlAbstracts
from services.notify.adapters.broadcasts import SqlBroadcasts
from services.notify.adapters.programme import SqlProgramme
from services.notify.adapters.staging import StagedWrites
from services.notify.domain.batch import Batch
from services.notify.domain.delivery import Deferral, MessageRecord, Queued
from services.notify.domain.rules import Contact, Unpaid

_UNIT = "notify_unit"


class SqlNotifyUnit:
    """notify's tables and the outbox in one transaction: the kernel's ``UnitOfWork`` with notify's stores.

    Writes to notify's tables are staged until ``write_staged``; events are staged on the kernel's unit.
    """

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.session = session = uow.session
        self.batch = Batch()
        self.abstracts = SqlAbstracts(session)
        self.programme = SqlProgramme(session)
        self.broadcasts = SqlBroadcasts(session)
        self._writes = StagedWrites()

    # ---- reads ------------------------------------------------------------------------------------------------

    async def load_contacts(self, delegate_ids: Iterable[str]) -> dict[str, Contact]:
        found = await db.load_contacts(self.session, delegate_ids)
        self._writes.stored |= found.keys()
        return found

    async def known_messages(self, message_ids: Iterable[str]) -> set[str]:
        return await db.known_messages(self.session, message_ids)

    # ---- staged writes --------------------------------------------------------------------------------------

    def stage_contact(self, contact: Contact) -> None:
        self._writes.contact_writes[contact.delegate_id] = contact

    def stage_unpaid(self, delegate_id: str, unpaid: Unpaid | None) -> None:
        if unpaid is not None:  # kept sealed, as the outbox seals events: no personal field in clear in the table
            unpaid = replace(unpaid, event=self.uow.outbox.seal_value(self.session, unpaid.event))
        self._writes.unpaid[delegate_id] = unpaid

    def stage_message(self, record: MessageRecord, *, status: str, detail: str, attempts: int, when: datetime) -> None:
        self._writes.stage_message(record, status=status, detail=detail, attempts=attempts, when=when)

    async def queue(self, queued: Queued) -> None:
        await db.add_pending(self.session, self._sealed(queued))

    def owe(self, queued: Queued) -> None:
        self._writes.stage_owed(self._sealed(queued), queued)

    def _sealed(self, queued: Queued) -> Queued:
        """The queued message with its cause event sealed for the table (opened again by ``claim``)."""
        return replace(queued, cause_event=self.uow.outbox.seal_value(self.session, queued.cause_event))

    @property
    def owed(self) -> list[Queued]:
        return list(self._writes.written_owed)

    def stage(self, data: EventData) -> None:
        self.uow.stage(data)

    def stage_dead_letter(self, *, value: bytes, key: str, event_id: str, headers: list[tuple[str, str]]) -> None:
        self.uow.stage_raw(topic=topics.DEADLETTER, key=key.encode(), value=value, event_id=event_id, headers=headers)

    def checkpoint(self) -> Callable[[], None]:
        batch, writes = self.batch.snapshot(), self._writes.snapshot()

        def undo() -> None:  # the outbox rows: the kernel consumer drops a failed handler's itself
            self.batch.restore(batch)
            self._writes.restore(writes)

        return undo

    async def write_staged(self) -> None:
        """Write what was staged on notify's tables (one statement per table); call it just before the commit."""
        await self._writes.write(self.session)

    # ---- the retry queue, reminders, erasure ------------------------------------------------------------------

    async def due(self, now: datetime, limit: int) -> list[str]:
        return await db.due_pending(self.session, now, limit)

    async def claim(
        self, *, now: datetime, until: datetime, message_ids: Sequence[str] | None, limit: int
    ) -> list[Queued]:
        claimed = await claims.claim(self.session, now=now, until=until, message_ids=message_ids, limit=limit)
        return [replace(q, cause_event=self.uow.outbox.open_value(q.cause_event)) for q in claimed]

    async def claim_owed(self, message_ids: Sequence[str], *, now: datetime, until: datetime) -> set[str]:
        return await queue_sql.claim_ids(self.session, message_ids, now=now, until=until)

    async def settle(self, message_ids: Sequence[str]) -> set[str]:
        return await queue_sql.settle(self.session, message_ids)

    async def defer(self, deferrals: Sequence[Deferral]) -> None:
        await claims.defer(self.session, deferrals)

    async def unpaid_due(self, created_before: datetime, limit: int) -> list[Unpaid]:
        due = await db.unpaid_due(self.session, created_before, limit)
        return [replace(u, event=self.uow.outbox.open_value(u.event)) for u in due]

    async def mark_reminded(self, delegate_id: str, when: datetime) -> bool:
        return await db.mark_reminded(self.session, delegate_id, when)

    async def forget_delegates(self, delegate_ids: list[str]) -> None:
        await db.forget_delegates(self.session, delegate_ids)
        await self.broadcasts.forget(delegate_ids)
        await self.uow.shred(delegate_ids)  # notify's data keys: the addresses in its events read "erased"

    async def forget_person(self, is_person: Callable[[str], bool], submitted: Sequence[str], ref: str) -> int:
        forgotten = await person_erasure.forget_person(self.session, is_person, submitted)
        await self.uow.shred([ref])  # NotificationSent/Failed are sealed per recipient: the mail to them is shredded
        scrub_after_commit(self.session)
        return forgotten

    async def messages_to(self, recipient_id: str) -> list[dict[str, str]]:
        return await db.messages_to(self.session, recipient_id)

    async def expire_messages(self) -> int:
        return await db.expire_messages(self.session)


class SqlUnitFor:
    """The unit of a consumer's transaction: made on first use, kept on the session for the batch."""

    def __init__(self, outbox: Outbox) -> None:
        self.outbox = outbox

    def __call__(self, session: object) -> SqlNotifyUnit:
        if not isinstance(session, AsyncSession):
            raise TypeError(f"notify's consumer handlers take an AsyncSession, not {type(session).__name__}")
        unit = session.info.get(_UNIT)
        if not isinstance(unit, SqlNotifyUnit):
            unit = session.info[_UNIT] = SqlNotifyUnit(UnitOfWork(session, self.outbox))
        return unit


class SqlUnits:
    """Opens a transaction of its own; on a normal exit its staged writes are written, then it commits.

    On SQLite it takes its turn with the process's other writers first (``db.write_turn``: the consumer's
    batches, the relay): the owed sender and the retry pass open a short transaction per message, and
    meeting the consumer in SQLite's busy handler (which sleeps up to 100 ms a try) stalled both.
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession], outbox: Outbox) -> None:
        self.sessions, self.outbox = sessions, outbox
        bind = sessions.kw.get("bind")
        self._engine: AsyncEngine | None = bind if isinstance(bind, AsyncEngine) else None

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[SqlNotifyUnit]:
        async with write_turn(self._engine), transaction(self.sessions, self.outbox) as uow:
            unit = SqlNotifyUnit(uow)
            yield unit
            await unit.write_staged()  # then the kernel writes the staged events and commits
