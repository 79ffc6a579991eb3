"""notify's Kafka subscription: the kernel's inbox consumer with small batches and static membership.

The kernel's ``EventConsumer.subscribe`` takes no consumer options, so notify attaches
the same consumer itself: a batch is one transaction; once it has committed,
``committed`` starts sending the mail it owes (``failed`` if it did not). A
``group_instance_id`` lets a restarted process take its partitions back at once
instead of waiting for the session timeout.

One consumer reads every notify topic, and aiokafka hands out a partition's fetched records
(``max_records`` at a time) until that fetch is used up before it turns to the next partition's:
with its default of 1 MiB a partition, a lump of hundreds of badge events (each a badge email
with its PDF) went out before the confirmations fetched beside them. ``MAX_PARTITION_FETCH_BYTES``
keeps each lump small, so the topics take turns (a larger record still comes, alone).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from faststream import AckPolicy, Context
from faststream.kafka import KafkaBroker
from faststream.kafka.message import KafkaMessage

from schemas import topics
from services.common.consumer import EventConsumer, parse_batch

MAX_PARTITION_FETCH_BYTES = 64 * 1024
"""About 40 of notify's events a partition per fetch (a badge event ~1.5 KB) instead of aiokafka's 1 MiB."""


def subscribe(
    broker: KafkaBroker,
    consumer: EventConsumer,
    topic_names: tuple[str, ...],
    *,
    topic_prefix: str,
    max_records: int,
    group_instance_id: str | None = None,
    on_erasure: Callable[[list[str]], Awaitable[None]] | None = None,
    committed: Callable[[], None] | None = None,
    failed: Callable[[], None] | None = None,
) -> Any:
    async def on_notify_events(message: KafkaMessage = Context("message")) -> None:
        raw = message.raw_message
        records = list(raw) if isinstance(raw, (tuple, list)) else [raw]
        # A tombstone on the compacted delegate topic erases a delegate: forget their contact
        # details instead of dead-lettering it as a malformed event.
        erased = [r for r in records if r.value is None and r.topic.endswith(topics.DELEGATES) and r.key]
        if erased and on_erasure is not None:
            await on_erasure([r.key.decode() for r in erased])
        rest = [r for r in records if not any(r is e for e in erased)]
        try:
            await consumer.handle_batch(rest)
        except BaseException:
            if failed is not None:
                failed()
            raise
        if committed is not None:
            committed()

    options: dict[str, Any] = {
        "session_timeout_ms": 10000,
        "heartbeat_interval_ms": 1000,
        "max_partition_fetch_bytes": MAX_PARTITION_FETCH_BYTES,
    }
    if group_instance_id:
        options["group_instance_id"] = group_instance_id
    return broker.subscriber(
        *(topic_prefix + name for name in topic_names),
        group_id=topic_prefix + consumer.name,  # a prefix is a deployment: its own group
        batch=True,
        max_records=max_records,
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.NACK_ON_ERROR,  # offsets only after the batch's transaction committed
        title=f"{consumer.name}:{'+'.join(topic_names)}",
        # The records are decoded (and validated) once, by the consumer; skip FastStream's body decoding.
        parser=parse_batch,  # the kernel's: reads one record's headers, not every record's
        decoder=_raw_body,
        **options,
    )(on_notify_events)


async def _raw_body(message: Any) -> Any:
    """FastStream decoder that leaves the body alone: ``handle_batch`` reads the raw records itself."""
    return None
