"""The delivery kernel against a real Kafka broker, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from sqlalchemy import Column, MetaData, String, Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from schemas import CloudEvent, new_event, topics
from schemas.notify import NotificationSent
from schemas.registration import RefundIssued
from schemas.values import Money
from services.common.outbox import outbox_table
from services.common.runtime import ServiceRuntime
from services.common.settings import ServiceSettings
from services.common.unit_of_work import transaction
from tests.kafka_helpers import eventually, publish, read_events, read_records

effects_meta = MetaData()
effects = Table("effects", effects_meta, Column("event_id", String(64), primary_key=True))
ROOT = Path(__file__).resolve().parents[2]


def refund(n: int, reference: str = "re_ok") -> RefundIssued:
    return RefundIssued(
        congress_id="icsei-2027",
        registration_id=f"r-{n}",
        delegate_id=f"d-{n % 7}",
        amount=Money(amount_minor=100 * n, currency="EUR"),
        provider_reference=reference,
    )


async def on_refund(event: CloudEvent[Any], session: AsyncSession) -> list[NotificationSent]:
    if event.data.provider_reference == "boom":
        raise ValueError("refund reference 'boom' cannot be handled")
    await session.execute(insert(effects).values(event_id=event.id))
    return [
        NotificationSent(
            recipient_id=event.subject,
            template="refund_issued",
            cause_event_id=event.id,
            message_id=f"<{event.id}@congress.test>",
            to="d@example.org",
            subject="Refund",
        )
    ]


@pytest.fixture
async def runtime(db_url: str, kafka_bootstrap: str, topic_prefix: str) -> AsyncIterator[ServiceRuntime]:
    settings = ServiceSettings(
        service_name="kernel-test",
        database_url=db_url,
        kafka_topic_prefix=topic_prefix,
        kafka_bootstrap_servers=kafka_bootstrap,
        consumer_retries=2,
    )
    rt = ServiceRuntime(settings, metadata=effects_meta)
    rt.consume("kernel-test", (topics.REGISTRATION,), {RefundIssued: on_refund})
    await rt.start()
    yield rt
    await rt.stop()


async def effect_count(rt: ServiceRuntime) -> int:
    async with rt.sessionmaker() as session:
        return int((await session.execute(select(func.count()).select_from(effects))).scalar_one())


async def test_outbox_to_kafka_to_inbox_round_trip(
    runtime: ServiceRuntime, kafka_bootstrap: str, topic_prefix: str
) -> None:
    async with transaction(runtime.sessionmaker, runtime.outbox) as uow:
        staged = uow.stage_many([refund(n) for n in range(20)])
    causes = {e.id for e in staged}
    sent = await read_events(kafka_bootstrap, topic_prefix + topics.NOTIFY, until=lambda evs: len(evs) >= 20)
    assert {e.data.cause_event_id for e in sent} == causes
    assert all(isinstance(e.data, NotificationSent) for e in sent)
    assert await effect_count(runtime) == 20
    # Order per key: events about one delegate arrive in the order they were written.
    on_topic = await read_events(kafka_bootstrap, topic_prefix + topics.REGISTRATION, until=lambda evs: len(evs) >= 20)
    by_delegate: dict[str, list[int]] = {}
    for event in on_topic:
        by_delegate.setdefault(event.subject, []).append(event.data.amount.amount_minor)
    assert all(amounts == sorted(amounts) for amounts in by_delegate.values())


async def test_poison_message_is_dead_lettered_and_the_partition_keeps_flowing(
    runtime: ServiceRuntime, kafka_bootstrap: str, topic_prefix: str
) -> None:
    topic = topic_prefix + topics.REGISTRATION
    bad_handler = new_event(refund(1, reference="boom"), "/tests")
    await publish(kafka_bootstrap, topic, [b"\x00not an event", b'{"specversion": "1.0", "type": "x.y"}'], key=b"d-1")
    await publish(kafka_bootstrap, topic, [bad_handler, refund(8)])  # refund(8) has key d-1, same partition
    dead = await read_records(kafka_bootstrap, topic_prefix + topics.DEADLETTER, until=lambda rs: len(rs) >= 3)
    reasons = [dict(r.headers)["dlq.reason"].decode() for r in dead]
    assert any("not JSON" in reason for reason in reasons)
    assert any("unknown event type" in reason for reason in reasons)
    assert any("cannot be handled" in reason for reason in reasons)
    assert {dict(r.headers)["dlq.topic"].decode() for r in dead} == {topic}
    assert await eventually(lambda: effect_count(runtime)) == 1  # the good event after the poison


async def test_handled_batches_have_their_offsets_committed(
    runtime: ServiceRuntime, kafka_bootstrap: str, topic_prefix: str
) -> None:
    """The consumer commits a batch's offsets behind the next batch (offsets.py): they do reach the broker."""
    await publish(kafka_bootstrap, topic_prefix + topics.REGISTRATION, [refund(n) for n in range(30)])
    assert await eventually(lambda: effect_count(runtime)) >= 1
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:

        async def committed() -> bool:
            offsets = await admin.list_consumer_group_offsets(topic_prefix + "kernel-test")
            return sum(meta.offset for meta in offsets.values()) == 30

        assert await eventually(committed)
    finally:
        await admin.close()
    assert await effect_count(runtime) == 30


async def test_relay_killed_between_publish_and_mark_sent_has_effect_exactly_once(
    db_url: str, kafka_bootstrap: str, topic_prefix: str
) -> None:
    settings = ServiceSettings(
        service_name="kernel-crash",
        database_url=db_url,
        kafka_topic_prefix=topic_prefix,
        kafka_bootstrap_servers=kafka_bootstrap,
    )
    writer = ServiceRuntime(settings, metadata=effects_meta)
    from services.common.db import create_tables

    await create_tables(writer.engine, effects_meta)
    async with transaction(writer.sessionmaker, writer.outbox) as uow:
        uow.stage_many([refund(n) for n in range(30)])
    relay = [sys.executable, str(ROOT / "tests/integration/relay_process.py"), db_url, kafka_bootstrap, topic_prefix]
    killed = await asyncio.to_thread(
        subprocess.run, relay, cwd=ROOT, env={**_env(), "CONGRESS_CRASH_AT": "relay-after-publish"}
    )
    assert killed.returncode == -9
    async with writer.sessionmaker() as session:
        unsent = (
            await session.execute(
                select(func.count()).select_from(outbox_table).where(outbox_table.c.sent_at.is_(None))
            )
        ).scalar_one()
    assert unsent == 30  # published, but the kill came before they were marked sent
    restarted = await asyncio.to_thread(subprocess.run, relay, cwd=ROOT, env=_env())
    assert restarted.returncode == 0
    on_topic = await read_records(kafka_bootstrap, topic_prefix + topics.REGISTRATION, until=lambda rs: len(rs) >= 40)
    assert len(on_topic) >= 40  # the first batch went out twice
    await writer.engine.dispose()

    consumer_rt = ServiceRuntime(
        settings.model_copy(update={"service_name": "kernel-crash-consumer"}), metadata=effects_meta
    )
    consumer = consumer_rt.consume("kernel-crash-consumer", (topics.REGISTRATION,), {RefundIssued: on_refund})
    await consumer_rt.start()
    try:
        await eventually(lambda: consumer.stats.handled + consumer.stats.duplicates >= len(on_topic))
        assert await effect_count(consumer_rt) == 30
        assert consumer.stats.duplicates == len(on_topic) - 30
    finally:
        await consumer_rt.stop()


def _env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if k != "CONGRESS_CRASH_AT"} | {"PYTHONPATH": str(ROOT)}


async def test_relay_survives_kafka_being_away_and_publishes_once_it_is_back(
    db_url: str, kafka_bootstrap: str, topic_prefix: str
) -> None:
    from services.common.db import create_tables, make_engine, make_sessionmaker
    from services.common.outbox import Outbox
    from services.common.relay import OutboxRelay, make_producer
    from services.common.topic_admin import TopicPlan, ensure_topics
    from services.devtools.processes import free_port

    engine = make_engine(db_url)
    await create_tables(engine)
    outbox = Outbox("/tests")
    dead_port = free_port()  # nothing listens here: the link to Kafka is down
    producer = make_producer(f"127.0.0.1:{dead_port}", "relay-away", request_timeout_ms=500)
    relay = OutboxRelay(
        engine,
        producer,
        outbox=outbox,
        poll_seconds=0.05,
        topic_prefix=topic_prefix,
        publish_timeout=1.0,
        producer_started=False,
    )
    task = asyncio.create_task(relay.run())
    sessions = make_sessionmaker(engine)
    async with transaction(sessions, outbox) as uow:
        uow.stage_many([refund(n) for n in range(3)])
    await eventually(lambda: relay.last_error is not None)
    assert relay.running and not task.done()  # it waits and retries instead of dying
    task.cancel()
    await producer.stop()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    # The link returns (and, as a service would, the relay's owner has made the topics): the rows go out, once.
    await ensure_topics(kafka_bootstrap, TopicPlan(prefix=topic_prefix))
    live = make_producer(kafka_bootstrap, "relay-back")
    await live.start()
    relay_back = OutboxRelay(engine, live, outbox=outbox, topic_prefix=topic_prefix)
    assert await relay_back.publish_pending() == 3
    on_topic = await read_records(kafka_bootstrap, topic_prefix + topics.REGISTRATION, until=lambda rs: len(rs) >= 3)
    assert len(on_topic) == 3
    await live.stop()
    await engine.dispose()
