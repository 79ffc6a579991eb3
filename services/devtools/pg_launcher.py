"""Start a throwaway PostgreSQL server from Debian's packages, for tests and demos.

:class:`PostgresLauncher` runs ``initdb`` into a fresh temporary directory, starts
the server with ``pg_ctl`` on a free port bound to 127.0.0.1 only (Unix socket in
the same temporary directory, ``fsync=off`` because the data is disposable),
creates the ``congress`` database and hands back a SQLAlchemy asyncpg URL.
``stop()`` shuts the server down and deletes everything.

PostgreSQL refuses to run as root, so when this process is root every server
command runs as the ``postgres`` system user (created by the Debian package) via
``runuser``, and the temporary directory is handed to that user.
"""

from __future__ import annotations

import logging
import os
import pwd
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from services.devtools.processes import (
    HOST,
    LOG_TAIL_LINES,
    LauncherError,
    StartsAndStops,
    free_port,
    pid_alive,
    port_in_use,
    tail,
    terminate,
)

log = logging.getLogger(__name__)

DATABASE = "congress"
SUPERUSER = "postgres"
SYSTEM_USER = "postgres"
POSTGRES_LIB_DIR = Path("/usr/lib/postgresql")
INSTALL_HINT = "install the server with `apt-get install postgresql`"


def find_bin_dir(root: Path = POSTGRES_LIB_DIR) -> Path:
    """Return the newest ``/usr/lib/postgresql/<version>/bin`` that has ``initdb``.

    Debian keeps server binaries off PATH, one directory per major version, so the
    version is discovered instead of hard-coding 15.
    """
    candidates = [path.parent for path in root.glob("*/bin/initdb") if path.is_file()]
    if not candidates:
        on_path = shutil.which("initdb")
        if on_path is not None:
            return Path(on_path).parent
        raise LauncherError(
            f"PostgreSQL server binaries (initdb, pg_ctl) were not found in {root}/*/bin; {INSTALL_HINT}"
        )
    return max(candidates, key=lambda bin_dir: _version_key(bin_dir.parent.name))


def _version_key(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", name)) or (0,)


class PostgresLauncher(StartsAndStops):
    """One disposable PostgreSQL server; usable as a context manager."""

    def __init__(self, port: int | None = None, bin_dir: Path | None = None, *, keep_in: Path | None = None) -> None:
        """Describe the server; ``port`` defaults to a free one, chosen at :meth:`start`.

        ``keep_in``: a directory whose data outlives the server (``congress up --replicas``): a later
        :meth:`start` finds the databases again, and :meth:`stop` leaves them.
        """
        self._requested_port = port
        self._bin_dir = bin_dir
        self._keep_in = keep_in
        self.port: int | None = None
        self.base_dir: Path | None = None

    # ---- public API

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the ``congress`` database (``postgresql+asyncpg://...``)."""
        return f"postgresql+asyncpg://{SUPERUSER}@{HOST}:{self._require_port()}/{DATABASE}"

    @property
    def dsn(self) -> str:
        """libpq/asyncpg DSN of the ``congress`` database (``postgresql://...``)."""
        return f"postgresql://{SUPERUSER}@{HOST}:{self._require_port()}/{DATABASE}"

    @property
    def running(self) -> bool:
        """True while the server started by :meth:`start` is alive."""
        pid = self._postmaster_pid()
        return pid is not None and pid_alive(pid)

    @property
    def pid(self) -> int | None:
        """The postmaster's pid while the server runs (its backends are its children)."""
        pid = self._postmaster_pid()
        return pid if pid is not None and pid_alive(pid) else None

    def start(self, timeout: float = 60.0) -> str:
        """Create, start and populate the server; return :attr:`url`.

        Raises :class:`LauncherError` if the binaries are missing, the port is
        taken, or the server does not come up (with the end of its log).
        """
        if self.base_dir is not None:
            return self.url
        bin_dir = self._bin_dir or find_bin_dir()
        port = self._choose_port()
        if self._keep_in is not None:
            self._keep_in.mkdir(parents=True, exist_ok=True)
        self.base_dir = self._keep_in or Path(tempfile.mkdtemp(prefix="congress-pg-"))
        self.port = port
        fresh = not (self._data_dir / "PG_VERSION").is_file()
        try:
            self._prepare_dir()
            if fresh:
                self._initdb(bin_dir)
            self._pg_ctl_start(bin_dir, timeout)
            if fresh:
                self._create_database(bin_dir)
        except BaseException:
            self.stop()
            raise
        log.info("PostgreSQL ready at %s (data in %s)", self.url, self.base_dir)
        return self.url

    def stop(self, timeout: float = 30.0) -> None:
        """Stop the server (fast shutdown) and delete its directory; safe to repeat."""
        base_dir = self.base_dir
        if base_dir is None:
            return
        bin_dir = self._bin_dir or find_bin_dir()
        if (self._data_dir / "postmaster.pid").is_file():
            self._stop_server(bin_dir, timeout)
        if self._keep_in is None:
            shutil.rmtree(base_dir, ignore_errors=True)
        self.base_dir = None
        self.port = None

    def ensure_database(self, name: str) -> str:
        """Create the database ``name`` unless it exists; return its SQLAlchemy asyncpg URL."""
        command = self._command(
            self._bin_dir or find_bin_dir(),
            "createdb",
            "-h",
            HOST,
            "-p",
            str(self._require_port()),
            "-U",
            SUPERUSER,
            name,
        )
        try:
            self._run(command, f"createdb {name}", timeout=60)
        except LauncherError as exc:
            if "already exists" not in str(exc):
                raise
        return f"postgresql+asyncpg://{SUPERUSER}@{HOST}:{self._require_port()}/{name}"

    # ---- layout

    @property
    def _data_dir(self) -> Path:
        return self._require_base() / "data"

    @property
    def _socket_dir(self) -> Path:
        return self._require_base() / "sock"

    @property
    def _log_file(self) -> Path:
        return self._require_base() / "postgres.log"

    def _require_base(self) -> Path:
        if self.base_dir is None:
            raise LauncherError("PostgreSQL has not been started; call start() first")
        return self.base_dir

    def _require_port(self) -> int:
        if self.port is None:
            raise LauncherError("PostgreSQL has not been started; call start() first")
        return self.port

    def _choose_port(self) -> int:
        if self._requested_port is None:
            return free_port()
        if port_in_use(self._requested_port):
            raise LauncherError(f"port {self._requested_port} on {HOST} is already in use; choose another with --port")
        return self._requested_port

    def _prepare_dir(self) -> None:
        self._socket_dir.mkdir(exist_ok=True)
        if os.geteuid() != 0:
            return
        try:
            account = pwd.getpwnam(SYSTEM_USER)
        except KeyError as exc:
            raise LauncherError(
                f"running as root needs the `{SYSTEM_USER}` system user to run PostgreSQL; {INSTALL_HINT}"
            ) from exc
        # initdb must own (and be able to create) the data directory.
        for path in (self._require_base(), self._socket_dir):
            os.chown(path, account.pw_uid, account.pw_gid)

    # ---- commands

    def _command(self, bin_dir: Path, tool: str, *args: str) -> list[str]:
        """Build a command line, wrapped in ``runuser`` when we are root."""
        command = [str(bin_dir / tool), *args]
        if os.geteuid() == 0:
            runuser = shutil.which("runuser")
            if runuser is None:
                raise LauncherError("`runuser` (util-linux) is needed to run PostgreSQL as root")
            command = [runuser, "-u", SYSTEM_USER, "--", *command]
        return command

    def _run(self, command: list[str], what: str, timeout: float) -> None:
        try:
            result = subprocess.run(
                command,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
                cwd=self._require_base(),  # a cwd the postgres user can enter
            )
        except subprocess.TimeoutExpired as exc:
            raise LauncherError(f"{what} did not finish within {timeout:.0f}s") from exc
        if result.returncode != 0:
            output = "\n".join((result.stdout + result.stderr).splitlines()[-LOG_TAIL_LINES:])
            raise LauncherError(f"{what} failed (exit {result.returncode}):\n{output}")

    def _initdb(self, bin_dir: Path) -> None:
        command = self._command(
            bin_dir,
            "initdb",
            "-D", str(self._data_dir),
            "-U", SUPERUSER,
            "-E", "UTF8",
            "--locale=C",  # always present, unlike en_US.UTF-8 on minimal images
            "--auth-local=trust",
            "--auth-host=trust",  # password-less 127.0.0.1 connections for tests
            "--no-sync",  # the data is thrown away; skip the slow fsyncs
        )  # fmt: skip
        self._run(command, "initdb", timeout=120)

    def _pg_ctl_start(self, bin_dir: Path, timeout: float) -> None:
        server_options = f"-p {self._require_port()} -k {self._socket_dir} -c listen_addresses={HOST} -c fsync=off"
        command = self._command(
            bin_dir,
            "pg_ctl",
            "-D", str(self._data_dir),
            "-l", str(self._log_file),
            "-o", server_options,
            "-w", "-t", str(int(timeout)),
            "start",
        )  # fmt: skip
        try:
            self._run(command, "pg_ctl start", timeout=timeout + 10)
        except LauncherError as exc:
            raise LauncherError(f"{exc}\nlast lines of {self._log_file}:\n{tail(self._log_file)}") from exc

    def _create_database(self, bin_dir: Path) -> None:
        command = self._command(
            bin_dir,
            "createdb",
            "-h",
            HOST,
            "-p",
            str(self._require_port()),
            "-U",
            SUPERUSER,
            DATABASE,
        )
        self._run(command, f"createdb {DATABASE}", timeout=60)

    def _stop_server(self, bin_dir: Path, timeout: float) -> None:
        command = self._command(
            bin_dir,
            "pg_ctl",
            "-D",
            str(self._data_dir),
            "-m",
            "fast",
            "-w",
            "-t",
            str(int(timeout)),
            "stop",
        )
        try:
            self._run(command, "pg_ctl stop", timeout=timeout + 10)
        except LauncherError as exc:
            # Fall back to signals so a broken shutdown never leaks a server.
            log.warning("%s; killing the postmaster", exc)
            pid = self._postmaster_pid()
            if pid is not None and pid_alive(pid):
                terminate(pid, 10.0)

    def _postmaster_pid(self) -> int | None:
        if self.base_dir is None:
            return None
        try:
            first_line = (self._data_dir / "postmaster.pid").read_text().splitlines()[0]
            return int(first_line)
        except (OSError, IndexError, ValueError):
            return None
