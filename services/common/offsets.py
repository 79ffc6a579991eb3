"""A batch's Kafka offsets, committed behind the next batch instead of before it is fetched.

A kernel consumer commits a batch's offsets only after the batch's transaction committed
(the inbox then makes a redelivery harmless). Waiting for the broker's answer before
fetching the next batch cost one round trip per batch — 10 to 25 ms of every 500 events on
a loaded machine (``bench/kernel.py``). ``CommitBehind`` sends the commit and lets the next
batch start: the offsets are the batch's own (each partition's last record + 1, never the
consumer's position, which may already include the next, unhandled batch), and aiokafka
sends commits one at a time, in order. A commit that fails (a rebalance, the broker away)
is logged; the records are delivered again and skipped by the inbox.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any, Protocol

from aiokafka import AIOKafkaConsumer, TopicPartition

log = logging.getLogger("congress.offsets")


class Positioned(Protocol):
    topic: str
    partition: int
    offset: int


def next_offsets(records: Sequence[Positioned]) -> dict[TopicPartition, int]:
    """Per partition of the batch: the offset after its last record (what Kafka's commit means)."""
    offsets: dict[TopicPartition, int] = {}
    for record in records:
        partition = TopicPartition(record.topic, record.partition)
        offsets[partition] = max(offsets.get(partition, 0), record.offset + 1)
    return offsets


class CommitBehind:
    """Commits each handled batch's offsets in the background, in order."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._pending: set[asyncio.Task[None]] = set()

    def commit(self, consumer: Any, records: Sequence[Positioned]) -> None:
        """Start committing these records' offsets (an in-memory test broker's consumer commits nothing)."""
        if not isinstance(consumer, AIOKafkaConsumer) or not records:
            return
        task = asyncio.create_task(self._commit(consumer, next_offsets(records)), name=f"{self.name}-commit")
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def drain(self) -> None:
        """Wait for the commits already started."""
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)

    async def _commit(self, consumer: AIOKafkaConsumer, offsets: dict[TopicPartition, int]) -> None:
        try:
            await consumer.commit(offsets)
        except Exception as exc:  # noqa: BLE001 -- a redelivery is harmless (inbox); say so and go on
            log.info(
                "offsets not committed; the batch will be delivered again and skipped by the inbox: %r",
                exc,
                extra={"consumer": self.name},
            )
