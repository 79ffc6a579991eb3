"""Rows a consumer's handler inserts later, together: one ``executemany`` per table instead of one per event.

A consumer handles a batch of events in one transaction; a handler that writes one row per
event with ``session.execute(insert(...))`` pays a database round trip for each (on SQLite
through aiosqlite's thread: the kernel ran at a twentieth of raw Kafka's speed).
``stage_insert(session, table, row)`` keeps the row on the session instead, and the
``EventConsumer`` writes the staged rows explicitly, one statement per table in the order
the tables were first staged:

- at the end of an optimistic batch, before the outbox rows and the commit (a failure there
  re-runs the batch one savepoint per event, so the row at fault is dead-lettered alone);
- inside each event's savepoint, right after its handler, when the batch runs isolated.

Nothing hooks into SQLAlchemy: a row staged is not visible to a read in the same
transaction until the consumer writes it, so stage only rows that the batch's handlers do
not read back (an effect log, a projection row keyed by the event).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

_KEY = "congress_staged_rows"


def stage_insert(session: AsyncSession | Session, table: Table, row: Mapping[str, Any]) -> None:
    """Insert ``row`` into ``table`` when the consumer writes its staged rows (see above)."""
    staged(session).append((table, row))


def staged(session: AsyncSession | Session) -> list[tuple[Table, Mapping[str, Any]]]:
    """The rows staged on this session and not yet written (the consumer trims them when a savepoint fails)."""
    rows: list[tuple[Table, Mapping[str, Any]]] = session.info.setdefault(_KEY, [])
    return rows


async def write_staged_rows(session: AsyncSession) -> int:
    """Write the staged rows now, one statement per table; returns how many."""
    pending = session.info.pop(_KEY, None)
    if not pending:
        return 0
    by_table: dict[Table, list[Mapping[str, Any]]] = {}
    for table, row in pending:
        by_table.setdefault(table, []).append(row)
    for table, rows in by_table.items():
        await session.execute(table.insert(), rows)
    return len(pending)


def forget_staged(session: AsyncSession | Session) -> None:
    """Drop what is staged (the transaction rolled back)."""
    session.info.pop(_KEY, None)
