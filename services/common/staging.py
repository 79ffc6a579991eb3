"""Rows a consumer's handler inserts later, together: one ``executemany`` per table instead of one per event.

A consumer handles a batch of events in one transaction; a handler that writes one row per
event with ``session.execute(insert(...))`` pays a database round trip for each (on SQLite
through aiosqlite's thread: the kernel ran at a twentieth of raw Kafka's speed).
``stage_insert(session, table, row)`` keeps the row on the session instead, and the
``EventConsumer`` writes the staged rows explicitly, one statement per table in the order
the tables were first staged (one per set of columns given):

- at the end of an optimistic batch, before the outbox rows and the commit (a failure there
  re-runs the batch one savepoint per event, so the row at fault is dead-lettered alone);
- inside each event's savepoint, right after its handler, when the batch runs isolated.

On PostgreSQL the rows of a table whose columns are plain (strings, numbers, bytes, times: nothing SQLAlchemy
converts on the way in) go as one array per column in a single ``INSERT … SELECT FROM unnest(…)``: an
``executemany`` sent a bind and an execute per row, and the server ran the insert once per row. Any other
table (an enum, JSON, a Python-side default to fill in) is written by SQLAlchemy as before.

Nothing hooks into SQLAlchemy: a row staged is not visible to a read in the same
transaction until the consumer writes it, so stage only rows that the batch's handlers do
not read back (an effect log, a projection row keyed by the event).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Date, DateTime, Dialect, Enum, Float, Integer, LargeBinary, String, Table
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
    # One statement per table and set of columns: an executemany takes its columns from the first row and would
    # drop what a later row gives beyond them.
    by_table: dict[tuple[Table, frozenset[str]], list[Mapping[str, Any]]] = {}
    for table, row in pending:
        by_table.setdefault((table, frozenset(row)), []).append(row)
    for (table, _), rows in by_table.items():
        connection = await session.connection()
        unnested = unnest_insert(table, rows, connection.dialect)
        if unnested is not None:
            await connection.exec_driver_sql(*unnested)
        else:
            await session.execute(table.insert(), rows)
    return len(pending)


_PLAIN = (String, Integer, LargeBinary, DateTime, Date, Float)


def unnest_insert(table: Table, rows: list[Mapping[str, Any]], dialect: Dialect) -> tuple[str, tuple[Any, ...]] | None:
    """On PostgreSQL, one ``INSERT … SELECT FROM unnest`` of ``rows`` (in their order) with one array parameter
    per column; None where SQLAlchemy has to write them: another database, rows naming different columns, a
    column whose values SQLAlchemy converts (an enum, JSON, a boolean) or an omitted column it fills in."""
    if dialect.name != "postgresql" or not rows:
        return None
    keys = list(rows[0])
    if any(row.keys() != rows[0].keys() for row in rows) or any(key not in table.c for key in keys):
        return None
    columns = [table.c[key] for key in keys]
    for column in columns:
        if isinstance(column.type, Enum) or not isinstance(column.type, _PLAIN):
            return None
        if column.type.dialect_impl(dialect).bind_processor(dialect) is not None:
            return None
    if any(column.default is not None for column in table.columns if column.key not in rows[0]):
        return None
    quote = dialect.identifier_preparer
    names = ", ".join(quote.format_column(column) for column in columns)
    arrays = ", ".join(f"${n}::{column.type.compile(dialect=dialect)}[]" for n, column in enumerate(columns, 1))
    aliases = ", ".join(f"c{n}" for n in range(len(columns)))
    # The table's quoted names and SQLAlchemy's type names are formatted in; every value is a parameter.
    into = f"INSERT INTO {quote.format_table(table)} ({names}) "
    select = f"SELECT {aliases} FROM unnest({arrays}) WITH ORDINALITY AS r({aliases}, n) ORDER BY n"  # noqa: S608
    sql = into + select
    return sql, tuple([row[key] for row in rows] for key in keys)


def forget_staged(session: AsyncSession | Session) -> None:
    """Drop what is staged (the transaction rolled back)."""
    session.info.pop(_KEY, None)
