"""A real Kafka cluster on one machine: N KRaft nodes (every one a controller voter) from the same jars.

``KafkaCluster(port=9092, brokers=3)`` keeps its state in a run directory
(``$CONGRESS_HOME/kafka-cluster-<port>``): ``cluster.json`` (cluster id and each
node's ports, fixed when the storage is formatted) and one data directory per
node (``node-<id>``, with its ``server.properties``, ``kafka.log`` and ``kafka.pid``).
Node ``i`` listens for clients on ``port + 2(i-1)`` and for its controller on the
port after it: 9092/9093, 9094/9095, 9096/9097 by default.

:meth:`KafkaCluster.start` starts every node that is not running (all of them, or
the one stopped a moment ago) and returns once all serve and a message written
with acks=all is replicated to every node. :meth:`KafkaCluster.stop` stops one
node or all; :func:`cluster_view` reads what any cluster looks like from outside.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import functools
import json
import logging
import os
import random
import signal
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from schemas.topic_policy import TARGET_REPLICATION
from services.common.settings import congress_home
from services.devtools.kafka_jars import ensure_jars
from services.devtools.kafka_launcher import DEFAULT_PORT, KafkaLauncher
from services.devtools.kafka_node import Quorum, produce_probe, speaks_kafka
from services.devtools.kafka_storage import new_cluster_id
from services.devtools.processes import HOST, LauncherError, port_in_use, run_blocking, tail

log = logging.getLogger(__name__)


def cluster_run_dir(port: int = DEFAULT_PORT) -> Path:
    """Where the cluster whose first node listens on ``port`` keeps its state."""
    return congress_home() / f"kafka-cluster-{port}"


@dataclass(frozen=True)
class NodeStatus:
    """One node as the run directory and its port say."""

    node_id: int
    port: int
    controller_port: int
    pid: int | None
    serving: bool


class KafkaCluster:
    """Start, inspect and stop a local multi-node KRaft cluster (see the module docstring)."""

    def __init__(self, run_dir: Path | None = None, *, port: int = DEFAULT_PORT, brokers: int = 3) -> None:
        if brokers < 1:
            raise LauncherError("a cluster needs at least one broker")
        self.run_dir = (run_dir if run_dir is not None else cluster_run_dir(port)).resolve()
        self.port = port
        self.brokers = brokers
        self.quorum = self._load_or_plan_quorum()
        self.nodes = {
            node_id: KafkaLauncher(self.run_dir / f"node-{node_id}", port=client, node_id=node_id, quorum=self.quorum)
            for node_id, client in self._client_ports().items()
        }

    @classmethod
    def existing(cls, port: int = DEFAULT_PORT, run_dir: Path | None = None) -> KafkaCluster | None:
        """The cluster recorded in the run directory for ``port``, if one was ever started there."""
        state = (run_dir or cluster_run_dir(port)) / "cluster.json"
        if not state.is_file():
            return None
        return cls(run_dir, port=port, brokers=len(json.loads(state.read_text())["nodes"]))

    @property
    def bootstrap(self) -> str:
        """Every node's client address, comma-separated: what clients use as bootstrap servers."""
        return ",".join(node.bootstrap for node in self.nodes.values())

    @property
    def state_file(self) -> Path:
        return self.run_dir / "cluster.json"

    def start(self, timeout: float = 120.0) -> str:
        """Start every node that is not running; return the bootstrap list once all serve and replicate."""
        stopped = [node for node in self.nodes.values() if node.running_pid() is None]
        for node in stopped:
            if port_in_use(node.port):
                raise LauncherError(f"port {node.port} for node {node.node_id} is in use; choose another --port")
        ensure_jars()  # once, before the nodes start side by side (Maven must not fill the cache three times)
        # Formatting and starting a JVM take seconds each: the nodes do it side by side.
        with concurrent.futures.ThreadPoolExecutor(max_workers=len(stopped) or 1) as pool:
            for future in [pool.submit(node.spawn) for node in stopped]:
                future.result()
        self.wait_ready(time.monotonic() + timeout)
        return self.bootstrap

    def wait_ready(self, deadline: float) -> None:
        """Poll until every node serves and a message is replicated to min(3, nodes) of them; fail fast if one dies."""
        last_error = "no attempt yet"
        while True:
            for node in self.nodes.values():
                if node.running_pid() is None:
                    raise LauncherError(
                        f"Kafka node {node.node_id} is not running; "
                        f"last lines of {node.log_file}:\n{tail(node.log_file)}"
                    )
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise LauncherError(f"the Kafka cluster at {self.bootstrap} was not ready in time ({last_error})")
            if all(speaks_kafka(node.port) for node in self.nodes.values()):
                try:
                    run_blocking(functools.partial(self._probe, min(10.0, max(remaining, 1.0))))
                    return
                except Exception as exc:  # noqa: BLE001 - any failure just means "not ready yet"
                    last_error = f"{type(exc).__name__}: {exc}"
                    log.debug("cluster not ready yet: %s", last_error)
            time.sleep(0.5)

    async def _probe(self, timeout: float) -> None:
        view = await cluster_view(self.bootstrap)
        if len(view.brokers) < len(self.nodes):
            raise RuntimeError(f"{len(view.brokers)} of {len(self.nodes)} brokers registered")
        await produce_probe(self.bootstrap, timeout, replication_factor=min(TARGET_REPLICATION, len(self.nodes)))

    def stop(self, node_id: int | None = None, timeout: float = 30.0) -> list[int]:
        """Stop node ``node_id`` (or every node, last first); return the ids of the nodes that were running."""
        if node_id is not None and node_id not in self.nodes:
            raise LauncherError(f"no node {node_id}; this cluster has nodes {sorted(self.nodes)}")
        chosen = [self.nodes[node_id]] if node_id is not None else list(reversed(self.nodes.values()))
        pids = {node.node_id: node.running_pid() for node in chosen}
        running = [node for node in chosen if pids[node.node_id] is not None]
        if len(running) > 1:
            # All at once: a node stopped after a majority of its peers waits for a quorum that is gone.
            for pid in pids.values():
                if pid is not None:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGTERM)
        for node in running:
            node.stop(timeout)
        return [node.node_id for node in running]

    def node_status(self) -> list[NodeStatus]:
        return [
            NodeStatus(
                node.node_id, node.port, self.quorum.controller_port(i), node.running_pid(), speaks_kafka(node.port)
            )
            for i, node in self.nodes.items()
        ]

    def active_controller(self) -> int | None:
        """The quorum leader, as the running nodes' ``quorum-state`` files say (the highest epoch wins)."""
        best: tuple[int, int] | None = None
        for node in self.nodes.values():
            if node.running_pid() is None:
                continue
            try:
                state = json.loads((node.data_dir / "logs" / "__cluster_metadata-0" / "quorum-state").read_text())
            except (OSError, ValueError):
                continue
            epoch, leader = int(state.get("leaderEpoch", -1)), int(state.get("leaderId", -1))
            if leader >= 0 and (best is None or epoch > best[0]):
                best = (epoch, leader)
        return best[1] if best is not None else None

    # ---- the run directory

    def _client_ports(self) -> dict[int, int]:
        return {node_id: self.port + 2 * (node_id - 1) for node_id, _ in self.quorum.voters}

    def _load_or_plan_quorum(self) -> Quorum:
        if self.state_file.is_file():
            try:
                stored: dict[str, Any] = json.loads(self.state_file.read_text())
            except (OSError, ValueError) as exc:
                raise LauncherError(f"{self.state_file} is unreadable ({exc}); delete {self.run_dir} to reset") from exc
            if len(stored["nodes"]) != self.brokers or stored["nodes"][0]["port"] != self.port:
                raise LauncherError(
                    f"{self.run_dir} holds a cluster of {len(stored['nodes'])} node(s) from port "
                    f"{stored['nodes'][0]['port']}; stop it and delete the directory to change its shape"
                )
            voters = tuple((n["node_id"], n["controller_port"]) for n in stored["nodes"])
            return Quorum(stored["cluster_id"], voters)
        if self.port + 2 * self.brokers > 65536:
            raise LauncherError(f"port {self.port} leaves no room for {self.brokers} nodes; choose a lower --port")
        voters = tuple((i, self.port + 2 * (i - 1) + 1) for i in range(1, self.brokers + 1))
        quorum = Quorum(new_cluster_id(), voters)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        nodes = [{"node_id": i, "port": c - 1, "controller_port": c} for i, c in voters]
        self.state_file.write_text(json.dumps({"cluster_id": quorum.cluster_id, "nodes": nodes}, indent=2) + "\n")
        return quorum


@dataclass
class ClusterView:
    """A cluster as its metadata shows it from outside: brokers, leaders per broker, under-replicated partitions."""

    brokers: list[int]
    leaders: Counter[int] = field(default_factory=Counter)
    under_replicated: list[str] = field(default_factory=list)
    """``topic-partition (replicas [..], in sync [..])`` for each partition short of in-sync replicas."""
    offline: list[str] = field(default_factory=list)
    """Partitions with no leader."""


async def cluster_view(bootstrap: str) -> ClusterView:
    """Ask the cluster (any reachable node of ``bootstrap``) for its brokers and every partition's leader and ISR."""
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="congress-status", request_timeout_ms=10_000)
    await admin.start()
    try:
        metadata = await admin.describe_cluster()
        described = await admin.describe_topics(None)
    finally:
        await admin.close()
    view = ClusterView(brokers=sorted(b["node_id"] for b in metadata["brokers"]))
    for topic in described:
        for part in topic["partitions"]:
            name = f"{topic['topic']}-{part['partition']}"
            if part["leader"] < 0:
                view.offline.append(name)
            else:
                view.leaders[part["leader"]] += 1
            if len(part["isr"]) < len(part["replicas"]):
                view.under_replicated.append(f"{name} (replicas {part['replicas']}, in sync {part['isr']})")
    return view


def free_port_block(count: int) -> int:
    """A port from which ``count`` consecutive ports on 127.0.0.1 are free (tests running side by side
    start from random places, so they rarely reach for the same block).

    Below the system's ephemeral range: a node stopped and started again needs its ports back, and a port in
    that range is handed to any outgoing connection or ``bind(0)`` meanwhile (a fresh-clone run lost node 3 so:
    "Address already in use" on its controller port)."""
    top = min(_ephemeral_low(), 60000) - count
    for _ in range(200):
        base = random.randrange(20000, top)
        if all(not port_in_use(port, HOST) for port in range(base, base + count)):
            return base
    raise LauncherError(f"found no {count} consecutive free ports")


def _ephemeral_low() -> int:
    """The lowest port the kernel hands out for outgoing connections (Linux's default: 32768)."""
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768
