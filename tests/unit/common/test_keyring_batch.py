"""Sealing a consumer batch: one key per person per transaction, its record first in the outbox and on Kafka,
a process's own keys confirmed when read back, and pseudonyms remembered only until the person is erased."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any, cast

import pytest
from aiokafka import AIOKafkaProducer
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from schemas import topics
from schemas.base import decode
from schemas.keys import PersonKeyIssued
from schemas.notify import NotificationSent
from schemas.personal import by_email
from services.common.db import create_tables, make_engine, make_sessionmaker
from services.common.key_follower import KeyFollower
from services.common.keyring import Keyring, person_keys_table, person_ref
from services.common.outbox import Outbox, outbox_table, write_staged
from services.common.relay import OutboxRelay, _Row

SECRET = "s" * 32


def sent(to: str, n: int) -> NotificationSent:
    return NotificationSent(
        recipient_id=f"d-{n}",
        template="payment_confirmed",
        cause_event_id=f"e-{n}",
        message_id=f"<e-{n}@test>",
        to=to,
        subject="Paid",
    )


@pytest.fixture
async def sm() -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = make_engine("sqlite+aiosqlite:///:memory:")
    await create_tables(engine)
    yield make_sessionmaker(engine)
    await engine.dispose()


async def stage_batch(sm: async_sessionmaker[AsyncSession], outbox: Outbox, events: list[NotificationSent]) -> None:
    """As the consumer does with a batch: every event staged on one session, written once before the commit."""
    async with sm() as session, session.begin():
        for data in events:
            outbox.stage(session, data)
        await write_staged(session)


async def test_two_events_of_one_batch_about_the_same_person_mint_one_key_whose_record_goes_first(
    sm: async_sessionmaker[AsyncSession],
) -> None:
    keyring = Keyring(SECRET, "notify")
    await stage_batch(
        sm,
        Outbox("/test", keyring),
        [sent("Ana@example.org", 1), sent("bo@example.org", 2), sent("ana@example.org ", 3)],
    )
    async with sm() as session:
        keys = (await session.execute(select(person_keys_table))).all()
        rows = (await session.execute(select(outbox_table).order_by(outbox_table.c.id))).all()
    assert sorted(k.subject for k in keys) == sorted(
        [person_ref(SECRET, "ana@example.org"), person_ref(SECRET, "bo@example.org")]
    )
    assert [r.topic for r in rows] == [topics.KEYS, topics.KEYS, topics.NOTIFY, topics.NOTIFY, topics.NOTIFY]
    issued = [decode(r.value).data for r in rows[:2]]
    assert {i.key_id for i in issued if isinstance(i, PersonKeyIssued)} == {k.key_id for k in keys}
    ana = next(k.key_id for k in keys if k.subject == person_ref(SECRET, "ana@example.org"))
    opened = [decode(r.value, keyring.opener(final=True)) for r in rows[2:]]
    assert [e.data.to for e in opened] == ["Ana@example.org", "bo@example.org", "ana@example.org "]  # type: ignore[attr-defined]
    assert rows[2].value.count(ana.encode()) == 2 and rows[4].value.count(ana.encode()) == 2  # to and subject


async def test_a_key_read_back_from_the_topic_is_used_by_the_next_transaction(
    sm: async_sessionmaker[AsyncSession],
) -> None:
    keyring = Keyring(SECRET, "notify")
    outbox = Outbox("/test", keyring)
    await stage_batch(sm, outbox, [sent("ana@example.org", 1)])
    async with sm() as session:
        record = (await session.execute(select(outbox_table).where(outbox_table.c.topic == topics.KEYS))).one()
    KeyFollower("unused:9092", keyring).apply(record.key, record.value)
    await stage_batch(sm, outbox, [sent("ana@example.org", 2)])
    async with sm() as session:
        keys = (await session.execute(select(person_keys_table.c.key_id))).scalars().all()
    assert keys == [record.key.decode()]
    assert not keyring.confirm(record.key.decode())  # confirmed once; another's key is never "confirmed"


async def test_an_erased_persons_address_is_forgotten_by_erasure_and_by_tombstone(
    sm: async_sessionmaker[AsyncSession],
) -> None:
    keyring = Keyring(SECRET, "notify")
    await stage_batch(sm, Outbox("/test", keyring), [sent("ana@example.org", 1), sent("bo@example.org", 2)])
    assert keyring.remembers_address("ana@example.org") and keyring.remembers_address("bo@example.org")
    async with sm() as session, session.begin():
        await keyring.erase(session, [person_ref(SECRET, "ana@example.org")])
    assert not keyring.remembers_address("ana@example.org")
    assert keyring.remembers_address("bo@example.org")

    reader = Keyring(SECRET, "badges")  # another process: it learns bo's key, sealed an event for bo, then erasure
    async with sm() as session:
        records = (await session.execute(select(outbox_table).where(outbox_table.c.topic == topics.KEYS))).all()
    follower = KeyFollower("unused:9092", reader)
    for record in records:
        follower.apply(record.key, record.value)
    assert reader.subject_of(by_email("bo@example.org")) == person_ref(SECRET, "bo@example.org")
    assert reader.remembers_address("bo@example.org")
    bo = next(r.key for r in records if decode(r.value).data.subject == person_ref(SECRET, "bo@example.org"))  # type: ignore[attr-defined]
    follower.apply(bo, None)  # bo's tombstone
    assert not reader.remembers_address("bo@example.org")


class RecordingProducer:
    """Records each batch sent and, for an event batch, whether every key batch sent before it was acknowledged."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, bool]] = []
        self.acks: list[asyncio.Future[None]] = []

    async def partitions_for(self, topic: str) -> set[int]:
        return {0}

    def create_batch(self) -> Any:
        return SimpleNamespace(append=lambda **_: object())

    async def send_batch(self, batch: Any, topic: str, *, partition: int) -> asyncio.Future[None]:
        self.sent.append((topic, all(f.done() for f in self.acks)))
        ack: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        asyncio.get_running_loop().call_later(0.01, ack.set_result, None)
        self.acks.append(ack)
        return ack


async def test_the_relay_has_key_records_acknowledged_before_it_sends_the_events_sealed_with_them() -> None:
    producer = RecordingProducer()
    relay = OutboxRelay(cast(AsyncEngine, None), cast(AIOKafkaProducer, producer))  # only the producer is used
    row = _Row  # as the relay reads rows: by name and by position
    await relay._send_all(  # the relay's sending order is what is under test
        [
            row(id=1, topic=topics.KEYS, key=b"k-1", value=b"{}", headers='[["content-type", "x"]]'),
            row(id=2, topic=topics.NOTIFY, key=b"d-1", value=b"{}", headers='[["content-type", "x"]]'),
            row(id=3, topic=topics.KEYS, key=b"k-2", value=b"{}", headers='[["content-type", "x"]]'),
            row(id=4, topic=topics.NOTIFY, key=b"d-2", value=b"{}", headers='[["content-type", "x"]]'),
        ]
    )
    assert [topic for topic, _ in producer.sent] == [topics.KEYS, topics.NOTIFY]
    assert producer.sent[1] == (topics.NOTIFY, True)


def test_the_keys_of_one_sqlite_statement_are_stamped_with_the_moment_it_is_written() -> None:
    from datetime import UTC, datetime, timedelta

    from services.common.keyring import insert_keys

    minted = datetime(2026, 1, 1, tzinfo=UTC)
    rows = [
        (
            {"key_id": f"k-{i}", "subject": f"d-{i}", "wrapped_key": b"w", "created_at": minted + timedelta(seconds=i)},
            {},
        )
        for i in range(3)
    ]
    before = datetime.now(UTC).replace(tzinfo=None)
    _, params = insert_keys("sqlite", rows)
    stamps = {row[3] for row in params}
    assert len(stamps) == 1  # one strftime per statement, not per key
    assert datetime.strptime(stamps.pop(), "%Y-%m-%d %H:%M:%S.%f") >= before
    _, on_postgres = insert_keys("postgresql", rows)
    assert [row[3] for row in on_postgres] == [
        row["created_at"] for row, _ in rows
    ]  # the driver binds them as they are
