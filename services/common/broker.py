"""The Kafka broker factory and topic setup shared by every service."""

from __future__ import annotations

import contextlib
import logging

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from faststream.kafka import KafkaBroker

from schemas import topics

log = logging.getLogger("congress.broker")


def make_broker(bootstrap_servers: str, *, client_id: str) -> KafkaBroker:
    """A FastStream broker whose producer is idempotent and waits for acks=all.

    Subscribers are created by ``EventConsumer.subscribe``, which states its ack policy.
    Nothing connects until ``broker.start()``.
    """
    return KafkaBroker(
        bootstrap_servers,
        client_id=client_id,
        enable_idempotence=True,
        acks="all",
        logger=logging.getLogger(f"congress.{client_id}.faststream"),
    )


async def ensure_topics(bootstrap_servers: str, *, partitions: int = 3, prefix: str = "") -> None:
    """Create every congress topic that is missing; the delegate snapshot topic is compacted."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, client_id="congress-admin")
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [
            NewTopic(
                prefix + name,
                num_partitions=partitions,
                replication_factor=1,
                topic_configs={"cleanup.policy": "compact"} if name in topics.COMPACTED_TOPICS else {},
            )
            for name in topics.ALL_TOPICS
            if prefix + name not in existing
        ]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):  # another service created them first
                await admin.create_topics(missing)
            log.info("created topics %s", [t.name for t in missing])
    finally:
        await admin.close()
