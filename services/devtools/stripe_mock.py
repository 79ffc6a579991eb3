"""Run Stripe's ``stripe-mock`` server locally so payment code can be exercised offline.

``stripe-mock`` is a Go program (``go install github.com/stripe/stripe-mock@v0.203.0``,
which ``make``/``scripts/bootstrap.sh`` do) that answers the Stripe REST API from
its bundled OpenAPI spec and fixtures.  :class:`StripeMock` starts it bound to
127.0.0.1 only, on a free HTTP port, with its HTTPS listener also confined to a
kernel-chosen loopback port (it cannot be switched off when an HTTP address is
given, and its default is to listen on every interface), waits until it answers
an authenticated request and returns the base URL to give to the ``stripe``
library (``stripe.api_base = url``).
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from services.devtools.processes import HOST, LauncherError, StartsAndStops, port_in_use, tail, terminate

log = logging.getLogger(__name__)

STRIPE_MOCK_VERSION = "v0.203.0"
INSTALL_HINT = f"install it with `go install github.com/stripe/stripe-mock@{STRIPE_MOCK_VERSION}` (which `make` does)"
# stripe-mock accepts any key that looks like a test-mode secret key.
TEST_API_KEY = "sk_test_123"
_LISTENING = re.compile(r"Listening for HTTP at address: (?P<host>[^\s]+):(?P<port>\d+)")


def find_stripe_mock() -> str:
    """Return the ``stripe-mock`` executable from PATH or ``$(go env GOPATH)/bin``."""
    on_path = shutil.which("stripe-mock")
    if on_path is not None:
        return on_path
    for bin_dir in _go_bin_dirs():
        candidate = bin_dir / "stripe-mock"
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    raise LauncherError(f"`stripe-mock` was not found on PATH or in the Go bin directory; {INSTALL_HINT}")


def _go_bin_dirs() -> list[Path]:
    """Where ``go install`` puts binaries: $GOBIN, each $GOPATH entry's bin, ~/go/bin."""
    dirs: list[Path] = []
    if gobin := os.environ.get("GOBIN"):
        dirs.append(Path(gobin))
    gopath = os.environ.get("GOPATH") or _go_env_gopath()
    if gopath:
        dirs.extend(Path(entry) / "bin" for entry in gopath.split(os.pathsep) if entry)
    dirs.append(Path.home() / "go" / "bin")
    return dirs


def _go_env_gopath() -> str:
    go = shutil.which("go")
    if go is None:
        return ""
    try:
        result = subprocess.run(
            [go, "env", "GOPATH"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return result.stdout.strip()


class StripeMock(StartsAndStops):
    """One ``stripe-mock`` process; usable as a context manager."""

    def __init__(self, port: int | None = None, executable: str | None = None) -> None:
        """Describe the server; with ``port=None`` the kernel picks a free port at start."""
        self._requested_port = port
        self._executable = executable
        self._proc: subprocess.Popen[bytes] | None = None
        self._log_dir: Path | None = None
        self.port: int | None = None

    @property
    def url(self) -> str:
        """Base URL for ``stripe.api_base``, e.g. ``http://127.0.0.1:12111``."""
        if self.port is None:
            raise LauncherError("stripe-mock has not been started; call start() first")
        return f"http://{HOST}:{self.port}"

    @property
    def running(self) -> bool:
        """True while the process started by :meth:`start` is alive."""
        return self._proc is not None and self._proc.poll() is None

    def start(self, timeout: float = 30.0) -> str:
        """Start ``stripe-mock`` and return :attr:`url` once it answers requests.

        Raises :class:`LauncherError` if the binary is missing, the requested port
        is taken, or it exits or stays silent for ``timeout`` seconds.
        """
        if self.running:
            return self.url
        executable = self._executable or find_stripe_mock()
        if self._requested_port is not None and port_in_use(self._requested_port):
            raise LauncherError(f"port {self._requested_port} on {HOST} is already in use; choose another with --port")
        http_port = "" if self._requested_port is None else str(self._requested_port)
        self._log_dir = Path(tempfile.mkdtemp(prefix="congress-stripe-mock-"))
        # An empty port after the colon lets the kernel choose, which avoids the race
        # of probing for a free port first; the chosen port is read back from the log.
        command = [
            executable,
            "-http-addr",
            f"{HOST}:{http_port}",
            "-https-addr",
            f"{HOST}:",
        ]
        with self._log_file.open("wb") as log_handle:
            self._proc = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log_handle,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # a Ctrl-C aimed at the caller does not kill it mid-test
            )
        try:
            self._wait_ready(time.monotonic() + timeout)
        except BaseException:
            self.stop()
            raise
        log.info("stripe-mock ready at %s (pid %d)", self.url, self._proc.pid)
        return self.url

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the process and remove its log; safe to call repeatedly."""
        if self._proc is not None:
            if self._proc.poll() is None:
                terminate(self._proc.pid, timeout, self._proc)
            self._proc = None
        if self._log_dir is not None:
            shutil.rmtree(self._log_dir, ignore_errors=True)
            self._log_dir = None
        self.port = None

    # ---- internals

    @property
    def _log_file(self) -> Path:
        if self._log_dir is None:
            raise LauncherError("stripe-mock has not been started; call start() first")
        return self._log_dir / "stripe-mock.log"

    def _wait_ready(self, deadline: float) -> None:
        while True:
            if not self.running:
                raise LauncherError(f"stripe-mock exited during startup:\n{tail(self._log_file)}")
            if self.port is None:
                self.port = self._announced_port()
            if self.port is not None and self._answers():
                return
            if time.monotonic() >= deadline:
                raise LauncherError(f"stripe-mock did not answer in time:\n{tail(self._log_file)}")
            time.sleep(0.1)

    def _announced_port(self) -> int | None:
        try:
            match = _LISTENING.search(self._log_file.read_text(errors="replace"))
        except OSError:
            return None
        return int(match.group("port")) if match else None

    def _answers(self) -> bool:
        """True once an authenticated list request gets an HTTP 200."""
        # self.url is always the http://127.0.0.1:<port> this class built itself, never user input.
        request = urllib.request.Request(  # noqa: S310 -- our own http://127.0.0.1 URL
            f"{self.url}/v1/customers?limit=1",
            headers={"Authorization": f"Bearer {TEST_API_KEY}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=2) as response:  # noqa: S310 -- our own http://127.0.0.1 URL
                return bool(response.status == 200)
        except (urllib.error.URLError, OSError):
            return False
