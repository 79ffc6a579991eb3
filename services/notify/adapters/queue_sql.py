"""The retry queue's hot statements on the database driver: owed rows in, claims by id, settling, ledger rows.

Every message passes through four statements: its owed row goes in with its batch, it is claimed just
before it is sent, and its record deletes the row and writes the ledger row. Through SQLAlchemy's async
session each statement cost four trips to aiosqlite's thread (cursor, execute, fetch, close) plus
compiling, binding and result processing; here each is one trip with the driver's own ``executemany`` /
``execute_fetchall`` on SQLite, and one ``exec_driver_sql`` on PostgreSQL — the way the kernel writes
its outbox rows (``services.common.outbox``). The claim returns only the message ids: the sender
already holds the finished messages it owes (no message bytes read back, no cause event opened).
Measured with ``bench/notify.py`` (ARCHITECTURE decision "65").

SQLite stores a ``DateTime`` as SQLAlchemy does (``YYYY-MM-DD HH:MM:SS.ffffff``, UTC, no offset), so the
rows written here read back through the table definitions in ``db.py`` exactly like theirs, and compare
as text in time order; a boolean is 0 or 1.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.db import SQLITE_TIME, sqlite_driver
from services.notify.adapters.db import messages, pending

_PENDING = tuple(c.name for c in pending.columns)
_LEDGER = tuple(c.name for c in messages.columns)
_TIMES = frozenset(c.name for table in (pending, messages) for c in table.columns if isinstance(c.type, DateTime))


def sqlite_time(moment: datetime) -> str:
    """A ``DateTime`` column's text on SQLite, as SQLAlchemy writes it (``services.common.db.SQLITE_TIME``)."""
    return moment.strftime(SQLITE_TIME)


def _insert(table: str, columns: Sequence[str], dialect: str) -> str:
    names = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join("?" if dialect == "sqlite" else f"${n}" for n in range(1, len(columns) + 1))
    return f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608 -- our table and column names, placeholders


def _values(row: Mapping[str, Any], columns: Sequence[str], dialect: str) -> tuple[Any, ...]:
    if dialect != "sqlite":
        return tuple(row[c] for c in columns)
    return tuple(sqlite_time(row[c]) if c in _TIMES else row[c] for c in columns)


async def _executemany(
    session: AsyncSession, table: str, columns: Sequence[str], rows: Sequence[Mapping[str, Any]]
) -> None:
    if not rows:
        return
    driver = await sqlite_driver(session)
    if driver is not None:
        await driver.executemany(_insert(table, columns, "sqlite"), [_values(r, columns, "sqlite") for r in rows])
        return
    connection = await session.connection()
    await connection.exec_driver_sql(
        _insert(table, columns, "postgresql"), [_values(r, columns, "postgresql") for r in rows]
    )


async def insert_pending(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    """Rows of ``notify_pending`` (``db.pending_row``), in one statement."""
    await _executemany(session, "notify_pending", _PENDING, rows)


async def insert_ledger(session: AsyncSession, rows: Sequence[Mapping[str, Any]]) -> None:
    """Rows of ``notify_messages`` (``db.ledger_row``), in one statement."""
    await _executemany(session, "notify_messages", _LEDGER, rows)


async def claim_ids(session: AsyncSession, message_ids: Sequence[str], *, now: datetime, until: datetime) -> set[str]:
    """Claim these queued messages that are due (``next_attempt_at`` ≤ ``now``) until ``until``; the ids claimed.

    On PostgreSQL a row another copy is claiming at that instant is skipped (``FOR UPDATE SKIP LOCKED``),
    as ``claims.claim`` does; on SQLite the statement is the one writer's."""
    ids = sorted(set(message_ids))
    if not ids:
        return set()
    driver = await sqlite_driver(session)
    if driver is not None:
        marks = ", ".join("?" * len(ids))
        where = f"WHERE message_id IN ({marks}) AND next_attempt_at <= ? RETURNING message_id"
        sql = "UPDATE notify_pending SET next_attempt_at = ? " + where  # noqa: S608 -- only placeholders formatted
        rows = await driver.execute_fetchall(sql, (sqlite_time(until), *ids, sqlite_time(now)))
        return {row[0] for row in rows}
    connection = await session.connection()
    sql = (
        "UPDATE notify_pending SET next_attempt_at = $1 WHERE message_id IN ("
        "SELECT message_id FROM notify_pending WHERE message_id = ANY($2) AND next_attempt_at <= $3 "
        "FOR UPDATE SKIP LOCKED) RETURNING message_id"
    )
    return set((await connection.exec_driver_sql(sql, (until, ids, now))).scalars())


async def settle(session: AsyncSession, message_ids: Sequence[str]) -> set[str]:
    """Delete these messages from the queue; the ones that were still there (their ledger row is the caller's)."""
    ids = sorted(set(message_ids))
    if not ids:
        return set()
    driver = await sqlite_driver(session)
    if driver is not None:
        marks = ", ".join("?" * len(ids))
        sql = f"DELETE FROM notify_pending WHERE message_id IN ({marks}) RETURNING message_id"  # noqa: S608 -- placeholders
        return {row[0] for row in await driver.execute_fetchall(sql, ids)}
    connection = await session.connection()
    sql = "DELETE FROM notify_pending WHERE message_id = ANY($1) RETURNING message_id"
    return set((await connection.exec_driver_sql(sql, (ids,))).scalars())
