"""The async database engine: a SQLite file per service by default, PostgreSQL when the URL says so.

SQLite is opened in WAL mode and every transaction starts with ``BEGIN IMMEDIATE``
so writers queue on the busy timeout instead of failing on a lock upgrade, and
SAVEPOINTs work (the consumer gives each event its own savepoint). The kernel's
busy writers (consumer batches, the relay) also take turns inside the process
(``write_turn``), so they never sleep in SQLite's busy handler.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import uuid
import weakref
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, MetaData, event, inspect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.util import await_only

READ_ONLY = "congress_read_only"
"""Execution option: ``conn.execution_options(congress_read_only=True)`` for a transaction that only reads."""

kernel_metadata = MetaData()
"""Tables of the delivery kernel (outbox, inbox) that live in every service's database."""


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    if url.startswith("sqlite"):
        kwargs.setdefault("pool_reset_on_return", None)  # _on_reset rolls back what is open, and only that
        engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)
        _tune_sqlite(engine)
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    return create_async_engine(url, **kwargs)


def _tune_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from the driver so BEGIN IMMEDIATE and SAVEPOINT behave.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Erasure means gone from the file too: deleted rows are overwritten with zeros, not left in free pages.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "reset")
    def _on_reset(dbapi_connection: Any, _record: Any, reset_state: Any) -> None:
        # The pool rolled back every connection handed back to it: a trip to aiosqlite's thread after every
        # COMMIT too, for nothing (each consumer batch and each of the relay's reads and marks paid one, waiting
        # its turn on the busy event loop). Only a connection left inside a transaction is rolled back now; one
        # being discarded (``terminate_only``) is closed, which rolls it back in SQLite.
        if not reset_state.terminate_only and dbapi_connection.driver_connection.in_transaction:
            dbapi_connection.rollback()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers take the lock up front; a read-only transaction says so and does not queue behind them.
        statement = "BEGIN" if conn.get_execution_options().get(READ_ONLY, False) else "BEGIN IMMEDIATE"
        # On the driver's connection: one trip to aiosqlite's thread, where SQLAlchemy's cursor takes three
        # (cursor, execute, close), each waiting its turn on a busy event loop. Its error is wrapped as
        # SQLAlchemy wraps a statement's (a locked file is still an ``OperationalError``).
        try:
            await_only(conn.connection.driver_connection.execute(statement))
        except sqlite3.Error as exc:
            raise DBAPIError.instance(statement, None, exc, sqlite3.Error) from exc


SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"
"""How SQLAlchemy's ``DateTime`` stores a time in SQLite (UTC, no offset), for statements sent to the driver."""


async def sqlite_driver(session: AsyncSession) -> Any | None:
    """The aiosqlite connection under ``session``'s transaction (begun if it was not), or None on PostgreSQL.

    The kernel's few statements per batch go to it directly on SQLite: one trip to aiosqlite's thread each,
    where SQLAlchemy's cursor takes three or four (cursor, execute, fetch, close), and every trip waits its
    turn on the event loop that the consumers and the relay keep busy.
    """
    if session.bind is None or session.bind.dialect.name != "sqlite":
        return None
    connection = await session.connection()
    return (await connection.get_raw_connection()).driver_connection


_TURNS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, weakref.WeakKeyDictionary[Any, asyncio.Lock]] = (
    weakref.WeakKeyDictionary()
)


def write_turn(engine: AsyncEngine | None) -> contextlib.AbstractAsyncContextManager[Any]:
    """Hold this around a writing transaction on ``engine``: on SQLite, writers of this process take turns.

    SQLite has one writer per file; a second ``BEGIN IMMEDIATE`` waits in SQLite's busy handler,
    which sleeps 1, 2, 5, 10 … 100 ms between tries. A consumer's batch and the relay's marking of
    sent rows kept meeting there: both slept while the lock was free, and each batch waited
    ~45 ms to begin (``bench/kernel.py``). Taking turns on an ``asyncio.Lock`` hands the file over
    the moment the other commits. Writers in other processes (the CLI) still meet on the busy
    timeout. On PostgreSQL (row locks) this is a no-op.
    """
    if engine is None or engine.dialect.name != "sqlite":
        return contextlib.nullcontext()
    turns = _TURNS.setdefault(asyncio.get_running_loop(), weakref.WeakKeyDictionary())
    lock = turns.get(engine.sync_engine)
    if lock is None:
        lock = turns[engine.sync_engine] = asyncio.Lock()
    return lock


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


class SchemaOutOfDate(RuntimeError):
    """The database was created by an older version of the code: tables lack columns the code writes."""


async def create_tables(engine: AsyncEngine, *metadatas: MetaData) -> None:
    """Create the kernel's and these tables if missing, then check existing ones have every column.

    For tables without migrations (tests, scratch tables). A service's own database is brought to its
    Alembic head instead (services/common/migrations.py, docs/ARCHITECTURE.md decision 4).
    """
    async with engine.begin() as conn:
        for metadata in (kernel_metadata, *metadatas):
            await conn.run_sync(metadata.create_all)
            missing = await conn.run_sync(missing_columns, metadata)
            if missing:
                raise SchemaOutOfDate(out_of_date(engine.url.render_as_string(hide_password=True), missing))


def out_of_date(where: str, missing: dict[str, list[str]]) -> str:
    """The message of ``SchemaOutOfDate`` for a database whose tables lack these columns."""
    return (
        f"the database {where} was created by an older version of congress; missing columns: "
        + "; ".join(f"{table}: {', '.join(cols)}" for table, cols in missing.items())
        + ". For a local demo start afresh (`congress demo --fresh`, or delete the database file); "
        "a database with data to keep needs them added by hand (ALTER TABLE … ADD COLUMN) before it can be "
        'stamped and upgraded (README, "Changing a table").'
    )


def missing_columns(conn: Connection, metadata: MetaData) -> dict[str, list[str]]:
    """Columns of ``metadata``'s tables the database lacks (every column of a missing table)."""
    return lacking(conn, {table.name: [column.name for column in table.columns] for table in metadata.sorted_tables})


def lacking(conn: Connection, schema: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """Of these tables (name → column names), the columns the database lacks (all of a missing table's)."""
    inspector = inspect(conn)
    tables = set(inspector.get_table_names())
    missing = {}
    for table, columns in schema.items():
        have = {column["name"] for column in inspector.get_columns(table)} if table in tables else set()
        absent = [column for column in columns if column not in have]
        if absent:
            missing[table] = absent
    return missing


def is_postgres(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "postgresql"


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """SQLite hands datetimes back naive (they were stored as UTC); PostgreSQL aware."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def new_id(prefix: str) -> str:
    """A row id that says what it is: ``del_…``, ``abs_…`` (20 hex digits of a random UUID)."""
    return f"{prefix}_{uuid.uuid4().hex[:20]}"


_CHECKPOINT_TRIES = 50


async def scrub_after_erasure(sessions: async_sessionmaker[AsyncSession]) -> None:
    """After an erasure committed: on SQLite, copy the write-ahead log into the database and truncate it, so the
    pages as they were before the erasure (still in the log) are gone from disk too (``secure_delete`` zeroed the
    rows in the database itself). A reader still open makes it partial; the next erasure or restart finishes it.
    On PostgreSQL the old row versions go with (auto)vacuum, see docs/privacy.md."""
    engine: AsyncEngine = sessions.kw["bind"]
    if engine.dialect.name != "sqlite":
        return
    async with engine.connect() as conn:  # no statement through SQLAlchemy, so no BEGIN: a checkpoint needs none
        raw = await conn.get_raw_connection()
        driver: Any = raw.driver_connection
        for _ in range(_CHECKPOINT_TRIES):  # a reader (the relay's scan) may be in the log: try again shortly
            try:  # outside any transaction (a checkpoint cannot run in one): on the driver's connection itself
                cursor = await driver.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                busy = (await cursor.fetchone())[0]
            except Exception as exc:  # noqa: BLE001 -- the erasure is committed; a busy log is truncated next time
                busy = exc
            if busy == 0:
                return
            await asyncio.sleep(0.1)
        logging.getLogger("congress.db").warning("write-ahead log not truncated after an erasure: %r", busy)


_SCRUBS: set[asyncio.Task[None]] = set()
"""Scrubs started after a commit, referenced until they finish."""


def scrub_after_commit(session: AsyncSession) -> None:
    """``scrub_after_erasure`` once ``session``'s transaction has committed: for an erasure done in a consumer's
    transaction, whose commit the handler does not see. Nothing happens if it rolls back."""
    bind = session.bind
    if not isinstance(bind, AsyncEngine) or bind.dialect.name != "sqlite":
        return
    sessions = async_sessionmaker(bind)

    def committed(_session: object) -> None:
        task = asyncio.get_running_loop().create_task(scrub_after_erasure(sessions))
        _SCRUBS.add(task)
        task.add_done_callback(_SCRUBS.discard)

    event.listen(session.sync_session, "after_commit", committed, once=True)
