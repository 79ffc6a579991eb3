"""Run a local single-node Apache Kafka broker (KRaft mode) without Docker.

:class:`KafkaLauncher` writes a combined broker+controller ``server.properties``
bound to 127.0.0.1 (:mod:`services.devtools.kafka_node`), formats the storage once,
starts ``java ... kafka.Kafka`` from the cached jars (:mod:`services.devtools.kafka_jars`)
detached from the caller (so a CLI can exit and leave the broker running), and only
reports success once an aiokafka producer has actually delivered a message. The nodes
of a cluster (:mod:`services.devtools.kafka_cluster`) are launchers too.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from services.common.settings import congress_home
from services.devtools.kafka_jars import KAFKA_VERSION, ensure_java, ensure_libs
from services.devtools.kafka_node import Quorum, produce_probe, render_server_properties, speaks_kafka
from services.devtools.kafka_storage import ClusterState, format_storage, load_or_create_state
from services.devtools.processes import (
    HOST,
    LauncherError,
    accepts_connections,
    pid_alive,
    port_in_use,
    process_cmdline,
    run_blocking,
    tail,
    terminate,
)

log = logging.getLogger(__name__)

DEFAULT_PORT = 9092

KAFKA_MAIN_CLASS = "kafka.Kafka"

JVM_HEAP = ("-Xms256m", "-Xmx1g")
CLUSTER_NODE_HEAP = ("-Xms128m", "-Xmx512m")
"""Three JVMs share a small machine: a modest heap each."""
JVM_OPTIONS = (
    "-XX:+UseG1GC",
    # The client compiler only (C1): a fresh broker's C2 compiler threads spent more CPU than its requests during
    # a first burst (bench/pipeline.py: 16 of a cluster's 30 ms per delegate), on a machine whose two cores the
    # services need; C1's code serves this load as well. Decision 64 in docs/ARCHITECTURE.md.
    "-XX:TieredStopAtLevel=1",
    "-Djava.awt.headless=true",
    # slf4j-simple is the binding shipped by infra/kafka/pom.xml; timestamps make
    # kafka.log readable when debugging a slow start.
    "-Dorg.slf4j.simpleLogger.showDateTime=true",
    "-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd HH:mm:ss,SSS",
)


def default_data_dir(port: int = DEFAULT_PORT) -> Path:
    """Return the default broker data directory for a given client port."""
    return congress_home() / f"kafka-data-{port}"


@dataclass(frozen=True)
class KafkaStatus:
    """What :meth:`KafkaLauncher.status` found."""

    running: bool
    pid: int | None
    bootstrap: str
    data_dir: Path


class KafkaLauncher:
    """Start, find, inspect and stop one local KRaft broker bound to 127.0.0.1.

    Everything lives in ``data_dir``: ``server.properties``, the Kafka log dirs,
    ``kafka.log`` (broker stdout/stderr), ``kafka.pid`` and ``launcher.json``
    (cluster id and controller port, fixed at format time).
    """

    def __init__(
        self,
        data_dir: Path | None = None,
        port: int = DEFAULT_PORT,
        controller_port: int | None = None,
        *,
        node_id: int = 1,
        quorum: Quorum | None = None,
    ) -> None:
        """Describe a broker; nothing is started until :meth:`start`.

        ``data_dir`` defaults to :func:`default_data_dir` for ``port``.
        ``controller_port`` defaults to the one recorded in ``data_dir``, else
        ``port + 1`` if free, else any free port. ``quorum`` makes this node
        ``node_id`` of a multi-node cluster (see :mod:`services.devtools.kafka_cluster`):
        its cluster id and controller port come from the quorum.
        """
        self.port = port
        self.node_id = node_id
        self.quorum = quorum
        self.data_dir = (data_dir if data_dir is not None else default_data_dir(port)).resolve()
        self._requested_controller_port = controller_port
        self._proc: subprocess.Popen[bytes] | None = None

    # ---- public API

    @property
    def bootstrap(self) -> str:
        """The ``host:port`` clients should use as bootstrap servers."""
        return f"{HOST}:{self.port}"

    @property
    def log_file(self) -> Path:
        """The broker's combined stdout/stderr."""
        return self.data_dir / "kafka.log"

    @property
    def pid_file(self) -> Path:
        """Holds the broker's pid while it runs."""
        return self.data_dir / "kafka.pid"

    @property
    def config_file(self) -> Path:
        """The generated ``server.properties``."""
        return self.data_dir / "server.properties"

    def start(self, timeout: float = 60.0) -> str:
        """Start the broker (or find a running one) and return its bootstrap address.

        Returns only once a producer has delivered a message, so callers can use
        the broker immediately.  Raises :class:`LauncherError` if the port is held
        by something that is not Kafka, if Java/jars are missing, or if the broker
        dies or is not ready within ``timeout`` seconds (with the end of kafka.log).
        """
        found = self._find_running(timeout)
        if found is not None:
            return found
        started = time.monotonic()
        self.spawn()
        try:
            self._wait_ready(started + timeout)
        except BaseException:
            self._abort_start()
            raise
        log.info(
            "Kafka %s ready at %s after %.1fs (pid %s, data in %s)",
            KAFKA_VERSION,
            self.bootstrap,
            time.monotonic() - started,
            self._proc_pid(),
            self.data_dir,
        )
        return self.bootstrap

    def spawn(self) -> None:
        """Prepare the data dir (config, storage formatted once) and start the JVM without waiting for it.

        :meth:`start` waits for this one broker; a cluster spawns every node first,
        since no node of a quorum can serve before a majority of them runs.
        """
        java = ensure_java()
        libs = ensure_libs(None)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        state = self._load_or_create_state()
        if port_in_use(state.controller_port):
            raise LauncherError(
                f"controller port {state.controller_port} on {HOST} is already in use; "
                f"free it or use another data dir / controller port"
            )
        self._write_config(state)
        format_storage(java, libs, self.data_dir, self.config_file, state.cluster_id, standalone=self.quorum is None)
        self._spawn(java, libs)

    def running_pid(self) -> int | None:
        """The pid of the broker started from this data dir, if it still runs."""
        return self._running_pid()

    async def start_async(self, timeout: float = 60.0) -> str:
        """:meth:`start` without blocking the running event loop."""
        return await asyncio.to_thread(self.start, timeout)

    def stop(self, timeout: float = 30.0) -> bool:
        """Stop the broker started from this data dir; return False if none was running.

        SIGTERM lets Kafka shut down cleanly (no log recovery on the next start);
        SIGKILL follows after ``timeout`` seconds.
        """
        pid = self._running_pid()
        if pid is None:
            log.info("no Kafka broker running from %s", self.data_dir)
            return False
        log.info("stopping Kafka broker pid %d", pid)
        terminate(pid, timeout, self._proc)
        self.pid_file.unlink(missing_ok=True)
        self._proc = None
        return True

    def status(self) -> KafkaStatus:
        """Report whether a broker answers on the port and which pid we started."""
        return KafkaStatus(
            running=speaks_kafka(self.port),
            pid=self._running_pid(),
            bootstrap=self.bootstrap,
            data_dir=self.data_dir,
        )

    # ---- finding an existing broker

    def _find_running(self, timeout: float) -> str | None:
        """Return the bootstrap of an already running broker on our port, if any."""
        pid = self._running_pid()
        if pid is not None:
            # Ours, maybe still starting up: wait for it rather than start a second one.
            log.info(
                "found running broker pid %d from %s; waiting until it is ready",
                pid,
                self.data_dir,
            )
            self._wait_ready(time.monotonic() + timeout, pid=pid)
            return self.bootstrap
        if not port_in_use(self.port):
            return None
        if speaks_kafka(self.port):
            log.info(
                "found running broker at %s (not started from %s)",
                self.bootstrap,
                self.data_dir,
            )
            return self.bootstrap
        raise LauncherError(
            f"port {self.port} on {HOST} is already in use by something that is not a Kafka "
            f"broker; stop it or choose another port with --port"
        )

    def _running_pid(self) -> int | None:
        """Return the pid from the pid file if that process is alive and is our broker."""
        try:
            pid = int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None
        if self._proc is not None and self._proc.pid == pid:
            # Our own child: its handle knows (the JVM may be mid-exec, with no command line to read yet).
            return pid if self._proc.poll() is None else None
        cmdline = process_cmdline(pid)
        # Guard against pid reuse: the process must be a Kafka JVM using our config.
        if pid_alive(pid) and KAFKA_MAIN_CLASS in cmdline and str(self.config_file) in cmdline:
            return pid
        log.debug("removing stale pid file %s (pid %d)", self.pid_file, pid)
        self.pid_file.unlink(missing_ok=True)
        return None

    # ---- preparing the data dir

    def _load_or_create_state(self) -> ClusterState:
        if self.quorum is not None:
            return ClusterState(self.quorum.cluster_id, self.quorum.controller_port(self.node_id))
        return load_or_create_state(self.data_dir, self.port, self._requested_controller_port)

    def _write_config(self, state: ClusterState) -> None:
        self.config_file.write_text(
            render_server_properties(
                self.port, state.controller_port, self.data_dir / "logs", node_id=self.node_id, quorum=self.quorum
            )
        )

    # ---- running

    def _spawn(self, java: str, libs: Path) -> None:
        command = [
            java,
            *(JVM_HEAP if self.quorum is None else CLUSTER_NODE_HEAP),
            *JVM_OPTIONS,
            "-cp",
            f"{libs}/*",
            KAFKA_MAIN_CLASS,
            str(self.config_file),
        ]
        with self.log_file.open("ab") as log_handle:
            # Own session: the broker survives the launching CLI and its Ctrl-C.
            self._proc = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log_handle,
                stderr=subprocess.STDOUT,
                cwd=self.data_dir,
                start_new_session=True,
            )
        self.pid_file.write_text(f"{self._proc.pid}\n")
        log.info(
            "started Kafka broker pid %d on %s, logging to %s",
            self._proc.pid,
            self.bootstrap,
            self.log_file,
        )

    def _proc_pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def _wait_ready(self, deadline: float, pid: int | None = None) -> None:
        """Poll until a producer can deliver to the broker; fail fast if it dies."""
        watched = pid if pid is not None else self._proc_pid()
        last_error = "no attempt yet"
        while True:
            if watched is not None and not self._alive(watched):
                raise LauncherError(
                    f"Kafka broker (pid {watched}) exited during startup; last lines of {self.log_file}:\n"
                    f"{tail(self.log_file)}"
                )
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise LauncherError(
                    f"Kafka broker on {self.bootstrap} was not ready in time ({last_error}); "
                    f"last lines of {self.log_file}:\n{tail(self.log_file)}"
                )
            if accepts_connections(self.port):
                try:
                    probe_timeout = min(10.0, max(remaining, 1.0))
                    run_blocking(functools.partial(produce_probe, self.bootstrap, probe_timeout))
                    return
                except Exception as exc:  # noqa: BLE001 - any failure just means "not ready yet"
                    last_error = f"{type(exc).__name__}: {exc}"
                    log.debug("broker not ready yet: %s", last_error)
            time.sleep(0.25)

    def _alive(self, pid: int) -> bool:
        if self._proc is not None and self._proc.pid == pid:
            return self._proc.poll() is None
        return pid_alive(pid)

    def _abort_start(self) -> None:
        """Kill a broker that failed to become ready so it does not linger."""
        if self._proc is not None and self._proc.poll() is None:
            terminate(self._proc.pid, 10.0, self._proc)
        self.pid_file.unlink(missing_ok=True)
        self._proc = None
