"""The delivery kernel's consumer through FastStream's in-memory broker: inbox, dead letters, outbox."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from faststream.kafka import TestKafkaBroker
from sqlalchemy import Column, MetaData, String, Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from schemas import CloudEvent, decode, encode, new_event, topics
from schemas.base import encode_new
from schemas.notify import NotificationSent
from schemas.registration import RefundIssued
from schemas.values import Money
from services.common.broker import make_broker
from services.common.consumer import EventConsumer, parse_batch
from services.common.db import create_tables, make_engine, make_sessionmaker
from services.common.outbox import Outbox, outbox_table
from services.common.staging import stage_insert

effects_meta = MetaData()
effects = Table("effects", effects_meta, Column("event_id", String, primary_key=True))


def refund(delegate: str = "d-1") -> CloudEvent[RefundIssued]:
    data = RefundIssued(
        congress_id="icsei-2027",
        registration_id="r-1",
        delegate_id=delegate,
        amount=Money(amount_minor=1000, currency="EUR"),
        provider_reference="re_1",
    )
    return new_event(data, "/test")


@pytest.fixture
async def kernel(tmp_path: Path) -> AsyncIterator[dict[str, Any]]:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'k.sqlite3'}")
    await create_tables(engine, effects_meta)
    sessions = make_sessionmaker(engine)
    outbox = Outbox("/test")
    calls: list[str] = []

    async def on_refund(event: CloudEvent[Any], session: AsyncSession) -> list[NotificationSent]:
        calls.append(event.id)
        if event.data.provider_reference == "boom":
            raise RuntimeError("handler exploded")
        await session.execute(insert(effects).values(event_id=event.id))
        return [
            NotificationSent(
                recipient_id=event.subject,
                template="refund",
                cause_event_id=event.id,
                message_id=f"<{event.id}@test>",
                to="a@example.org",
                subject="Refund",
            )
        ]

    consumer = EventConsumer(
        name="test",
        sessionmaker=sessions,
        outbox=outbox,
        handlers={RefundIssued: on_refund},
        retries=2,
        backoff_seconds=0,
    )
    yield {"engine": engine, "sessions": sessions, "consumer": consumer, "calls": calls}
    await engine.dispose()


async def count(kernel: dict[str, Any], table: Table) -> int:
    async with kernel["sessions"]() as session:
        return int((await session.execute(select(func.count()).select_from(table))).scalar_one())


async def outbox_rows(kernel: dict[str, Any]) -> list[Any]:
    async with kernel["sessions"]() as session:
        return list((await session.execute(select(outbox_table).order_by(outbox_table.c.id))).all())


async def test_redelivered_event_has_one_effect(kernel: dict[str, Any]) -> None:
    broker = make_broker("localhost:9092", client_id="test")
    kernel["consumer"].subscribe(broker, topics.REGISTRATION)
    event = refund()
    async with TestKafkaBroker(broker) as test_broker:
        for _ in range(3):
            await test_broker.publish(encode(event), topics.REGISTRATION, key=b"d-1")
    assert await count(kernel, effects) == 1
    rows = await outbox_rows(kernel)
    assert [r.topic for r in rows] == [topics.NOTIFY]
    emitted = decode(rows[0].value)
    assert isinstance(emitted.data, NotificationSent)
    assert emitted.data.cause_event_id == event.id
    assert kernel["consumer"].stats.duplicates == 2


async def test_poison_message_is_dead_lettered_and_the_next_is_handled(kernel: dict[str, Any]) -> None:
    good = refund("d-2")
    records = [_record(b"{not json", offset=0), _record(encode(good), offset=1)]
    await kernel["consumer"].handle_batch(records)
    rows = await outbox_rows(kernel)
    assert [r.topic for r in rows] == [topics.DEADLETTER, topics.NOTIFY]
    headers = dict(rows[0].headers)
    assert "not JSON" in headers["dlq.reason"]
    assert headers["dlq.offset"] == "0"
    assert headers["trace"] == "t-1"  # the original headers travel with the dead letter
    assert rows[0].value == b"{not json"
    assert await count(kernel, effects) == 1


async def test_failing_handler_is_retried_then_dead_lettered_without_its_effects(kernel: dict[str, Any]) -> None:
    bad = new_event(refund().data.model_copy(update={"provider_reference": "boom"}), "/test")
    unknown = b'{"specversion":"1.0","type":"congress.registration.Nope.v9","id":"x"}'
    await kernel["consumer"].handle_batch([_record(encode(bad), 0), _record(unknown, 1), _record(encode(refund()), 2)])
    assert kernel["calls"].count(bad.id) == 1 + 2  # the optimistic pass, then both isolated attempts
    rows = await outbox_rows(kernel)
    reasons = [dict(r.headers).get("dlq.reason", "") for r in rows if r.topic == topics.DEADLETTER]
    assert any("handler exploded" in reason for reason in reasons)
    assert any("unknown event type" in reason for reason in reasons)
    assert [r.topic for r in rows].count(topics.NOTIFY) == 1  # only the good one emitted, once
    assert kernel["consumer"].stats.handled == 1
    assert kernel["consumer"].stats.dead_lettered == 2
    assert await count(kernel, effects) == 1
    # The dead-lettered event is in the inbox: a redelivery does not retry it forever.
    await kernel["consumer"].handle_batch([_record(encode(bad), 0)])
    assert kernel["calls"].count(bad.id) == 3


class _Rec:
    """A Kafka record as the consumer reads it (``services.common.consumer.Record``)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: Sequence[tuple[str, bytes]]

    def __init__(self, value: bytes, offset: int) -> None:
        self.topic, self.partition, self.offset = topics.REGISTRATION, 0, offset
        self.key, self.value, self.headers = b"d", value, [("trace", b"t-1")]


def _record(value: bytes, offset: int) -> _Rec:
    return _Rec(value, offset)


async def test_a_staged_row_that_fails_is_dead_lettered_alone(tmp_path: Path) -> None:
    """Handlers stage their rows (one statement per batch); a row that breaks a constraint isolates its event."""
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 's.sqlite3'}")
    await create_tables(engine, effects_meta)
    sessions = make_sessionmaker(engine)

    async def on_refund(event: CloudEvent[Any], session: AsyncSession) -> None:
        # Both refunds write the same key: the second breaks the primary key when the batch's rows are written.
        stage_insert(session, effects, {"event_id": event.data.delegate_id})

    consumer = EventConsumer(
        name="staging", sessionmaker=sessions, outbox=Outbox("/test"), handlers={RefundIssued: on_refund}, retries=1
    )
    first, second = refund("d-1"), refund("d-1")
    await consumer.handle_batch([_record(encode(first), 0), _record(encode(second), 1)])
    rows = await outbox_rows({"sessions": sessions})
    assert [r.topic for r in rows] == [topics.DEADLETTER]
    assert dict(rows[0].headers)["dlq.offset"] == "1"
    assert "UNIQUE" in dict(rows[0].headers)["dlq.reason"]
    assert consumer.stats.handled == 1
    assert await count({"sessions": sessions}, effects) == 1
    await engine.dispose()


async def test_the_same_event_twice_in_one_batch_is_handled_once(kernel: dict[str, Any]) -> None:
    event = encode(refund())
    await kernel["consumer"].handle_batch([_record(event, 0), _record(event, 1)])
    assert await count(kernel, effects) == 1
    assert kernel["consumer"].stats.duplicates == 1


def test_decode_does_not_trust_a_type_named_inside_the_payload() -> None:
    """The fast path guesses the type from the first ``"type"`` in the bytes; a payload naming another type first."""
    event = refund()
    doc = json.loads(encode(event))
    data = {"type": "congress.registration.RegistrationConfirmed.v1", **doc.pop("data")}
    raw = json.dumps({"data": data, **doc}).encode()  # the payload, and its "type", come first
    decoded = decode(raw)
    assert isinstance(decoded.data, RefundIssued)
    assert decoded.id == event.id


def test_encode_new_and_encode_write_what_pydantic_writes_for_the_envelope() -> None:
    data = refund().data
    at = datetime(2027, 1, 14, 9, 30, 0, 123456, tzinfo=UTC)
    for source, when in (("/test", at), ('/t"é\\', at.replace(microsecond=0))):
        event = new_event(data, source, event_id="e-1", time=when)
        assert encode_new(data, source, event_id="e-1", time=when) == ("e-1", event.model_dump_json().encode())
        assert encode(event) == event.model_dump_json().encode()


async def test_the_batch_parser_parses_one_record_and_keeps_them_all() -> None:
    records = tuple(_record(b"{}", offset) for offset in range(3))
    parsed: list[Any] = []

    async def original(raw: Any) -> Any:
        parsed.append(raw)
        return SimpleNamespace(raw_message=raw)

    message = await parse_batch(records, original)
    assert parsed == [records[:1]]
    assert message.raw_message == records  # nack rewinds every partition of the batch


class _Deadlock(Exception):
    sqlstate = "40P01"  # what PostgreSQL's driver says for deadlock_detected


async def test_a_deadlock_reruns_the_whole_batch_and_dead_letters_nothing(tmp_path: Path) -> None:
    """Two copies applying the same rows in opposite orders deadlock; the loser must start its whole batch
    again (its earlier events' locks survive a savepoint's rollback), never dead-letter the event."""
    from sqlalchemy.exc import DBAPIError

    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'd.sqlite3'}")
    await create_tables(engine, effects_meta)
    sessions = make_sessionmaker(engine)
    held_by: list[int] = []  # the transactions that applied d-1 (and so hold its row lock)
    deadlocks = []
    counter = iter(range(1_000_000))

    async def on_refund(event: CloudEvent[Any], session: AsyncSession) -> list[NotificationSent]:
        tx = session.info.setdefault("tx", next(counter))
        await session.execute(insert(effects).values(event_id=event.id))
        if event.subject == "d-1":
            held_by.append(tx)
        # The other copy waits for d-1's lock while holding d-2's: as long as only this transaction ever
        # held d-1, the other copy is still stuck and d-2 deadlocks, however often a savepoint retries it.
        elif set(held_by) == {tx}:
            deadlocks.append(tx)
            raise DBAPIError("UPDATE badges …", {}, _Deadlock("deadlock detected"))
        return []

    consumer = EventConsumer(
        name="deadlock",
        sessionmaker=sessions,
        outbox=Outbox("/test"),
        handlers={RefundIssued: on_refund},
        retries=3,
        optimistic=False,
    )
    first, second = refund("d-1"), refund("d-2")
    records: list[Any] = [_record(encode(first), 0), _record(encode(second), 1)]
    await consumer.handle_batch(records)
    async with sessions() as session:
        done = set((await session.execute(select(effects.c.event_id))).scalars())
        dead = (await session.execute(select(func.count()).select_from(outbox_table))).scalar_one()
    await engine.dispose()
    assert done == {first.id, second.id} and dead == 0
    assert consumer.stats.handled == 2 and consumer.stats.dead_lettered == 0 and len(deadlocks) == 1


async def test_a_batch_decoded_once_runs_with_the_handlers_bound_to_it(kernel: dict[str, Any]) -> None:
    """A consumer that prepares a batch before its transaction decodes the records once and hands the kernel
    the decoded batch with handlers bound to what it prepared; the inbox and the outbox work as for any batch."""
    from services.common.consumer import decode_records

    prepared: list[str] = []

    async def on_refund_with(event: CloudEvent[Any], session: AsyncSession) -> None:
        prepared.append(f"{event.id}:prepared")

    good = refund("d-3")
    records: list[Any] = [_record(b"{not json", offset=0), _record(encode(good), offset=1)]
    decoded = decode_records(records)
    assert isinstance(decoded[0][1], Exception)
    assert isinstance(decoded[1][1], CloudEvent) and decoded[1][1].id == good.id
    await kernel["consumer"].handle_decoded(decoded, {RefundIssued: on_refund_with})
    assert prepared == [f"{good.id}:prepared"] and kernel["calls"] == []  # the batch's table, not the consumer's
    assert [r.topic for r in await outbox_rows(kernel)] == [topics.DEADLETTER]
    await kernel["consumer"].handle_batch([_record(encode(good), offset=1)])
    assert kernel["calls"] == []  # in the inbox: a redelivery changes nothing


async def test_after_handlers_writes_in_the_batch_transaction_after_every_handler(tmp_path: Path) -> None:
    """A consumer that staged its own writes for a batch writes them once, after the handlers and before the
    commit: they commit with the inbox entries, and a redelivered batch calls nothing."""
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'a.sqlite3'}")
    await create_tables(engine, effects_meta)
    sessions = make_sessionmaker(engine)
    order: list[str] = []

    async def on_refund(event: CloudEvent[Any], session: AsyncSession) -> None:
        order.append(f"handle {event.subject}")
        session.info.setdefault("staged", []).append({"event_id": event.id})

    async def write_staged(events: Any, session: AsyncSession) -> None:
        order.append(f"after {len(events)}")
        if rows := session.info.pop("staged", []):
            await session.execute(insert(effects), rows)

    consumer = EventConsumer(
        name="test",
        sessionmaker=sessions,
        outbox=Outbox("/test"),
        handlers={RefundIssued: on_refund},
        optimistic=False,
        after_handlers=write_staged,
    )
    first, second = refund("d-1"), refund("d-2")
    try:
        await consumer.handle_batch([_record(encode(first), 0), _record(encode(second), 1)])
        assert order == ["handle d-1", "handle d-2", "after 2"]
        assert await count({"sessions": sessions}, effects) == 2
        await consumer.handle_batch([_record(encode(first), 0)])  # redelivered: in the inbox already
        assert order[3:] == ["after 0"] and await count({"sessions": sessions}, effects) == 2
    finally:
        await engine.dispose()
