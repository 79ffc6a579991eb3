"""notify's one consumer reads registration's and badges' topics: a lump of one topic cannot hold the other back.

aiokafka returns a partition's fetched records, ``max_records`` at a time, until that fetch is used
up, and only then the next partition's. With its default fetch (1 MiB a partition) hundreds of
badge events taken in one fetch went out before the confirmations fetched beside them (issue 11's
pipeline: a confirmation's email waited behind the badge emails' lump). notify's subscription
fetches ``MAX_PARTITION_FETCH_BYTES`` a partition, so the topics take turns in small lumps.
"""

from __future__ import annotations

import asyncio
from typing import Any, cast

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from faststream.kafka import KafkaBroker

from schemas import topics
from services.common.consumer import EventConsumer
from services.notify.adapters.kafka import subscribe

EACH = 300
RECORD = b"x" * 1500  # about a BadgeIssued or RegistrationConfirmed CloudEvent


class Recording:
    """Stands in for the kernel's consumer: notes each record's topic, batch by batch."""

    name = "notify"

    def __init__(self) -> None:
        self.topics: list[str] = []
        self.done = asyncio.Event()

    async def handle_batch(self, records: list[Any]) -> None:
        self.topics += [r.topic for r in records]
        if len(self.topics) >= 2 * EACH:
            self.done.set()


def longest_run(names: list[str]) -> int:
    best = run = 0
    for k, name in enumerate(names):
        run = run + 1 if k and names[k - 1] == name else 1
        best = max(best, run)
    return best


async def test_the_two_topics_take_turns_in_small_lumps(kafka_bootstrap: str, topic_prefix: str) -> None:
    names = (topics.REGISTRATION, topics.BADGES)
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic_prefix + name, 1, 1) for name in names])
    finally:
        await admin.close()
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
    await producer.start()
    try:  # both backlogs are there before notify starts, as after a burst
        for name in names:
            for _ in range(EACH):
                await producer.send(topic_prefix + name, RECORD)
        await producer.flush()
    finally:
        await producer.stop()
    recording = Recording()
    broker = KafkaBroker(kafka_bootstrap)
    subscribe(broker, cast(EventConsumer, recording), names, topic_prefix=topic_prefix, max_records=10)
    async with broker:
        await broker.start()
        await asyncio.wait_for(recording.done.wait(), 60)
    assert sorted(set(recording.topics)) == sorted(topic_prefix + name for name in names)
    # 1 MiB fetches: one topic's 300 records (450 KB) all before the other's; 64 KiB ones: ~40-80 at a time
    assert longest_run(recording.topics) <= 150, longest_run(recording.topics)  # 80 measured
