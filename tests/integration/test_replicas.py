"""Two copies of one service on one PostgreSQL database and a real Kafka broker.

The copies share the topic's partitions through their consumer group and each event is handled
once; one relay per database publishes, the other waits on standby (and both say they are ready);
a relay whose lock went with its connection stops before publishing again and the other takes over.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiokafka import TopicPartition
from sqlalchemy import Column, MetaData, String, Table, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from schemas import CloudEvent, topics
from schemas.notify import NotificationSent
from schemas.registration import RefundIssued
from services.common.runtime import ServiceRuntime
from services.common.settings import ServiceSettings
from services.common.unit_of_work import transaction
from tests.conftest import fresh_pg_database
from tests.integration.test_kernel import refund
from tests.kafka_helpers import eventually, publish, read_events

handled_meta = MetaData()
handled = Table("handled", handled_meta, Column("event_id", String(64)), Column("copy", String(8)))
"""One row per handling, by which copy: no key, so a second handling of an event would show."""


def copy_runtime(name: str, db_url: str, kafka_bootstrap: str, topic_prefix: str) -> ServiceRuntime:
    settings = ServiceSettings(
        service_name="replica-test",
        database_url=db_url,
        kafka_topic_prefix=topic_prefix,
        kafka_bootstrap_servers=kafka_bootstrap,
        relay_poll_seconds=0.2,
    )
    rt = ServiceRuntime(settings, metadata=handled_meta)

    async def on_refund(event: CloudEvent[Any], session: AsyncSession) -> None:
        await session.execute(insert(handled).values(event_id=event.id, copy=name))

    rt.consume("replica-test", (topics.REGISTRATION,), {RefundIssued: on_refund})
    return rt


def assignment(rt: ServiceRuntime) -> set[TopicPartition]:
    consumer = rt.broker.subscribers[0].consumer  # type: ignore[attr-defined]
    return set(consumer.assignment()) if consumer is not None else set()


@pytest.fixture
async def copies(pg_url: str, kafka_bootstrap: str, topic_prefix: str) -> AsyncIterator[list[ServiceRuntime]]:
    url = await fresh_pg_database(pg_url)
    started = []
    try:
        for name in ("a", "b"):
            rt = copy_runtime(name, url, kafka_bootstrap, topic_prefix)
            await rt.start()
            started.append(rt)
        yield started
    finally:
        for rt in started:
            await rt.stop()


async def effects(rt: ServiceRuntime) -> list[tuple[str, str]]:
    async with rt.sessionmaker() as session:
        return [(r.event_id, r.copy) for r in (await session.execute(select(handled))).all()]


def staged(n: int) -> NotificationSent:
    return NotificationSent(
        recipient_id=f"d-{n}",
        template="refund_issued",
        cause_event_id=f"cause-{n}",
        message_id=f"<{n}@congress.test>",
        to=f"d{n}@example.org",  # a person each: sealed with their own data key
        subject="Refund",
    )


async def stage(rt: ServiceRuntime, numbers: range) -> None:
    async with transaction(rt.sessionmaker, rt.outbox) as uow:
        for n in numbers:
            uow.stage(staged(n))


async def on_topic(rt: ServiceRuntime, count: int) -> list[CloudEvent[Any]]:
    settings = rt.settings
    return await read_events(
        settings.kafka_bootstrap_servers,
        settings.kafka_topic_prefix + topics.NOTIFY,
        until=lambda events: len({e.id for e in events}) >= count,
        timeout=120,
    )


@pytest.mark.timeout(180)
async def test_two_copies_share_the_partitions_and_handle_each_event_once(
    copies: list[ServiceRuntime], kafka_bootstrap: str, topic_prefix: str
) -> None:
    a, b = copies
    # the group settles with both copies in it, the topic's partitions split between them
    # (a rebalance in flight can show the old owner still holding a partition the new one got: wait it out)
    await eventually(lambda: assignment(a) and assignment(b) and not assignment(a) & assignment(b), timeout=90)
    assert not assignment(a) & assignment(b)
    assert len(assignment(a) | assignment(b)) == 3

    sent = await publish(kafka_bootstrap, topic_prefix + topics.REGISTRATION, [refund(n) for n in range(1, 61)])

    async def all_handled() -> list[tuple[str, str]] | None:
        done = await effects(a)
        return done if len(done) >= len(sent) else None

    done = await eventually(all_handled, timeout=60)
    await asyncio.sleep(1.0)  # a second handling, if there were one, would have time to show
    done = await effects(a)
    assert Counter(event_id for event_id, _ in done) == {e.id: 1 for e in sent}
    by_copy = Counter(copy for _, copy in done)
    assert by_copy["a"] > 0 and by_copy["b"] > 0  # both copies worked


@pytest.mark.timeout(180)
async def test_one_relay_per_database_and_a_lost_lock_hands_over(copies: list[ServiceRuntime]) -> None:
    a, b = copies
    assert a.relay is not None and b.relay is not None
    assert a.relay.running and b.relay.standby and not b.relay.running
    assert all((await a.ready()).values()) and all((await b.ready()).values())  # standby is ready

    await stage(b, range(10))  # written through copy b, published by a's relay
    await on_topic(a, 10)
    # published counts once the rows are marked sent, a moment after Kafka acknowledged them; each event's
    # recipient is a new person, so each went with the data key its personal fields are sealed with
    await eventually(lambda: a.relay is not None and a.relay.published == 20, timeout=30)
    assert b.relay.published == 0

    # a's lock connection dies (a network cut, a restarted pooler): PostgreSQL releases the lock with it
    async with a.engine.connect() as conn:
        await conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_locks "
                "WHERE locktype = 'advisory' AND objid = 7355608 AND granted AND pid <> pg_backend_pid()"
            )
        )
    await eventually(lambda: b.relay is not None and b.relay.running, timeout=30)  # b took the lock over
    await stage(a, range(10, 20))  # a's own commit wakes a's relay first: it must not publish any more
    events = await on_topic(a, 20)
    await eventually(lambda: b.relay is not None and b.relay.published == 20, timeout=30)
    assert a.relay.published == 20
    assert Counter(e.data.recipient_id for e in events) == {f"d-{n}": 1 for n in range(20)}
    await eventually(lambda: a.relay is not None and a.relay.standby, timeout=30)  # a waits to take over in turn
