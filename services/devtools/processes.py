"""Starting, finding and stopping local processes for the dev tools: ports, pids, log tails, errors.

Shared by every launcher in :mod:`services.devtools` (Kafka, PostgreSQL, stripe-mock). Everything binds
to 127.0.0.1: the parts run for one developer, a test run or the demo, never for the network.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")

HOST = "127.0.0.1"
LOG_TAIL_LINES = 30


class LauncherError(RuntimeError):
    """A local service could not be prepared, started or stopped.

    The message always says what went wrong and, where possible, how to fix it.
    """


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


class StartsAndStops:
    """``with launcher:`` starts it and stops it again, for any launcher with ``start()`` and ``stop()``."""

    def start(self) -> object:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()
