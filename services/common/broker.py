"""The Kafka broker factory shared by every service, and the shorthand that makes the congress topics."""

from __future__ import annotations

import logging

from faststream.kafka import KafkaBroker

from services.common import topic_admin
from services.common.topic_admin import TopicReport

log = logging.getLogger("congress.broker")

IDLE_FETCH_WAIT_MS = 5000
"""How long a broker may hold a fetch of a consumer that reads rare records (organiser sign-outs), while nothing new
is there; aiokafka's default is 500 ms.

A record ends the wait at once, so this is not the usual latency: it only sets how often an idle consumer asks each
broker again (two fetches a second each at 500 ms: on three nodes the sign-out readers alone were a sixth of the
brokers' requests in issue 11's burst; decision 66+). It is the worst case, though: aiokafka leaves a partition
whose fetched records are still unread after 100 ms out of the next fetch to its broker, and a record arriving
there meanwhile waits for that fetch to end. So only for consumers that read rare records and keep no one
waiting: not for a service's consumer (notify's confirmation email) nor the key follower (a batch waits for its
keys), whose records would wait up to this long behind a busy event loop."""


METADATA_MAX_AGE_MS = 15_000
"""How old a Kafka client's view of the cluster (partition leaders) may grow before it asks again; aiokafka's
default is five minutes. Every consumer the congress makes is given it.

aiokafka 0.14 asks a partition's leader for the offset to start from when a consumer has no committed offset
for it (a partition just handed over in a rebalance, or read from the start) and, when that broker answers
that it no longer leads the partition, logs "Failed fetch offsets … NotLeaderForPartitionError" and asks the
same broker again every 100 ms without refreshing its metadata (its fetch path does refresh). After a broker
was killed and restarted, the fault suite saw badges' copy keep asking for four minutes while two partitions'
records waited: only the periodic refresh ends the loop, so its period is the longest such a stall lasts. A
metadata request every 15 s per client costs the brokers nothing worth counting."""


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
        metadata_max_age_ms=METADATA_MAX_AGE_MS,  # consumers and producer: see METADATA_MAX_AGE_MS
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
