"""The launcher's broker settings that spare a small machine's CPU without changing what a client is promised."""

from __future__ import annotations

from pathlib import Path

from services.devtools.kafka_node import Quorum, render_server_properties

REPLICA_LAG_TIME_MAX_MS = 30_000
"""Kafka's default: a follower that has not caught up for this long leaves the in-sync replicas."""


def properties(text: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#"))


def test_a_leader_holds_an_idle_follower_fetch_for_seconds_well_within_the_lag_a_replica_may_have(
    tmp_path: Path,
) -> None:
    quorum = Quorum("cluster-id", ((1, 9093), (2, 9095), (3, 9097)))
    settings = properties(render_server_properties(9092, 9093, tmp_path, node_id=1, quorum=quorum))

    wait = int(settings["replica.fetch.wait.max.ms"])
    assert wait >= 5000  # Kafka's 500 ms: each follower asked each leader twice a second for nothing
    assert wait * 3 <= REPLICA_LAG_TIME_MAX_MS and "replica.lag.time.max.ms" not in settings
    # what acks=all means is unchanged: every topic's replication and min.insync.replicas as before
    assert settings["default.replication.factor"] == "3" and settings["min.insync.replicas"] == "2"
