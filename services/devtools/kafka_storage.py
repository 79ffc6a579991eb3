"""A local Kafka node's data directory: the facts fixed when it is formatted, and the format itself.

A node of its own keeps its cluster id and controller port in ``launcher.json`` (the formatted
metadata records the controller endpoint, so both must stay); a node of a cluster takes them
from the cluster's :class:`~services.devtools.kafka_node.Quorum`.
"""

from __future__ import annotations

import base64
import json
import logging
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from services.devtools.processes import LOG_TAIL_LINES, LauncherError, free_port, port_in_use

log = logging.getLogger(__name__)

# Verified against the kafka_2.13-4.3.0 jar contents: the storage tool is still the Scala
# object in the core jar, not org.apache.kafka.tools.
STORAGE_TOOL_CLASS = "kafka.tools.StorageTool"


@dataclass(frozen=True)
class ClusterState:
    """Per-data-dir facts that must not change once the storage is formatted."""

    cluster_id: str
    controller_port: int


def new_cluster_id() -> str:
    """Return a random Kafka cluster id: 16 random bytes, URL-safe base64 without padding.

    Same shape as ``kafka-storage random-uuid``; generated here to save a JVM start.
    Kafka refuses ids that start with "-" (they look like CLI flags).
    """
    while True:
        candidate = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not candidate.startswith("-"):
            return candidate


def load_or_create_state(data_dir: Path, port: int, requested_controller_port: int | None) -> ClusterState:
    """The state recorded in ``data_dir/launcher.json``, or a new one (recorded there) for a fresh data dir."""
    state_file = data_dir / "launcher.json"
    stored: dict[str, Any] = {}
    if state_file.is_file():
        try:
            stored = json.loads(state_file.read_text())
        except (OSError, ValueError) as exc:
            raise LauncherError(f"{state_file} is unreadable ({exc}); delete {data_dir} to reset") from exc
    cluster_id = str(stored.get("cluster_id") or new_cluster_id())
    controller_port = _choose_controller_port(data_dir, port, stored.get("controller_port"), requested_controller_port)
    state_file.write_text(json.dumps({"cluster_id": cluster_id, "controller_port": controller_port}, indent=2) + "\n")
    return ClusterState(cluster_id=cluster_id, controller_port=controller_port)


def _choose_controller_port(data_dir: Path, port: int, stored: object, requested: int | None) -> int:
    """The recorded port (a different request is refused), else the requested one, else ``port + 1`` if free."""
    if isinstance(stored, int):
        if requested not in (None, stored):
            raise LauncherError(
                f"{data_dir} was formatted with controller port {stored}; use that port or another data dir"
            )
        return stored
    if requested is not None:
        return requested
    neighbour = port + 1
    return neighbour if neighbour < 65536 and not port_in_use(neighbour) else free_port()


def format_storage(
    java: str, libs: Path, data_dir: Path, config_file: Path, cluster_id: str, *, standalone: bool
) -> None:
    """Format the KRaft log dir once; later starts reuse it.

    A cluster of one writes its own voter set (``standalone``); a quorum's voters are static in the config.
    """
    if (data_dir / "logs" / "meta.properties").is_file():
        return
    command = [
        java, "-cp", f"{libs}/*", STORAGE_TOOL_CLASS, "format", *(["--standalone"] if standalone else []),
        "-t", cluster_id, "-c", str(config_file),
    ]  # fmt: skip
    log.info("formatting Kafka storage in %s (cluster id %s)", data_dir / "logs", cluster_id)
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    if result.returncode != 0:
        output = "\n".join((result.stdout + result.stderr).splitlines()[-LOG_TAIL_LINES:])
        raise LauncherError(f"formatting Kafka storage in {data_dir} failed (exit {result.returncode}):\n{output}")
