"""The outbox's purge of old sent rows (services/common/outbox_purge.py, decision 76), on SQLite and PostgreSQL:
old sent rows go, recent sent rows and every unsent row stay, a statement deletes a bounded batch, two copies
purging at once both finish, the rows are found through the sent rows' index, and a service's runtime runs it."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from schemas import topics
from services.common.db import as_utc, create_tables, make_engine, utcnow
from services.common.outbox import outbox_table
from services.common.outbox_purge import delete_batch, purge_batch, purge_sent
from services.common.runtime import ServiceRuntime
from services.common.settings import ServiceSettings
from tests.kafka_helpers import eventually

NOW = utcnow()
RETENTION = timedelta(hours=72)
OLD = NOW - RETENTION - timedelta(minutes=5)
RECENT = NOW - RETENTION + timedelta(minutes=5)


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(db_url)
    await create_tables(engine)
    try:
        yield engine
    finally:
        await engine.dispose()


async def add_rows(
    engine: AsyncEngine, count: int, *, sent_at: datetime | None, created_at: datetime = OLD, topic: str = "t"
) -> None:
    rows = [
        {"event_id": f"ev-{i}", "topic": topic, "key": b"k", "value": b"{}", "headers": [], "created_at": created_at}
        | {"sent_at": sent_at}
        for i in range(count)
    ]
    async with engine.begin() as conn:
        await conn.execute(insert(outbox_table), rows)


async def rows_by_state(engine: AsyncEngine) -> dict[str, int]:
    """How many rows are left: sent before the cutoff, sent after it, unsent."""
    async with engine.connect() as conn:
        stamps = (await conn.execute(select(outbox_table.c.sent_at))).scalars().all()
    counts = {"old": 0, "recent": 0, "unsent": 0}
    for sent_at in stamps:
        counts["unsent" if sent_at is None else "old" if as_utc(sent_at) < NOW - RETENTION else "recent"] += 1
    return counts


async def test_old_sent_rows_go_recent_and_unsent_rows_stay(engine: AsyncEngine, caplog: Any) -> None:
    await add_rows(engine, 7, sent_at=OLD)
    await add_rows(engine, 4, sent_at=RECENT)
    await add_rows(engine, 3, sent_at=None, created_at=NOW - timedelta(days=30))  # old, but never sent
    with caplog.at_level(logging.INFO, logger="congress.outbox"):
        assert await purge_sent(engine, retention=RETENTION, now=NOW) == 7
    assert await rows_by_state(engine) == {"old": 0, "recent": 4, "unsent": 3}
    [record] = [r for r in caplog.records if r.getMessage() == "outbox rows purged"]
    assert (record.levelno, record.__dict__["purged"]) == (logging.INFO, 7)

    caplog.clear()
    with caplog.at_level(logging.INFO, logger="congress.outbox"):
        assert await purge_sent(engine, retention=RETENTION, now=NOW) == 0  # again: nothing more, and quiet
    assert [r for r in caplog.records if r.name == "congress.outbox"] == []
    assert await rows_by_state(engine) == {"old": 0, "recent": 4, "unsent": 3}

    # even with no retention at all, an unsent row is never chosen
    assert await purge_sent(engine, retention=timedelta(0), now=NOW + timedelta(days=365)) == 4
    assert await rows_by_state(engine) == {"old": 0, "recent": 0, "unsent": 3}


async def test_a_kept_topic_keeps_its_sent_rows(engine: AsyncEngine) -> None:
    await add_rows(engine, 3, sent_at=OLD, topic=topics.REGISTRATION)
    await add_rows(engine, 2, sent_at=OLD, topic=topics.AUDIT)
    assert await purge_sent(engine, retention=RETENTION, keep_topics=(topics.REGISTRATION,), now=NOW) == 2
    async with engine.connect() as conn:
        left = (await conn.execute(select(outbox_table.c.topic))).scalars().all()
    assert left == [topics.REGISTRATION] * 3


async def test_each_statement_deletes_a_bounded_batch(engine: AsyncEngine) -> None:
    await add_rows(engine, 10, sent_at=OLD)
    await add_rows(engine, 2, sent_at=None)
    assert await purge_batch(engine, NOW - RETENTION, limit=3) == 3
    assert await rows_by_state(engine) == {"old": 7, "recent": 0, "unsent": 2}

    deleted: list[int] = []

    def count(_conn: Any, _cursor: Any, statement: str, _params: Any, _context: Any, _many: bool) -> None:
        if statement.lstrip().upper().startswith("DELETE"):
            deleted.append(_cursor.rowcount)

    event.listen(engine.sync_engine, "after_cursor_execute", count)
    try:
        assert await purge_sent(engine, retention=RETENTION, limit=3, now=NOW) == 7
    finally:
        event.remove(engine.sync_engine, "after_cursor_execute", count)
    assert deleted == [3, 3, 1]  # three statements, none over the limit, the short one ends the pass
    assert await rows_by_state(engine) == {"old": 0, "recent": 0, "unsent": 2}


async def test_two_copies_purging_at_once_both_finish(db_url: str) -> None:
    first, second = make_engine(db_url), make_engine(db_url)  # two copies of a service on one database
    try:
        await create_tables(first)
        await add_rows(first, 40, sent_at=OLD)
        await add_rows(first, 5, sent_at=RECENT)
        await add_rows(first, 5, sent_at=None)
        # straight at the statements, past the job's lease: the rows alone must keep it to one effect
        purged = await asyncio.gather(
            purge_sent(first, retention=RETENTION, limit=4, now=NOW),
            purge_sent(second, retention=RETENTION, limit=4, now=NOW),
        )
        assert sum(purged) == 40
        assert await rows_by_state(first) == {"old": 0, "recent": 5, "unsent": 5}
    finally:
        await first.dispose()
        await second.dispose()


async def test_the_purge_finds_its_rows_through_the_sent_rows_index(engine: AsyncEngine) -> None:
    await add_rows(engine, 50, sent_at=None)
    await add_rows(engine, 50, sent_at=OLD)
    statement = delete_batch(NOW - RETENTION, dialect=engine.dialect.name, keep_topics=(topics.REGISTRATION,))
    compiled = statement.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True})
    async with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            plan = (await conn.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))).all()
        else:
            await conn.execute(text("ANALYZE outbox"))
            await conn.execute(text("SET LOCAL enable_seqscan = off"))  # a table this small is read whole otherwise
            plan = (await conn.execute(text(f"EXPLAIN {compiled}"))).all()
    assert "ix_outbox_sent" in " ".join(str(row) for row in plan), plan


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_a_service_runtime_purges_its_outbox(tmp_path: Path) -> None:
    settings = ServiceSettings(
        service_name="purge-runtime",
        database_url=f"sqlite+aiosqlite:///{tmp_path}/purge.sqlite3",
        kafka_bootstrap_servers=f"127.0.0.1:{free_port()}",  # Kafka away: the purge needs none
        outbox_retention_hours=1,
    )
    runtime = ServiceRuntime(settings)
    runtime.outbox_kept_topics = (topics.REGISTRATION,)
    runtime.outbox_purge_seconds = 0.05
    await runtime.start()
    try:
        await add_rows(runtime.engine, 6, sent_at=utcnow() - timedelta(hours=2))
        await add_rows(runtime.engine, 1, sent_at=utcnow() - timedelta(hours=2), topic=topics.REGISTRATION)
        await add_rows(runtime.engine, 2, sent_at=utcnow())
        await add_rows(runtime.engine, 3, sent_at=None)

        async def left() -> bool:
            async with runtime.engine.connect() as conn:
                return (await conn.execute(select(func.count()).select_from(outbox_table))).scalar_one() == 6

        await eventually(left, timeout=30)
    finally:
        await runtime.stop()
