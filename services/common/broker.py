"""The Kafka broker factory shared by every service, and the shorthand that makes the congress topics."""

from __future__ import annotations

import logging

from faststream.kafka import KafkaBroker

from services.common import topic_admin
from services.common.topic_admin import TopicReport

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


async def ensure_topics(bootstrap_servers: str, *, prefix: str = "") -> TopicReport:
    """Create the missing congress topics with their policy and compare the rest (see ``topic_admin``).

    A shorthand for readers that have no service settings at hand: replication ``min(3, brokers)``,
    event history kept forever. Services pass their settings' plan to ``topic_admin.ensure_topics``.
    """
    report = await topic_admin.ensure_topics(bootstrap_servers, topic_admin.TopicPlan(prefix=prefix))
    topic_admin.log_report(report)
    return report
