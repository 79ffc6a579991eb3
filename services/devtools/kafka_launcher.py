"""Run a local single-node Apache Kafka broker (KRaft mode) without Docker.

The broker's jars come from Maven Central through ``infra/kafka/pom.xml`` and are
cached outside git in ``${CONGRESS_HOME:-~/.cache/congress}/kafka-4.3.0/libs``.
:class:`KafkaLauncher` writes a combined broker+controller ``server.properties``
bound to 127.0.0.1, formats the storage once, starts ``java ... kafka.Kafka``
detached from the caller (so a CLI can exit and leave the broker running), and
only reports success once an aiokafka producer has actually delivered a message.

The module also holds the small helpers shared by the other local launchers
(:mod:`services.devtools.pg_launcher`, :mod:`services.devtools.stripe_mock`):
:class:`LauncherError`, :func:`free_port`, :func:`port_in_use`, :func:`tail`.

``python -m services.devtools.kafka_launcher --ensure-jars`` fills the jar cache
(used by ``scripts/bootstrap.sh``) and prints the libs directory.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import concurrent.futures
import contextlib
import functools
import json
import logging
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from services.devtools.kafka_node import HOST as HOST  # re-exported: the other launchers bind here too
from services.devtools.kafka_node import Quorum, produce_probe, render_server_properties

log = logging.getLogger(__name__)

T = TypeVar("T")

KAFKA_VERSION = "4.3.0"
SCALA_BINARY_VERSION = "2.13"
MIN_JAVA_MAJOR = 17
DEFAULT_PORT = 9092

REPO_ROOT = Path(__file__).resolve().parents[2]
POM_PATH = REPO_ROOT / "infra" / "kafka" / "pom.xml"

# Class names verified against the kafka_2.13-4.3.0 jar contents: the storage tool
# is still the Scala object in the core jar, not org.apache.kafka.tools.
KAFKA_MAIN_CLASS = "kafka.Kafka"
STORAGE_TOOL_CLASS = "kafka.tools.StorageTool"

LOG_TAIL_LINES = 30
JVM_HEAP = ("-Xms256m", "-Xmx1g")
CLUSTER_NODE_HEAP = ("-Xms128m", "-Xmx512m")
"""Three JVMs share a small machine: a modest heap each."""
JVM_OPTIONS = (
    "-XX:+UseG1GC",
    "-Djava.awt.headless=true",
    # slf4j-simple is the binding shipped by infra/kafka/pom.xml; timestamps make
    # kafka.log readable when debugging a slow start.
    "-Dorg.slf4j.simpleLogger.showDateTime=true",
    "-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd HH:mm:ss,SSS",
)

JAVA_INSTALL_HINT = "install a Java 17+ runtime, e.g. `apt-get install openjdk-17-jre-headless`"
MAVEN_INSTALL_HINT = "install Maven, e.g. `apt-get install maven`"

ProgressCallback = Callable[[str], None]


class LauncherError(RuntimeError):
    """A local service could not be prepared, started or stopped.

    The message always says what went wrong and, where possible, how to fix it.
    """


# --------------------------------------------------------------------------- paths


def congress_home() -> Path:
    """Return ``$CONGRESS_HOME`` or ``~/.cache/congress``: the cache root outside git."""
    env = os.environ.get("CONGRESS_HOME")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "congress"


def kafka_libs_dir() -> Path:
    """Return the directory the Maven project copies the Kafka runtime jars into."""
    return congress_home() / f"kafka-{KAFKA_VERSION}" / "libs"


def default_data_dir(port: int = DEFAULT_PORT) -> Path:
    """Return the default broker data directory for a given client port."""
    return congress_home() / f"kafka-data-{port}"


def _kafka_jar(libs: Path) -> Path:
    return libs / f"kafka_{SCALA_BINARY_VERSION}-{KAFKA_VERSION}.jar"


# --------------------------------------------------------------------------- ports and processes


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that was free a moment ago (bind to port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def port_in_use(port: int, host: str = HOST) -> bool:
    """Return True if ``host:port`` cannot be bound, i.e. something already holds it.

    SO_REUSEADDR mirrors what the JVM and PostgreSQL do, so sockets lingering in
    TIME_WAIT after a previous run do not count as "in use".
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return True
        return False


def accepts_connections(port: int, host: str = HOST, timeout: float = 1.0) -> bool:
    """Return True if a TCP connection to ``host:port`` succeeds."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def speaks_kafka(port: int, host: str = HOST, timeout: float = 2.0) -> bool:
    """Return True if ``host:port`` answers a Kafka ApiVersions request.

    A raw v0 request is used (rather than a client library) because it is cheap,
    synchronous and cannot hang on metadata retries; every Kafka broker answers
    ApiVersions, even with UNSUPPORTED_VERSION, using the caller's correlation id.
    """
    correlation_id = 0x5C0_4E55
    client_id = b"congress-launcher"
    # Request header v1: api_key=18 (ApiVersions), api_version=0, correlation id, client id.
    payload = struct.pack(">hhih", 18, 0, correlation_id, len(client_id)) + client_id
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.settimeout(timeout)
            sock.sendall(struct.pack(">i", len(payload)) + payload)
            header = _recv_exactly(sock, 8)
    except OSError:
        return False
    if header is None:
        return False
    size, answered_id = struct.unpack(">ii", header)
    return bool(size >= 6 and answered_id == correlation_id)


def _recv_exactly(sock: socket.socket, count: int) -> bytes | None:
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def pid_alive(pid: int) -> bool:
    """Return True if process ``pid`` exists and is not a zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    # A zombie still answers kill(0); /proc tells us it has actually exited.
    with contextlib.suppress(OSError):
        stat = Path(f"/proc/{pid}/stat").read_text()
        state = stat.rsplit(")", 1)[1].split()[0]
        return state not in {"Z", "X"}
    return True


def process_cmdline(pid: int) -> list[str]:
    """Return the command line of ``pid`` (empty if unknown or gone)."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    """Return the last ``lines`` lines of a text file, or a note if it is unreadable."""
    try:
        content = path.read_text(errors="replace").splitlines()
    except OSError as exc:
        return f"(could not read {path}: {exc})"
    return "\n".join(content[-lines:])


def terminate(pid: int, timeout: float, proc: subprocess.Popen[bytes] | None = None) -> None:
    """SIGTERM ``pid``, wait up to ``timeout`` seconds, then SIGKILL it.

    ``proc`` is the Popen handle when this process is the parent: it must be
    reaped with ``wait()``, otherwise the zombie would look alive forever.
    """
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    if _wait_for_exit(pid, timeout, proc):
        return
    log.warning("pid %d did not exit %.0fs after SIGTERM; sending SIGKILL", pid, timeout)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    if not _wait_for_exit(pid, 10.0, proc):
        raise LauncherError(f"process {pid} survived SIGKILL; check it with `ps -p {pid}`")


def _wait_for_exit(pid: int, timeout: float, proc: subprocess.Popen[bytes] | None) -> bool:
    if proc is not None and proc.pid == pid:
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return False
        return True
    deadline = time.monotonic() + timeout
    while pid_alive(pid):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)
    return True


def find_executable(name: str, hint: str) -> str:
    """Return the path of ``name`` on PATH or raise :class:`LauncherError` with ``hint``."""
    path = shutil.which(name)
    if path is None:
        raise LauncherError(f"`{name}` was not found on PATH; {hint}")
    return path


def run_blocking(factory: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine to completion from synchronous code.

    Works whether or not the caller is already inside an event loop (pytest-asyncio
    tests, an async CLI): in that case the coroutine runs on a fresh loop in a
    worker thread, because ``asyncio.run`` refuses to nest.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(factory())
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(factory())).result()


# --------------------------------------------------------------------------- jars


def java_major_version(java: str) -> int:
    """Return the major version of the ``java`` executable (8 for "1.8.0", 17 for "17.0.15")."""
    try:
        result = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise LauncherError(f"could not run `{java} -version`: {exc}") from exc
    output = result.stderr + result.stdout
    match = re.search(r'version "(\d+)(?:\.(\d+))?', output)
    if match is None:
        raise LauncherError(f"could not parse the Java version from `{java} -version`: {output!r}")
    major = int(match.group(1))
    if major == 1 and match.group(2) is not None:
        major = int(match.group(2))
    return major


def ensure_java() -> str:
    """Return the ``java`` executable after checking it is at least Java 17."""
    java = find_executable("java", JAVA_INSTALL_HINT)
    major = java_major_version(java)
    if major < MIN_JAVA_MAJOR:
        raise LauncherError(
            f"Kafka {KAFKA_VERSION} needs Java {MIN_JAVA_MAJOR}+, but `{java}` is Java {major}; {JAVA_INSTALL_HINT}"
        )
    return java


def ensure_jars(progress: ProgressCallback | None = None) -> Path:
    """Make sure the Kafka runtime jars are cached and return their directory.

    Checks that Java 17+ is installed, and when the cache has no broker jar runs
    Maven on ``infra/kafka/pom.xml`` (which needs ``mvn``; the first run downloads
    about 45 MB from Maven Central).  ``progress`` receives human-readable steps.
    """
    ensure_java()
    return _ensure_libs(progress)


def _ensure_libs(progress: ProgressCallback | None) -> Path:
    """Fill the jar cache with Maven unless it already holds the broker jar."""
    report: ProgressCallback = progress if progress is not None else log.info
    libs = kafka_libs_dir()
    if _kafka_jar(libs).is_file():
        log.debug("Kafka jars already cached in %s", libs)
        return libs
    mvn = find_executable("mvn", MAVEN_INSTALL_HINT)
    if not POM_PATH.is_file():
        raise LauncherError(f"{POM_PATH} is missing; run from a complete checkout of the repository")
    report(f"Resolving Kafka {KAFKA_VERSION} jars with Maven into {libs} (first run downloads ~45 MB)")
    _run_maven(mvn, libs)
    if not _kafka_jar(libs).is_file():
        raise LauncherError(
            f"Maven finished but {_kafka_jar(libs).name} is not in {libs}; try `mvn -B -f {POM_PATH} package` by hand"
        )
    report(f"Kafka jars ready in {libs}")
    return libs


def _run_maven(mvn: str, libs: Path) -> None:
    # CONGRESS_HOME is passed explicitly so the pom and this module agree on the
    # cache location even when the variable is unset here.
    env = {**os.environ, "CONGRESS_HOME": str(congress_home())}
    command = [mvn, "-B", "-q", "-Dstyle.color=never", "-f", str(POM_PATH), "package"]
    try:
        result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=1800, check=False)
    except subprocess.TimeoutExpired as exc:
        raise LauncherError(f"`{' '.join(command)}` did not finish within 30 minutes") from exc
    if result.returncode != 0:
        output = "\n".join((result.stdout + result.stderr).splitlines()[-LOG_TAIL_LINES:])
        raise LauncherError(
            f"Maven could not fetch the Kafka jars into {libs} (exit {result.returncode}); "
            f"is Maven Central reachable?\n{output}"
        )


# --------------------------------------------------------------------------- broker


@dataclass(frozen=True)
class KafkaStatus:
    """What :meth:`KafkaLauncher.status` found."""

    running: bool
    pid: int | None
    bootstrap: str
    data_dir: Path


@dataclass(frozen=True)
class _ClusterState:
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
        libs = _ensure_libs(None)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        state = self._load_or_create_state()
        if port_in_use(state.controller_port):
            raise LauncherError(
                f"controller port {state.controller_port} on {HOST} is already in use; "
                f"free it or use another data dir / controller port"
            )
        self._write_config(state)
        self._format_storage(java, libs, state)
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

    def _load_or_create_state(self) -> _ClusterState:
        if self.quorum is not None:
            return _ClusterState(self.quorum.cluster_id, self.quorum.controller_port(self.node_id))
        state_file = self.data_dir / "launcher.json"
        stored: dict[str, Any] = {}
        if state_file.is_file():
            try:
                stored = json.loads(state_file.read_text())
            except (OSError, ValueError) as exc:
                raise LauncherError(f"{state_file} is unreadable ({exc}); delete {self.data_dir} to reset") from exc
        cluster_id = str(stored.get("cluster_id") or new_cluster_id())
        controller_port = self._choose_controller_port(stored.get("controller_port"))
        state = _ClusterState(cluster_id=cluster_id, controller_port=controller_port)
        state_file.write_text(
            json.dumps({"cluster_id": cluster_id, "controller_port": controller_port}, indent=2) + "\n"
        )
        return state

    def _choose_controller_port(self, stored: object) -> int:
        # The formatted metadata records the controller endpoint (--standalone), so
        # a data dir keeps the controller port it was formatted with.
        if isinstance(stored, int):
            if self._requested_controller_port not in (None, stored):
                raise LauncherError(
                    f"{self.data_dir} was formatted with controller port {stored}; use that port or another data dir"
                )
            return stored
        if self._requested_controller_port is not None:
            return self._requested_controller_port
        neighbour = self.port + 1
        return neighbour if neighbour < 65536 and not port_in_use(neighbour) else free_port()

    def _write_config(self, state: _ClusterState) -> None:
        self.config_file.write_text(
            render_server_properties(
                self.port, state.controller_port, self.data_dir / "logs", node_id=self.node_id, quorum=self.quorum
            )
        )

    def _format_storage(self, java: str, libs: Path, state: _ClusterState) -> None:
        """Format the KRaft log dir once; later starts reuse it."""
        if (self.data_dir / "logs" / "meta.properties").is_file():
            return
        # A cluster of one writes its own voter set; a quorum's voters are static in the config.
        standalone = ["--standalone"] if self.quorum is None else []
        command = [
            java, "-cp", f"{libs}/*", STORAGE_TOOL_CLASS, "format", *standalone,
            "-t", state.cluster_id, "-c", str(self.config_file),
        ]  # fmt: skip
        log.info(
            "formatting Kafka storage in %s (cluster id %s)",
            self.data_dir / "logs",
            state.cluster_id,
        )
        result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        if result.returncode != 0:
            output = "\n".join((result.stdout + result.stderr).splitlines()[-LOG_TAIL_LINES:])
            raise LauncherError(
                f"formatting Kafka storage in {self.data_dir} failed (exit {result.returncode}):\n{output}"
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


# --------------------------------------------------------------------------- command line


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m services.devtools.kafka_launcher``."""
    parser = argparse.ArgumentParser(
        prog="python -m services.devtools.kafka_launcher",
        description="Prepare the local Kafka broker used for development.",
    )
    parser.add_argument(
        "--ensure-jars",
        action="store_true",
        help="fetch the Kafka jars into the cache and print their directory",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    if not args.ensure_jars:
        parser.print_usage(sys.stderr)
        return 2
    try:
        libs = ensure_jars()
    except LauncherError as exc:
        log.error("error: %s", exc)
        return 1
    sys.stdout.write(f"{libs}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
