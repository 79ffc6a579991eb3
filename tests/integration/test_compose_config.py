"""compose.yaml as Docker Compose resolves it, on a machine without Docker.

``infra/compose-check`` loads the file with compose-go, the library Docker Compose itself loads it with
(the Compose schema, interpolation, anchors and merges, profiles, env files), and prints the resolved
project; these tests check it against the code: one KRaft node by default, and in the ``cluster``
profile three voters whose listeners, auto-creation and replication agree with ``schemas/topic_policy.py``.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from schemas.topic_policy import TARGET_REPLICATION, min_insync_for
from services.common.topic_admin import TopicPlan, required_topics

ROOT = Path(__file__).resolve().parents[2]
CHECKER = ROOT / "infra" / "compose-check"
ENV = {"CONGRESS_SECRET": "compose-check-not-a-secret", "PATH": "/usr/local/go/bin:/usr/bin:/bin"}


@pytest.fixture(scope="module")
def checker(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The checker, built with Go (as stripe-mock is) from its pinned module."""
    binary = tmp_path_factory.mktemp("compose-check") / "compose-check"
    subprocess.run(["go", "build", "-o", str(binary), "."], cwd=CHECKER, check=True, timeout=600)
    return binary


def resolved(checker: Path, *env_files: Path, profile: str | None = None) -> dict[str, Any]:
    """The project as ``docker compose --env-file … [--profile …] config`` resolves it (a developer's own .env is
    never read: the tests name their env files)."""
    args = [a for f in env_files for a in ("--env-file", str(f))] + (["--profile", profile] if profile else [])
    done = subprocess.run(
        [str(checker), *args, str(ROOT / "compose.yaml")],
        capture_output=True,
        text=True,
        env=ENV,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    project: dict[str, Any] = json.loads(done.stdout)
    return project


def kafka_nodes(project: dict[str, Any]) -> dict[str, dict[str, str]]:
    return {
        name: spec["environment"]
        for name, spec in project["services"].items()
        if spec["image"].startswith("apache/kafka:")
    }


def test_by_default_one_kraft_node_that_creates_no_topics(checker: Path, tmp_path: Path) -> None:
    (tmp_path / "empty.env").write_text("")
    project = resolved(checker, tmp_path / "empty.env")
    nodes = kafka_nodes(project)
    assert list(nodes) == ["kafka"]
    assert nodes["kafka"]["KAFKA_CONTROLLER_QUORUM_VOTERS"] == "1@kafka:9093"
    assert nodes["kafka"]["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
    assert (nodes["kafka"]["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"], nodes["kafka"]["KAFKA_MIN_INSYNC_REPLICAS"]) == (
        "1",
        "1",
    )
    registration = project["services"]["registration"]["environment"]
    assert registration["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
    assert registration["KAFKA_REPLICATION_FACTOR"] == ""  # the default: min(3, brokers)


def test_the_cluster_profile_is_three_voters_replicating_as_the_topic_policy_asks(checker: Path) -> None:
    project = resolved(checker, ROOT / "infra" / "kafka" / "cluster.env", profile="cluster")
    nodes = kafka_nodes(project)
    assert list(nodes) == ["kafka", "kafka-2", "kafka-3"]
    ids = {int(env["KAFKA_NODE_ID"]): name for name, env in nodes.items()}
    assert sorted(ids) == [1, 2, 3]
    voters = ",".join(f"{node_id}@{ids[node_id]}:9093" for node_id in sorted(ids))
    policy = required_topics(TopicPlan(replication_factor=TARGET_REPLICATION), brokers=len(nodes))
    assert {(t.replication_factor, t.configs["min.insync.replicas"]) for t in policy} == {(3, "2")}
    for name, env in nodes.items():
        assert env["KAFKA_PROCESS_ROLES"] == "broker,controller", name
        assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"] == voters, name
        assert env["KAFKA_LISTENERS"] == "PLAINTEXT://:9092,CONTROLLER://:9093", name
        assert env["KAFKA_ADVERTISED_LISTENERS"] == f"PLAINTEXT://{name}:9092", name
        assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false", name
        internal = (
            env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"],
            env["KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR"],
            env["KAFKA_DEFAULT_REPLICATION_FACTOR"],
        )
        assert internal == (str(TARGET_REPLICATION),) * 3, name
        min_isr = str(min_insync_for(TARGET_REPLICATION))
        assert (env["KAFKA_MIN_INSYNC_REPLICAS"], env["KAFKA_TRANSACTION_STATE_LOG_MIN_ISR"]) == (min_isr, min_isr)
    assert len({env["CLUSTER_ID"] for env in nodes.values()}) == 1
    assert len({project["services"][name]["image"] for name in nodes}) == 1
    for service in ("registration", "abstracts", "badges", "notify", "console"):
        env = project["services"][service]["environment"]
        assert env["KAFKA_BOOTSTRAP_SERVERS"] == ",".join(f"{name}:9092" for name in nodes), service
        assert env["KAFKA_REPLICATION_FACTOR"] == str(TARGET_REPLICATION), service


def test_a_file_compose_would_refuse_is_refused(checker: Path, tmp_path: Path) -> None:
    broken = tmp_path / "compose.yaml"
    broken.write_text("services:\n  kafka:\n    image: apache/kafka:4.3.0\n    replicas_of: 3\n")
    done = subprocess.run([str(checker), str(broken)], capture_output=True, text=True, env=ENV, timeout=60, check=False)
    assert done.returncode == 1
    assert "replicas_of" in done.stderr
