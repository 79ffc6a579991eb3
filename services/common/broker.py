"""The Kafka broker factory shared by every service, and the shorthand that makes the congress topics."""

from __future__ import annotations

import logging

from faststream.kafka import KafkaBroker

from services.common import topic_admin
from services.common.topic_admin import TopicReport

log = logging.getLogger("congress.broker")

IDLE_FETCH_WAIT_MS = 5000
"""How long a broker may hold a fetch of a consumer that follows a topic, while nothing new is there.

A fetch returns as soon as a record arrives (``fetch_min_bytes`` 1), so this is no latency: it only sets how
often an idle consumer asks each broker again. aiokafka's 500 ms made every idle consumer send two fetches a
second to every broker leading one of its partitions; on three nodes the sign-out readers alone were a sixth of
the brokers' requests in a burst, and a dozen idle consumers cost the brokers ~0.06 cores (decision 66+). Not
for a consumer that asks the same brokers anything else while it waits (a request queues behind the held fetch
on that connection): the key follower's ``catch_up`` asks for the end offsets."""


def bootstrap_list(bootstrap_servers: str) -> list[str]:
    """``"a:9092, b:9094"`` -> ``["a:9092", "b:9094"]``."""
    return [server.strip() for server in bootstrap_servers.split(",") if server.strip()]


def make_broker(bootstrap_servers: str, *, client_id: str) -> KafkaBroker:
    """A FastStream broker whose producer is idempotent and waits for acks=all.

    Subscribers are created by ``EventConsumer.subscribe``, which states its ack policy.
    Nothing connects until ``broker.start()``. ``bootstrap_servers`` may list several nodes,
    comma-separated, as ``congress kafka start --brokers 3`` prints them: FastStream would take the
    whole string for one host, so it gets the list.
    """
    return KafkaBroker(
        bootstrap_list(bootstrap_servers),
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
