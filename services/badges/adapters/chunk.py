"""A chunk of confirmations in one statement per table: read together before the handlers, inserted together after.

The consumer handles a chunk of registration events in one transaction; each confirmation used to cost five
statements of its own (its replica row read and written, its badge read and written, its unpaid payments read),
about half of badges' main-process CPU in a burst. ``prefetch`` (the consumer's hook before the handlers) reads the
chunk's delegates, badges and unpaid payments in one ``SELECT`` per table and keeps them on the session;
``ChunkStore`` answers the handlers' reads from them and stages the new replica rows and badges with the kernel's
``stage_insert``, which the consumer writes in one statement per table before the commit (or inside each event's
savepoint when a failure makes it run the chunk again one event at a time).

What it keeps:

- one current badge per delegate: a second event of the same delegate in the chunk reads what the first wrote (the
  row staged is updated in place), and the table's primary key still refuses a second row;
- idempotence: the inbox is unchanged (a redelivered chunk's events are not handled again);
- nothing lost on a crash: the rows are written in the chunk's transaction, with its inbox and outbox rows;
- a failed delegate does not block the others: the kernel runs the chunk again one savepoint per event, and a
  store inside a savepoint (``session.in_nested_transaction()``) reads and writes the database directly.

Only the confirmation path is served this way. Any other store call (a cancellation, a payment, a receipt's number)
first writes the staged rows and drops the chunk's rows for the rest of the transaction, so every later statement
sees the database as it is.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.badges.adapters import db
from services.badges.adapters.sql import SqlBadgeStore
from services.badges.domain import BadgeOnRecord, DelegateRecord, Payment
from services.badges.ports import StoredPdf
from services.common.staging import stage_insert, write_staged_rows

_KEY = "congress_badges_chunk"


@dataclass
class ChunkRows:
    """What the chunk's handlers read, loaded in one statement per table, and the rows they staged."""

    delegates: dict[str, DelegateRecord | None]
    badges: dict[str, BadgeOnRecord | None]
    unpaid: dict[str, list[Payment]]
    staged_delegates: dict[str, dict[str, Any]] = field(default_factory=dict)
    staged_badges: dict[str, dict[str, Any]] = field(default_factory=dict)


async def prefetch(session: AsyncSession, delegate_ids: Iterable[str]) -> None:
    """Load the chunk's delegates, their badges and unpaid payments (three statements) onto the session."""
    ids = sorted(set(delegate_ids))
    if not ids:
        return
    d, b, p = db.delegates, db.badges, db.payments
    delegates: dict[str, DelegateRecord | None] = dict.fromkeys(ids)
    for row in await session.execute(select(d).where(d.c.delegate_id.in_(ids))):
        delegates[row.delegate_id] = db.record_of(row)
    badges: dict[str, BadgeOnRecord | None] = dict.fromkeys(ids)
    for row in await session.execute(select(b).where(b.c.delegate_id.in_(ids))):
        badges[row.delegate_id] = db.badge_on_record(row)
    unpaid: dict[str, list[Payment]] = {i: [] for i in ids}
    query = select(p).where(p.c.delegate_id.in_(ids), p.c.receipt_issued.is_(False))
    for row in await session.execute(query):
        unpaid[row.delegate_id].append(Payment(**row._asdict()))
    session.info[_KEY] = ChunkRows(delegates, badges, unpaid)


def rows_of(session: AsyncSession) -> ChunkRows | None:
    """The chunk's rows, if the consumer loaded them and the handler is not inside a savepoint."""
    rows: ChunkRows | None = session.info.get(_KEY)
    return None if rows is None or session.in_nested_transaction() else rows


async def leave(session: AsyncSession) -> None:
    """Write what the chunk staged and stop serving its rows (a statement outside the confirmation path follows)."""
    if session.info.pop(_KEY, None) is not None:
        await write_staged_rows(session)


class ChunkStore(SqlBadgeStore):
    """``BadgeStore`` serving the confirmation path from the chunk's rows (see the module's docstring)."""

    def __init__(self, session: AsyncSession, rows: ChunkRows) -> None:
        super().__init__(session)
        self.rows = rows

    def _serving(self, delegate_id: str, table: dict[str, Any]) -> bool:
        return self.session.info.get(_KEY) is self.rows and delegate_id in table

    async def delegate(self, delegate_id: str) -> DelegateRecord | None:
        if self._serving(delegate_id, self.rows.delegates):
            return self.rows.delegates[delegate_id]
        return await super().delegate(delegate_id)

    async def save_delegate(self, record: DelegateRecord, *, registration_id: str, known: bool, now: datetime) -> None:
        rows, key = self.rows, record.delegate_id
        if not self._serving(key, rows.delegates):
            await super().save_delegate(record, registration_id=registration_id, known=known, now=now)
            return
        values = db.delegate_values(record, registration_id=registration_id, now=now)
        rows.delegates[key] = record
        if key in rows.staged_delegates:
            rows.staged_delegates[key].update(values)  # still to be inserted: the chunk's last state goes in
        elif known:
            await self.session.execute(update(db.delegates).where(db.delegates.c.delegate_id == key).values(**values))
        else:
            row = {"delegate_id": key, **values}
            rows.staged_delegates[key] = row
            stage_insert(self.session, db.delegates, row)

    async def badge(self, delegate_id: str) -> BadgeOnRecord | None:
        if self._serving(delegate_id, self.rows.badges):
            return self.rows.badges[delegate_id]
        return await super().badge(delegate_id)

    async def record_badge(
        self, delegate_id: str, *, version: int, pdf: StoredPdf, now: datetime, replaces: bool
    ) -> None:
        rows = self.rows
        if not self._serving(delegate_id, rows.badges):
            await super().record_badge(delegate_id, version=version, pdf=pdf, now=now, replaces=replaces)
            return
        values = db.badge_values(version=version, sha256=pdf.sha256, location=pdf.location, now=now)
        before = rows.badges[delegate_id]
        rows.badges[delegate_id] = BadgeOnRecord(
            delegate_id, version, pdf.sha256, pdf.location, False, before.print_count if before else 0
        )
        if delegate_id in rows.staged_badges:
            rows.staged_badges[delegate_id].update(values)
        elif before is not None:
            await self.session.execute(update(db.badges).where(db.badges.c.delegate_id == delegate_id).values(**values))
        else:
            row = {"delegate_id": delegate_id, "print_count": 0, **values}
            rows.staged_badges[delegate_id] = row
            stage_insert(self.session, db.badges, row)

    async def payments_without_receipt(self, delegate_id: str) -> list[Payment]:
        if self._serving(delegate_id, self.rows.unpaid) and not self.rows.unpaid[delegate_id]:
            return []
        await leave(self.session)  # a receipt to issue: numbered and written outside the chunk's rows
        return await super().payments_without_receipt(delegate_id)


_SERVED = {"delegate", "save_delegate", "badge", "record_badge", "payments_without_receipt"}


def _leaving(method: Callable[..., Coroutine[Any, Any, Any]]) -> Callable[..., Coroutine[Any, Any, Any]]:
    async def leaving(self: ChunkStore, *args: Any, **kwargs: Any) -> Any:
        await leave(self.session)
        return await method(self, *args, **kwargs)

    return leaving


# Every other statement of the store first writes the chunk's staged rows and stops serving them (``leave``).
for _name, _method in list(vars(SqlBadgeStore).items()):
    if _name not in _SERVED and not _name.startswith("_") and inspect.iscoroutinefunction(_method):
        setattr(ChunkStore, _name, _leaving(_method))
