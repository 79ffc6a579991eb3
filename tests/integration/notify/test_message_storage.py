"""A queued message is stored on PostgreSQL out of line without a compression attempt (``EXTERNAL``).

A badge mail is ~24 KB, mostly its base64 PDF, which pglz cannot shrink by the quarter it asks for: with the
default storage (``EXTENDED``) every owed badge mail cost the server a whole compression attempt for nothing.
Both ways a database gets its tables: the migrations (start-up) and ``create_all`` (tests, tools).
"""

from __future__ import annotations

import random

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from services.common.db import create_tables, make_engine
from services.common.migrations import prepare_database
from services.notify.adapters.db import notify_metadata, pending

MESSAGE = b"Subject: badge\r\n\r\n" + random.Random(5).randbytes(24_000).hex().encode()


async def storage_of_message(engine: AsyncEngine) -> str | None:
    """PostgreSQL's storage of ``notify_pending.message`` (``e`` external, ``x`` extended); None elsewhere."""
    if engine.dialect.name != "postgresql":
        return None
    query = "SELECT attstorage FROM pg_attribute WHERE attrelid = 'notify_pending'::regclass AND attname = 'message'"
    async with engine.connect() as conn:
        storage = (await conn.execute(text(query))).scalar_one()  # a "char": bytes through asyncpg
    return storage.decode() if isinstance(storage, bytes) else str(storage)


async def round_trip(engine: AsyncEngine) -> bytes:
    row: dict[str, object] = {
        c.name: "x" for c in pending.columns if c.name not in {"message", "smtputf8", "attempts", "next_attempt_at"}
    }
    row |= {"message": MESSAGE, "cause_event": b"{}", "smtputf8": False, "attempts": 0, "about": None}
    async with engine.begin() as conn:
        await conn.execute(pending.insert().values(**row, next_attempt_at=text("CURRENT_TIMESTAMP")))
        message: bytes = (await conn.execute(select(pending.c.message))).scalar_one()
    return message


async def test_the_migrations_store_a_queued_message_without_compressing_it(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        await prepare_database(engine, "notify", notify_metadata)
        assert await storage_of_message(engine) in (None, "e")  # None: SQLite, which compresses nothing
        assert await round_trip(engine) == MESSAGE
    finally:
        await engine.dispose()


async def test_create_all_stores_a_queued_message_without_compressing_it(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        await create_tables(engine, notify_metadata)
        assert await storage_of_message(engine) in (None, "e")
        assert await round_trip(engine) == MESSAGE
    finally:
        await engine.dispose()
