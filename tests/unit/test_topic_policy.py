"""The topic policy table, how it resolves on a cluster of N brokers, and how a topic is found to differ."""

from __future__ import annotations

from datetime import date

import pytest

from schemas import registry, topics
from schemas.topic_policy import KEEP_FOREVER_MS, POLICIES, Cleanup, Retention, min_insync_for, policy_for
from services.common.congress import ConfigError, Congress, load_congress
from services.common.relay import make_producer
from services.common.topic_admin import (
    RequiredTopic,
    TopicPlan,
    TopicPolicyError,
    TopicState,
    cluster_size,
    differences,
    edition_retention_ms,
    replication_factor_for,
    required_topics,
)

DAY_MS = 86_400_000


def test_every_topic_has_exactly_one_policy() -> None:
    assert set(POLICIES) == set(topics.ALL_TOPICS)
    for model in registry().values():  # every event lands on a topic with a policy
        assert policy_for(model.topic()).topic == model.topic()


def test_history_is_kept_snapshot_compacted_dead_letters_kept() -> None:
    for name in topics.EVENT_TOPICS:
        expected = Retention.FOREVER if name == topics.AUDIT else Retention.EDITION
        assert (policy_for(name).cleanup, policy_for(name).retention) == (Cleanup.DELETE, expected)
    assert policy_for(topics.DELEGATES).cleanup is Cleanup.COMPACT
    assert (policy_for(topics.DEADLETTER).cleanup, policy_for(topics.DEADLETTER).retention) == (
        Cleanup.DELETE,
        Retention.FOREVER,
    )


@pytest.mark.parametrize(("brokers", "rf", "min_isr"), [(1, 1, 1), (2, 2, 1), (3, 3, 2), (5, 3, 2)])
def test_replication_follows_the_cluster(brokers: int, rf: int, min_isr: int) -> None:
    for required in required_topics(TopicPlan(prefix="p."), brokers):
        assert required.name.startswith("p.congress.")
        assert (required.replication_factor, required.configs["min.insync.replicas"]) == (rf, str(min_isr))


def test_the_setting_pins_replication_but_not_beyond_the_brokers() -> None:
    assert replication_factor_for(5, 5) == 5
    assert min_insync_for(5) == 4
    with pytest.raises(TopicPolicyError, match="KAFKA_REPLICATION_FACTOR=3 but the cluster has 1 broker"):
        replication_factor_for(1, 3)


def test_event_topics_take_the_edition_retention_the_others_keep_forever() -> None:
    by_name = {r.name: r.configs for r in required_topics(TopicPlan(event_retention_ms=900 * DAY_MS), 3)}
    assert by_name[topics.REGISTRATION]["retention.ms"] == str(900 * DAY_MS)
    assert by_name[topics.DEADLETTER]["retention.ms"] == str(KEEP_FOREVER_MS)
    assert by_name[topics.DELEGATES]["cleanup.policy"] == "compact"


def _edition(**kafka: object) -> Congress:
    base = load_congress()
    return Congress.model_validate({**base.model_dump(), **(base.model_extra or {}), "kafka": kafka})


def test_edition_retention_defaults_to_forever() -> None:
    assert edition_retention_ms(load_congress()) == KEEP_FOREVER_MS


def test_edition_retention_must_outlast_the_edition_by_a_year() -> None:
    # icsei-2027 runs 2027-01-05..08: from 2026-01-05 (a year before) to 2028-01-08 is 733 days.
    today = date(2026, 6, 1)
    assert edition_retention_ms(_edition(event_retention_days=733), today) == 733 * DAY_MS
    with pytest.raises(ConfigError, match=r"event_retention_days is 365, shorter than the edition.*at least 733"):
        edition_retention_ms(_edition(event_retention_days=365), today)
    with pytest.raises(ConfigError, match="whole number of days"):
        edition_retention_ms(_edition(event_retention_days="7d"), today)


def test_an_edition_set_up_early_needs_retention_from_today() -> None:
    assert edition_retention_ms(_edition(event_retention_days=1000), date(2025, 6, 1)) == 1000 * DAY_MS
    with pytest.raises(ConfigError, match="at least 951"):
        edition_retention_ms(_edition(event_retention_days=800), date(2025, 6, 1))


def _registration(rf: int = 3) -> tuple[RequiredTopic, TopicState]:
    required = next(r for r in required_topics(TopicPlan(), rf) if r.name == topics.REGISTRATION)
    fine = TopicState(required.name, 3, rf, dict(required.configs))
    return required, fine


def test_a_matching_topic_has_no_differences_and_more_is_fine() -> None:
    required, fine = _registration()
    assert differences(required, fine) == []
    more = TopicState(fine.name, 12, 3, dict(fine.configs))
    assert differences(required, more) == []


@pytest.mark.parametrize(
    ("partitions", "rf", "changed", "said"),
    [
        (1, 3, {}, "partitions 1, policy 3"),
        (3, 1, {}, "replication factor 1, policy 3"),
        (3, 3, {"retention.ms": str(7 * DAY_MS)}, "retention.ms 604800000, policy -1"),
        (3, 3, {"cleanup.policy": "compact"}, "cleanup.policy compact, policy delete"),
        (3, 3, {"min.insync.replicas": "1"}, "min.insync.replicas 1, policy 2"),
    ],
)
def test_each_difference_is_named(partitions: int, rf: int, changed: dict[str, str], said: str) -> None:
    required, fine = _registration()
    state = TopicState(fine.name, partitions, rf, {**fine.configs, **changed})
    assert differences(required, state) == [said]


def test_a_compacted_topic_is_not_judged_by_time_retention() -> None:
    required = next(r for r in required_topics(TopicPlan(), 1) if r.name == topics.DELEGATES)
    state = TopicState(required.name, 3, 1, {**required.configs, "retention.ms": str(7 * DAY_MS)})
    assert differences(required, state) == []


async def test_the_relay_producer_is_idempotent_and_waits_for_all_replicas() -> None:
    producer = make_producer("127.0.0.1:9", "relay")
    try:
        assert producer._txn_manager is not None  # aiokafka keeps one only with enable_idempotence
        assert producer._sender._acks == -1  # acks=all
    finally:
        await producer.stop()


def test_a_broker_that_is_down_still_counts_while_its_topics_list_it() -> None:
    replicated = {"congress.registration": TopicState("congress.registration", 3, 3, {})}
    assert cluster_size(2, replicated) == 3  # one of three restarting: the policy stays RF 3, min.insync 2
    assert cluster_size(3, {}) == 3
    assert cluster_size(1, {"congress.notify": TopicState("congress.notify", 3, 1, {})}) == 1


def test_the_key_topic_bounds_how_long_a_shredded_key_stays_in_its_log() -> None:
    """``congress.keys`` asks for ``max.compaction.lag.ms`` (a day): without it Kafka keeps a tombstoned key's
    record until the active segment rolls (7 days) and the dirty ratio is reached (maybe never); so does
    ``congress.organisers``, whose snapshots carry an organiser's address in clear."""
    required = {r.name: r for r in required_topics(TopicPlan(), 3)}
    assert required[topics.KEYS].configs["max.compaction.lag.ms"] == str(DAY_MS)
    bounded = {
        n: r.configs["max.compaction.lag.ms"] for n, r in required.items() if "max.compaction.lag.ms" in r.configs
    }
    assert bounded == {topics.KEYS: str(DAY_MS), topics.ORGANISERS: str(DAY_MS)}  # organisers: an erased address
    at_kafkas_default = {**required[topics.KEYS].configs, "max.compaction.lag.ms": "9223372036854775807"}
    state = TopicState(topics.KEYS, 3, 3, at_kafkas_default)
    assert differences(required[topics.KEYS], state) == ["max.compaction.lag.ms 9223372036854775807, policy 86400000"]
