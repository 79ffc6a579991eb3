"""The kernel's write path: outbox rows as SQLAlchemy's types would store them, SQLite writers taking turns,
fresh event ids, and a conflict in the kernel's own statements rerunning the batch."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiokafka import TopicPartition
from sqlalchemy import event, insert, select, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from schemas import encode, new_event, topics
from schemas.base import new_event_id
from schemas.registration import RefundIssued
from schemas.values import Money
from services.common import consumer as consumer_module
from services.common.consumer import EventConsumer
from services.common.db import as_utc, create_tables, make_engine, make_sessionmaker, write_turn
from services.common.inbox import inbox_table, record_in_inbox
from services.common.offsets import next_offsets
from services.common.outbox import Outbox, outbox_table, write_staged
from services.common.relay import OutboxRelay
from services.common.unit_of_work import transaction


def refund(delegate: str = "d-1") -> RefundIssued:
    return RefundIssued(
        congress_id="icsei-2027",
        registration_id=f"r-{delegate}",
        delegate_id=delegate,
        amount=Money(amount_minor=1000, currency="EUR"),
        provider_reference="re_1",
    )


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'w.sqlite3'}")
    await create_tables(engine)
    yield engine
    await engine.dispose()


async def test_staged_rows_are_stored_as_the_tables_types_store_them(engine: AsyncEngine) -> None:
    """The driver's executemany writes what ``outbox_table.insert()`` wrote: the same header JSON, the same time."""
    sessions = make_sessionmaker(engine)
    before = datetime.now(UTC)
    async with transaction(sessions, Outbox("/test")) as uow:
        uow.stage(refund())
        uow.stage_raw(topic=topics.DEADLETTER, key=b"k", value=None, headers=[("dlq.reason", 'é "quoted"')])
    after = datetime.now(UTC)
    async with engine.begin() as conn:  # a row written the old way, through the table's types
        await conn.execute(
            insert(outbox_table),
            [
                {
                    "event_id": "typed",
                    "topic": "t",
                    "key": None,
                    "value": b"",
                    "headers": [("a", "b")],
                    "created_at": after,
                }
            ],
        )
        raw = (await conn.execute(text("SELECT headers, created_at FROM outbox ORDER BY id"))).all()
        rows = (await conn.execute(select(outbox_table).order_by(outbox_table.c.id))).all()
    assert [r.headers for r in rows[:2]] == [
        [["content-type", "application/cloudevents+json; charset=utf-8"]],
        [["dlq.reason", 'é "quoted"']],
    ]
    assert rows[1].value is None and rows[1].key == b"k"
    assert all(before <= as_utc(r.created_at) <= after for r in rows[:2])
    # Stored text in the same shapes as the typed insert's (the relay and any reader see no difference).
    assert raw[0].headers.startswith('[["') and raw[2].headers == '[["a", "b"]]'
    assert len(raw[0].created_at) == len(raw[2].created_at) and raw[0].created_at[10] == raw[2].created_at[10] == " "


async def test_the_inbox_and_the_relays_marks_on_sqlite_are_stored_as_the_tables_types_store_them(
    engine: AsyncEngine,
) -> None:
    """On SQLite the inbox statement and the relay's marking go to the driver: what they store reads back through
    the tables' types, and an id recorded once is new once."""
    sessions = make_sessionmaker(engine)
    before = datetime.now(UTC)
    async with sessions() as session, session.begin():
        assert await record_in_inbox(session, "c", ["e-1", "e-2"]) == {"e-1", "e-2"}
        Outbox("/test").stage(session, refund())
        await write_staged(session)
    async with sessions() as session, session.begin():
        assert await record_in_inbox(session, "c", ["e-2", "e-3"]) == {"e-3"}
    relay = OutboxRelay(engine, producer=None, producer_started=True)
    (row,) = await relay._unsent()
    assert row.topic == topics.REGISTRATION and row.key == b"d-1" and row.headers.startswith('[["content-type"')
    await relay._mark_sent_on_sqlite([row.id])
    after = datetime.now(UTC)
    async with engine.connect() as conn:
        handled = (await conn.execute(select(inbox_table.c.handled_at))).scalars().all()
        (sent_at,) = (await conn.execute(select(outbox_table.c.sent_at))).scalars().all()
    assert len(handled) == 3 and all(before <= as_utc(t) <= after for t in handled)
    assert before <= as_utc(sent_at) <= after
    assert await relay._unsent() == []


async def test_writers_of_one_process_take_turns_on_a_sqlite_file(engine: AsyncEngine) -> None:
    """With no busy timeout at all, a second BEGIN IMMEDIATE fails at once; taking turns, none ever meets the lock."""

    @event.listens_for(engine.sync_engine, "connect")
    def _impatient(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout=0")
        cursor.close()

    await engine.dispose()  # reconnect with the listener above

    async def write(n: int) -> None:
        async with write_turn(engine), engine.begin() as conn:
            await conn.execute(
                insert(outbox_table).values(
                    event_id=str(n), topic="t", key=None, value=b"", headers=[], created_at=datetime.now(UTC)
                )
            )
            await asyncio.sleep(0.02)  # hold the file while the others want it

    await asyncio.gather(*(write(n) for n in range(5)))
    async with engine.connect() as conn:
        assert len((await conn.execute(select(outbox_table.c.id))).all()) == 5

    async def write_without_turns() -> None:
        async with engine.begin() as conn:
            await conn.execute(text("UPDATE outbox SET topic = 'u'"))
            await asyncio.sleep(0.02)

    with pytest.raises(OperationalError, match="locked"):  # what the turns avoid
        await asyncio.gather(write_without_turns(), write_without_turns())


def test_new_event_ids_are_random_version_4_uuids() -> None:
    ids = {new_event_id() for _ in range(2000)}
    assert len(ids) == 2000
    for event_id in list(ids)[:200]:
        parsed = uuid.UUID(event_id)
        assert str(parsed) == event_id and parsed.version == 4 and parsed.variant == uuid.RFC_4122


def test_a_forked_child_never_hands_out_the_ids_its_parent_will() -> None:
    """Ids come from randomness read ahead; a child made by fork (a server's worker) must not share it."""
    new_event_id()  # the parent has read ahead
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its next id, then out (no test machinery runs in it)
        os.write(write, new_event_id().encode())
        os._exit(0)
    os.close(write)
    child_id = os.read(read, 100).decode()
    os.close(read)
    os.waitpid(pid, 0)
    assert uuid.UUID(child_id).version == 4
    assert child_id not in {new_event_id() for _ in range(600)}


class _Deadlock(Exception):
    sqlstate = "40P01"


async def test_a_deadlock_in_the_inbox_statement_reruns_the_batch(
    engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not only a handler meets another transaction: the kernel's own inbox INSERT can, and is rerun too."""
    handled: list[str] = []

    async def on_refund(event: Any, session: Any) -> list[Any]:
        handled.append(event.id)
        return []

    consumer = EventConsumer(
        name="c", sessionmaker=make_sessionmaker(engine), outbox=Outbox("/test"), handlers={RefundIssued: on_refund}
    )
    record_in_inbox = consumer_module.record_in_inbox
    failures = [DBAPIError("INSERT INTO inbox …", {}, _Deadlock("deadlock detected"))]

    async def flaky(session: Any, name: str, ids: list[str]) -> set[str]:
        if failures:
            raise failures.pop()
        return await record_in_inbox(session, name, ids)

    monkeypatch.setattr(consumer_module, "record_in_inbox", flaky)
    monkeypatch.setattr(consumer_module.random, "uniform", lambda a, b: 0.0)
    event = new_event(refund(), "/test")

    class Rec:
        topic, partition, offset, key, value, headers = topics.REGISTRATION, 0, 0, b"d-1", encode(event), []

    await consumer.handle_batch([Rec()])
    assert handled == [event.id] and consumer.stats.handled == 1 and consumer.stats.dead_lettered == 0


def test_a_batchs_offsets_are_each_partitions_last_record_plus_one() -> None:
    class Rec:
        def __init__(self, partition: int, offset: int) -> None:
            self.topic, self.partition, self.offset = "t", partition, offset

    records = [Rec(0, 7), Rec(1, 3), Rec(0, 9), Rec(0, 8), Rec(1, 2)]
    assert next_offsets(records) == {TopicPartition("t", 0): 10, TopicPartition("t", 1): 4}
