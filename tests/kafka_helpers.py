"""Reading real topics in tests: every event on a topic, decoded through the schema models."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from schemas import CloudEvent, EventData, decode, encode, new_event, topics
from schemas.personal import Open
from services.common.key_follower import KeyFollower
from services.common.keyring import KeyPending, Keyring
from services.common.topic_admin import TopicPlan, ensure_topics


async def ensure_topic(bootstrap: str, topic: str) -> None:
    """Create ``topic`` if it is missing, as a service would: the brokers create no topic on their own.

    A congress topic (any prefix) is created with its policy, with the rest of its prefix's topics;
    any other name gets three partitions.
    """
    for name in topics.ALL_TOPICS:
        if topic.endswith(name):
            await ensure_topics(bootstrap, TopicPlan(prefix=topic.removesuffix(name)))
            return
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        if topic not in await admin.list_topics():
            await admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)])
    finally:
        await admin.close()


async def read_records(
    bootstrap: str, topic: str, *, until: Callable[[list[ConsumerRecord[Any, Any]]], bool], timeout: float = 30.0
) -> list[ConsumerRecord[Any, Any]]:
    """Every record on ``topic`` from the beginning, once ``until(records)`` holds (or the timeout ends)."""
    await ensure_topic(bootstrap, topic)
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"test-{uuid.uuid4().hex}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    records: list[ConsumerRecord[Any, Any]] = []
    deadline = time.monotonic() + timeout
    try:
        while not until(records) and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=200)
            for partition_records in batch.values():
                records.extend(partition_records)
    finally:
        await consumer.stop()
    return records


async def read_events(
    bootstrap: str,
    topic: str,
    *,
    until: Callable[[list[CloudEvent[Any]]], bool],
    timeout: float = 30.0,
    open_: Open | None = None,
) -> list[CloudEvent[Any]]:
    """Every event on ``topic``, decoded and validated, once ``until(events)`` holds; with ``open_`` (a service's
    ``runtime.keyring.opener(final=True)``, or ``following_keys``'s) their personal fields opened. A key the
    opener does not know yet (``KeyPending``) makes it read on until it does."""
    events: list[CloudEvent[Any]] = []

    def done(records: list[ConsumerRecord[Any, Any]]) -> bool:
        try:
            opened = [decode(r.value, open_) for r in records]
        except KeyPending:
            return False
        events[:] = opened
        return until(events)

    await read_records(bootstrap, topic, until=done, timeout=timeout)
    return events


@contextlib.asynccontextmanager
async def following_keys(bootstrap: str, topic_prefix: str, secret: str) -> AsyncIterator[Open]:
    """An opener for services running in other processes with ``secret``: follows ``congress.keys`` as a
    service does, and raises ``KeyPending`` for a key not read yet (``read_events`` then reads on)."""
    keyring = Keyring(secret, "tests")
    task = asyncio.create_task(KeyFollower(bootstrap, keyring, topic_prefix=topic_prefix, client_id="tests").run())
    try:
        yield keyring.opener(final=False)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def publish(
    bootstrap: str, topic: str, items: Sequence[EventData | CloudEvent[Any] | bytes], key: bytes | None = None
) -> list[CloudEvent[Any]]:
    """Publish events (or raw bytes) as a service would; returns the CloudEvents sent."""
    await ensure_topic(bootstrap, topic)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all")
    await producer.start()
    sent: list[CloudEvent[Any]] = []
    try:
        for item in items:
            if isinstance(item, bytes):
                await producer.send_and_wait(topic, item, key=key)
                continue
            event = item if isinstance(item, CloudEvent) else new_event(item, "/tests")
            await producer.send_and_wait(
                topic,
                encode(event),
                key=event.subject.encode(),
                headers=[("content-type", b"application/cloudevents+json")],
            )
            sent.append(event)
    finally:
        await producer.stop()
    return sent


async def eventually(check: Callable[[], Any], *, timeout: float = 30.0, interval: float = 0.1) -> Any:
    """Await ``check()`` (sync or async) until it returns something truthy, or fail with its last value."""
    deadline = time.monotonic() + timeout
    value: Any = None
    while time.monotonic() < deadline:
        value = check()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s (last value: {value!r})")
