"""Real parts for the integration and e2e tiers, started once per test session.

Kafka: ``KAFKA_BOOTSTRAP_SERVERS`` if set; testcontainers' Kafka where a Docker
engine answers; otherwise the project's own launcher (Apache Kafka jars from Maven
Central, KRaft, a free port). PostgreSQL: ``TEST_POSTGRES_URL`` if set;
testcontainers where Docker answers; otherwise Debian's PostgreSQL on a free port
with a temporary data directory. stripe-mock: the real binary on a free port.
Nothing here is faked, and nothing is skipped: a missing part fails loudly.
"""

from __future__ import annotations

import asyncio
import faulthandler
import os
import sys
import uuid
from collections.abc import AsyncIterator, Callable, Generator, Iterator
from pathlib import Path

import asyncpg
import pytest

from services.devtools.kafka_cluster import KafkaCluster, free_port_block
from services.devtools.kafka_launcher import KafkaLauncher
from services.devtools.processes import free_port

# A copy of the terminal's stderr, taken before pytest captures it, for the watchdog below.
_STDERR_FD: int | None = None


def pytest_configure(config: pytest.Config) -> None:
    global _STDERR_FD
    _STDERR_FD = os.dup(sys.__stderr__.fileno()) if sys.__stderr__ is not None else None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None]:
    """A last resort behind pytest-timeout: a test still running a minute after its timeout is a hang
    that the timeout's signal could not break (a thread holding the GIL, a teardown after the timeout).
    faulthandler's own thread then prints every thread's stack and ends the run, so CI fails in minutes
    with the place of the hang instead of running until its own limit."""
    marker = item.get_closest_marker("timeout")
    limit = float(marker.args[0]) if marker and marker.args else float(item.config.getini("timeout") or 300)
    if _STDERR_FD is not None:
        faulthandler.dump_traceback_later(limit + 60, exit=True, file=_STDERR_FD)
    try:
        yield
    finally:
        if _STDERR_FD is not None:
            faulthandler.cancel_dump_traceback_later()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None]:
    """An async test stopped by pytest-timeout shows where every asyncio task of the shared loop waits: the
    timeout's own dump has the threads only, and the main one is always in the loop's ``select``."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if call.when != "call" or not report.failed or "Timeout" not in str(call.excinfo.value if call.excinfo else ""):
        return
    try:
        runner = item._request.getfixturevalue("_session_scoped_runner")  # type: ignore[attr-defined]
        tasks = asyncio.all_tasks(runner.get_loop())
    except Exception as exc:  # noqa: BLE001 -- a diagnostic only: never change the test's outcome
        report.sections.append(("asyncio tasks", f"not available: {exc!r}"))
        return
    lines = []
    for task in sorted(tasks, key=lambda t: t.get_name()):
        frames = task.get_stack(limit=8)
        where = " <- ".join(f"{f.f_code.co_name} ({Path(f.f_code.co_filename).name}:{f.f_lineno})" for f in frames)
        lines.append(f"{task.get_name()}: {where if where else repr(task)}")
    report.sections.append(("asyncio tasks at the timeout", "\n".join(lines)))


def docker_answers() -> bool:
    try:
        import docker

        docker.from_env(timeout=3).ping()
    except Exception:  # noqa: BLE001 -- any failure means "no engine here"
        return False
    return True


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        yield os.environ["KAFKA_BOOTSTRAP_SERVERS"]
        return
    if docker_answers():
        from testcontainers.kafka import KafkaContainer

        with KafkaContainer().with_kraft() as container:
            yield container.get_bootstrap_server()
        return
    launcher = KafkaLauncher(tmp_path_factory.mktemp("kafka"), port=free_port())
    bootstrap = launcher.start(timeout=120)
    try:
        yield bootstrap
    finally:
        launcher.stop()


@pytest.fixture(scope="session")
def kafka_cluster3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KafkaCluster]:
    """A real three-node KRaft cluster (three controller voters) from the project's jars, for the session.

    Tests may stop a node to see what happens, but must start it again before they end
    (``kafka_cluster3.start()`` restarts whichever node is down and waits until all serve).
    """
    from typer.testing import CliRunner

    from services.cli.main import app as cli

    run_dir, port = tmp_path_factory.mktemp("kafka-cluster"), free_port_block(6)
    where = ["--port", str(port), "--data-dir", str(run_dir)]
    try:
        started = CliRunner().invoke(cli, ["kafka", "start", "--brokers", "3", *where])  # as the README says
        cluster = KafkaCluster.existing(port, run_dir)
        assert started.exit_code == 0 and cluster is not None, started.output
        assert started.stdout.strip().splitlines()[-1] == cluster.bootstrap  # the bootstrap list, once all serve
        yield cluster
    finally:
        CliRunner().invoke(cli, ["kafka", "stop", *where])


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """URL of a PostgreSQL server (asyncpg driver), database ``congress``."""
    if os.environ.get("TEST_POSTGRES_URL"):
        yield os.environ["TEST_POSTGRES_URL"]
        return
    if docker_answers():
        from testcontainers.postgres import PostgresContainer

        with PostgresContainer("postgres:16", driver="asyncpg") as container:
            yield container.get_connection_url()
        return
    from services.devtools.pg_launcher import PostgresLauncher

    launcher = PostgresLauncher()
    url = launcher.start()
    try:
        yield url
    finally:
        launcher.stop()


async def fresh_pg_database(server_url: str) -> str:
    """Create an empty database on the server and return its URL."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    base, _, _ = server_url.rpartition("/")
    conn = await asyncpg.connect(base.replace("postgresql+asyncpg://", "postgresql://") + "/postgres")
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return f"{base}/{name}"


@pytest.fixture(params=["sqlite", "postgresql"])
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """A fresh, empty database of each kind in turn."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'test.sqlite3'}"
    else:
        yield await fresh_pg_database(request.getfixturevalue("pg_url"))


@pytest.fixture(scope="session")
def stripe_mock_url() -> Iterator[str]:
    from services.devtools.stripe_mock import StripeMock

    mock = StripeMock()
    url = mock.start()
    try:
        yield url
    finally:
        mock.stop()


@pytest.fixture(scope="session")
def badges_font_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This run's own cache of cut CJK fonts for badges' renderers. The default one (``weasy.default_font_cache``)
    is shared by every badges process on the machine, and each prunes old cuts there: parallel runs deleted each
    other's. A renderer a test builds gets this one; every badges service the run builds or starts (in-process,
    or a child process inheriting the environment) reads it from ``BADGES_FONT_CACHE`` (``_own_font_cache``)."""
    return tmp_path_factory.mktemp("badges-fonts")


@pytest.fixture(scope="session", autouse=True)
def _own_font_cache(badges_font_cache: Path) -> Iterator[None]:
    before = os.environ.get("BADGES_FONT_CACHE")
    os.environ["BADGES_FONT_CACHE"] = str(badges_font_cache)
    yield
    if before is None:
        os.environ.pop("BADGES_FONT_CACHE", None)
    else:
        os.environ["BADGES_FONT_CACHE"] = before


@pytest.fixture
def topic_prefix() -> str:
    """A unique topic prefix per test, so tests sharing the broker never see each other's events."""
    return f"t{uuid.uuid4().hex[:10]}."


@pytest.fixture
def congress_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "congress-home"
    home.mkdir()
    monkeypatch.setenv("CONGRESS_HOME", str(home))
    return home


_FIGURES: list[str] = []


@pytest.fixture
def report_figure() -> Callable[[str], None]:
    """Record a figure a test measured (e.g. the notify crash test's duplicates); `make test` prints them at the end."""
    return _FIGURES.append


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _FIGURES:
        terminalreporter.section("figures measured by the tests")
        for line in _FIGURES:
            terminalreporter.write_line(line)
