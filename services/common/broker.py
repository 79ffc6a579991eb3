"""The Kafka broker factory shared by every service (topics: ``services.common.topic_admin``)."""

from __future__ import annotations

import logging

from faststream.kafka import KafkaBroker

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
