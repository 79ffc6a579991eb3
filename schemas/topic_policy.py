"""Topic policy as code: for every topic in :mod:`schemas.topics`, how Kafka must keep it.

An edition runs for months (call for papers in spring, registration from summer,
the congress in January) and consumers rebuild their state from the topics, so
event topics keep their whole history: ``retention.ms=-1`` unless the edition's
YAML states a longer-than-the-edition duration (see
``services.common.topic_admin``). The delegate snapshot topic is compacted (the
latest state per delegate, a tombstone erases); the dead-letter topic keeps every
message until someone has looked at it.

Replication is not a per-topic number here: every topic is durable, and the
replication factor and ``min.insync.replicas`` follow the cluster (settings
``KAFKA_REPLICATION_FACTOR``, default ``min(3, brokers)``; ``min.insync.replicas``
is RF - 1 from RF 3 on, else 1). :func:`min_insync_for` states that rule once.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from schemas import topics

KEY_COMPACTION_LAG_MS: Final = 24 * 60 * 60 * 1000
"""``max.compaction.lag.ms`` of ``congress.keys``: a day. An erasure tombstones a person's data keys, but the
key's own record (wrapped under the congress secret) stays in the log until the cleaner compacts its
segment, and Kafka never compacts the active segment. By default that segment rolls only after
``segment.ms`` (7 days) or 1 GB (never, for a topic this small), and the cleaner skips a log whose
share of superseded records is under ``min.cleanable.dirty.ratio`` (a key topic, each key written once,
rarely gets there): a shredded key could stay readable, with the secret, for the whole edition. A
maximum compaction lag makes Kafka roll the active segment (at the next record appended after the
lag) and clean every record older than the lag, so a shredded key leaves the log within about a day
while the topic is written to. Its tombstone then stays ``delete.retention.ms`` (a day by default) for
processes to see; one that was away longer finds the key gone and counts the person as erased."""
ORGANISER_COMPACTION_LAG_MS: Final = KEY_COMPACTION_LAG_MS
"""``max.compaction.lag.ms`` of ``congress.organisers``: a day, for the reason ``congress.keys`` has one. Each
``OrganiserAccountChanged`` snapshot carries the organiser's email and name in clear; a superseded snapshot (an
older address or name) and, after an erasure, every snapshot before the account's tombstone leave the log within
about a day of the next record written to the topic, rather than whenever the active segment rolls."""
KEEP_FOREVER_MS: Final = -1
"""``retention.ms`` that disables time-based deletion."""
DEFAULT_PARTITIONS: Final = 3
TARGET_REPLICATION: Final = 3
"""The replication factor of a production cluster (and the default cap on a larger one)."""


class Cleanup(StrEnum):
    """Kafka's ``cleanup.policy``."""

    DELETE = "delete"
    """Segments are deleted only by retention (which, for our topics, is the edition's life or never)."""
    COMPACT = "compact"
    """Kafka keeps the latest record per key (and drops a key after its tombstone)."""


class Retention(StrEnum):
    """How long a topic's records are kept."""

    EDITION = "edition"
    """The edition's history: forever by default, or the edition YAML's duration (validated long enough)."""
    FOREVER = "forever"
    """Never deleted by time (``retention.ms=-1``)."""


@dataclass(frozen=True)
class TopicPolicy:
    """How one topic is kept. ``partitions`` is a minimum: more is fine, keys still keep order."""

    topic: str
    partitions: int
    cleanup: Cleanup
    retention: Retention
    why: str
    max_compaction_lag_ms: int | None = None
    """For a compacted topic: how long a superseded record (a shredded key) may stay before it is cleaned
    (``max.compaction.lag.ms``); None leaves Kafka's default (no bound)."""


POLICIES: Final[dict[str, TopicPolicy]] = {
    policy.topic: policy
    for policy in (
        TopicPolicy(
            topics.REGISTRATION,
            DEFAULT_PARTITIONS,
            Cleanup.DELETE,
            Retention.EDITION,
            "registrations, payments, refunds",
        ),
        TopicPolicy(
            topics.ABSTRACTS, DEFAULT_PARTITIONS, Cleanup.DELETE, Retention.EDITION, "submissions, reviews, decisions"
        ),
        TopicPolicy(
            topics.PROGRAMME, DEFAULT_PARTITIONS, Cleanup.DELETE, Retention.EDITION, "sessions and the programme"
        ),
        TopicPolicy(
            topics.BADGES, DEFAULT_PARTITIONS, Cleanup.DELETE, Retention.EDITION, "badges, documents, check-in"
        ),
        TopicPolicy(topics.NOTIFY, DEFAULT_PARTITIONS, Cleanup.DELETE, Retention.EDITION, "messages sent or failed"),
        TopicPolicy(
            topics.SESSIONS,
            DEFAULT_PARTITIONS,
            Cleanup.DELETE,
            Retention.EDITION,
            "organiser sign-outs (outlive every token)",
        ),
        TopicPolicy(
            topics.AUDIT,
            DEFAULT_PARTITIONS,
            Cleanup.DELETE,
            Retention.FOREVER,
            "who did what, to what, when and why (the audit trail)",
        ),
        TopicPolicy(
            topics.DELEGATES,
            DEFAULT_PARTITIONS,
            Cleanup.COMPACT,
            Retention.FOREVER,
            "latest state per delegate",
        ),
        TopicPolicy(
            topics.KEYS,
            DEFAULT_PARTITIONS,
            Cleanup.COMPACT,
            Retention.FOREVER,
            "each person's data key, wrapped; a tombstone shreds their personal fields",
            max_compaction_lag_ms=KEY_COMPACTION_LAG_MS,  # the shredded key itself leaves the log within a day
        ),
        TopicPolicy(
            topics.ORGANISERS,
            DEFAULT_PARTITIONS,
            Cleanup.COMPACT,
            Retention.FOREVER,
            "latest state per organiser account; invitations; a tombstone erases an account",
            max_compaction_lag_ms=ORGANISER_COMPACTION_LAG_MS,  # an old address leaves the log within a day
        ),
        TopicPolicy(
            topics.DEADLETTER,
            DEFAULT_PARTITIONS,
            Cleanup.DELETE,
            Retention.FOREVER,
            "what no consumer could handle",
        ),
    )
}


def policy_for(topic: str) -> TopicPolicy:
    """The policy of ``topic`` (an unprefixed name from :mod:`schemas.topics`)."""
    try:
        return POLICIES[topic]
    except KeyError:
        raise ValueError(f"no policy for topic {topic!r}; add it to schemas/topic_policy.py") from None


def min_insync_for(replication_factor: int) -> int:
    """``min.insync.replicas`` for a replication factor: one broker may be down and writes go on, from RF 3."""
    return replication_factor - 1 if replication_factor >= TARGET_REPLICATION else 1
