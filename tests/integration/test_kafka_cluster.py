"""A real three-node cluster on one machine: topics replicated three times, status, a node stopped and back."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from typer.testing import CliRunner

from schemas import topics
from services.cli.main import app as cli
from services.devtools.kafka_cluster import KafkaCluster, cluster_view
from services.devtools.processes import run_blocking
from tests.integration.test_topic_policy import rows


def congress(args: list[str], cluster: KafkaCluster, prefix: str = "") -> tuple[int, str]:
    env = {"KAFKA_BOOTSTRAP_SERVERS": cluster.bootstrap, "KAFKA_TOPIC_PREFIX": prefix}
    result = CliRunner().invoke(cli, args, env=env)
    return result.exit_code, result.output


def status(cluster: KafkaCluster) -> str:
    code, output = congress(
        ["kafka", "status", "--port", str(cluster.port), "--data-dir", str(cluster.run_dir)], cluster
    )
    assert code == 0, output
    return output


def test_topics_on_the_cluster_are_replicated_three_times_with_history_kept(
    kafka_cluster3: KafkaCluster, topic_prefix: str
) -> None:
    code, output = congress(["topics", "ensure"], kafka_cluster3, topic_prefix)
    assert code == 0, output
    code, described = congress(["topics", "describe"], kafka_cluster3, topic_prefix)
    assert code == 0, described
    assert "on 3 broker(s)" in described
    table = rows(described, topic_prefix)
    assert set(table) == set(topics.ALL_TOPICS)
    for name, (_partitions, replicas, min_insync, cleanup, retention, *_rest) in table.items():
        assert (replicas, min_insync, retention) == ("3", "2", "forever"), (name, described)
        assert cleanup == ("compact" if name in topics.COMPACTED_TOPICS else "delete")


def test_status_shows_three_nodes_a_controller_and_the_leaders(kafka_cluster3: KafkaCluster) -> None:
    output = status(kafka_cluster3)
    assert output.count(" serving ") == 3, output
    assert "brokers registered: [1, 2, 3]" in output
    controller = next(line for line in output.splitlines() if line.startswith("active controller:"))
    assert controller.split()[-1] in {"1", "2", "3"}, output
    assert "partition leaders: node 1:" in output
    assert "under-replicated partitions: 0" in output


def test_a_stopped_node_shows_as_under_replicated_partitions(kafka_cluster3: KafkaCluster, topic_prefix: str) -> None:
    assert congress(["topics", "ensure"], kafka_cluster3, topic_prefix)[0] == 0
    args = [
        "kafka",
        "stop",
        "--node",
        "3",
        "--port",
        str(kafka_cluster3.port),
        "--data-dir",
        str(kafka_cluster3.run_dir),
    ]
    try:
        code, stopped = congress(args, kafka_cluster3)
        assert code == 0 and "stopped node(s) [3]" in stopped, stopped
        output = wait_for(kafka_cluster3, lambda out: f"{topic_prefix}congress.registration-0 (" in out)
        assert "node 3" in output and "stopped" in output.split("node 3", 1)[1].splitlines()[0]
        assert "brokers registered: [1, 2]" in output
        under = int(output.split("under-replicated partitions: ")[1].split()[0])
        assert under >= 3 * len(topics.ALL_TOPICS), output  # every congress topic's partitions lost a replica
        # a copy (re)started meanwhile holds the topics to the policy of three brokers, not of the two answering
        code, described = congress(["topics", "describe"], kafka_cluster3, topic_prefix)
        assert code == 0 and "on 3 broker(s)" in described, described
        assert {(r[1], r[2]) for r in rows(described, topic_prefix).values()} == {("3", "2")}, described
    finally:
        kafka_cluster3.start(timeout=240)
    wait_for(kafka_cluster3, lambda out: "under-replicated partitions: 0" in out)


def wait_for(cluster: KafkaCluster, check: Callable[[str], bool], timeout: float = 90.0) -> str:
    """``kafka status`` until ``check(output)`` holds (ISR shrink and catch-up take the brokers a moment)."""
    deadline = time.monotonic() + timeout
    output = ""
    while time.monotonic() < deadline:
        code, output = congress(
            ["kafka", "status", "--port", str(cluster.port), "--data-dir", str(cluster.run_dir)], cluster
        )
        if code == 0 and check(output):  # type: ignore[operator]
            return output
        time.sleep(1.0)
    raise AssertionError(f"status never showed what was expected:\n{output}")


def test_cluster_view_counts_what_the_metadata_says(kafka_cluster3: KafkaCluster) -> None:
    view = run_blocking(lambda: cluster_view(kafka_cluster3.bootstrap))
    assert view.brokers == [1, 2, 3]
    assert not view.offline


async def test_a_service_broker_connects_with_the_clusters_bootstrap_list(
    kafka_cluster3: KafkaCluster, topic_prefix: str
) -> None:
    """What `congress kafka start --brokers 3` prints (``a:p1,a:p2,a:p3``) is what every service is given;
    FastStream took the whole list for one host name and no service on a cluster ever connected."""
    from services.common.broker import make_broker
    from services.common.topic_admin import TopicPlan, ensure_topics

    assert "," in kafka_cluster3.bootstrap
    await ensure_topics(kafka_cluster3.bootstrap, TopicPlan(prefix=topic_prefix))
    broker = make_broker(kafka_cluster3.bootstrap, client_id="cluster-list-test")
    await asyncio.wait_for(broker.start(), timeout=60)
    try:
        await broker.publish(b"{}", topic=topic_prefix + topics.DEADLETTER)
    finally:
        await broker.stop()
