"""Integration tests for the local service launchers: real Kafka, PostgreSQL, stripe-mock.

Nothing is mocked: each test starts the real program on a free loopback port.
They need Java 17 + Maven (or cached Kafka jars), Debian's postgresql package and
the stripe-mock binary, all installed by ``scripts/bootstrap.sh``.
"""

from __future__ import annotations

import shutil
import socket
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg  # type: ignore[import-untyped,unused-ignore]
import pytest
import stripe
from aiokafka import (  # type: ignore[import-untyped,unused-ignore]
    AIOKafkaConsumer,
    AIOKafkaProducer,
)
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaTimeoutError, UnknownTopicOrPartitionError

from services.devtools.kafka_jars import ensure_jars
from services.devtools.kafka_launcher import KafkaLauncher
from services.devtools.kafka_node import speaks_kafka
from services.devtools.pg_launcher import PostgresLauncher
from services.devtools.processes import LauncherError, free_port, port_in_use
from services.devtools.stripe_mock import TEST_API_KEY, StripeMock
from tests.kafka_helpers import ensure_topic

# Generous: a cold JVM on a busy 2-core CI machine is much slower than a laptop.
KAFKA_START_TIMEOUT = 180.0


@pytest.fixture(scope="module")
def kafka(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KafkaLauncher]:
    """One broker for the Kafka tests of this module, stopped at the end."""
    launcher = KafkaLauncher(tmp_path_factory.mktemp("kafka"), port=free_port())
    launcher.start(timeout=KAFKA_START_TIMEOUT)
    yield launcher
    launcher.stop()


async def test_kafka_produce_and_consume(kafka: KafkaLauncher) -> None:
    topic = f"launcher-test-{uuid.uuid4().hex[:8]}"
    await ensure_topic(kafka.bootstrap, topic)
    producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait(topic, b"hello congress", key=b"k")
    finally:
        await producer.stop()

    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=kafka.bootstrap,
        group_id=f"launcher-test-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        message = await consumer.getone()
    finally:
        await consumer.stop()
    assert message.value == b"hello congress"
    assert message.key == b"k"


async def test_the_probe_leaves_no_topic_and_the_broker_creates_none(kafka: KafkaLauncher) -> None:
    """Readiness was proven by a probe that cleaned up after itself; a producer cannot conjure a topic."""
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap)
    await admin.start()
    try:
        names = await admin.list_topics()
        assert not [n for n in names if "probe" in n], names
        missing = f"congress.nobody-created-{uuid.uuid4().hex[:8]}"
        producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap, request_timeout_ms=3000)
        await producer.start()
        try:
            with pytest.raises((KafkaTimeoutError, UnknownTopicOrPartitionError)):
                await producer.send_and_wait(missing, b"lost")
        finally:
            await producer.stop()
        assert missing not in await admin.list_topics()
    finally:
        await admin.close()
    assert "auto.create.topics.enable=false" in kafka.config_file.read_text().splitlines()


def test_the_broker_jvm_compiles_with_the_client_compiler_only(kafka: KafkaLauncher) -> None:
    # A 2-core machine: the C2 compiler's threads cost a fresh broker more CPU than its requests (decision 60+).
    pid = kafka.running_pid()
    assert pid is not None
    names = {(task / "comm").read_text().strip() for task in Path(f"/proc/{pid}/task").iterdir()}
    assert any(name.startswith("C1 CompilerThre") for name in names), names
    assert not any(name.startswith("C2 CompilerThre") for name in names), names


def test_an_idle_controller_writes_its_no_op_record_seldom(kafka: KafkaLauncher) -> None:
    # Kafka's default appends one to the metadata log every 500 ms, which every node of a cluster then fetches.
    segments = list((kafka.data_dir / "logs" / "__cluster_metadata-0").glob("*.log"))
    before = sum(path.stat().st_size for path in segments)
    time.sleep(3.0)
    grown = sum(path.stat().st_size for path in segments) - before
    assert grown < 2 * 100, f"the metadata log grew {grown} bytes in 3 s"  # a no-op batch is ~80 bytes


def test_kafka_status_reports_running_broker(kafka: KafkaLauncher) -> None:
    status = kafka.status()
    assert status.running
    assert status.pid is not None
    assert status.bootstrap == f"127.0.0.1:{kafka.port}"
    assert status.data_dir == kafka.data_dir
    assert kafka.pid_file.read_text().strip() == str(status.pid)


def test_second_start_on_same_data_dir_finds_running_broker(
    kafka: KafkaLauncher,
) -> None:
    pid_before = kafka.status().pid
    again = KafkaLauncher(kafka.data_dir, port=kafka.port)
    started = time.monotonic()
    assert again.start(timeout=30) == kafka.bootstrap
    # Finding the broker takes one probe, not a JVM start.
    assert time.monotonic() - started < 15
    assert again.status().pid == pid_before


def test_second_start_from_other_dir_finds_running_broker(kafka: KafkaLauncher, tmp_path: Path) -> None:
    other = KafkaLauncher(tmp_path / "other", port=kafka.port)
    assert other.start(timeout=30) == kafka.bootstrap
    # It must not have formatted or started anything of its own.
    assert not other.pid_file.exists()
    assert not (tmp_path / "other" / "server.properties").exists()
    assert other.status().running
    assert other.status().pid is None


def test_kafka_stop_then_restart_keeps_data_dir(kafka: KafkaLauncher) -> None:
    kafka.start(timeout=KAFKA_START_TIMEOUT)  # no-op when already running
    assert kafka.stop() is True
    status = kafka.status()
    assert not status.running
    assert status.pid is None
    assert not kafka.pid_file.exists()
    assert not port_in_use(kafka.port)
    assert kafka.stop() is False  # nothing left to stop

    assert kafka.start(timeout=KAFKA_START_TIMEOUT) == kafka.bootstrap
    assert kafka.status().running


def test_kafka_refuses_port_held_by_something_else(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        assert not speaks_kafka(port, timeout=0.5)
        with pytest.raises(LauncherError, match=rf"port {port}\b.*--port"):
            KafkaLauncher(tmp_path / "kafka", port=port).start(timeout=30)
    # Refused before touching the data dir.
    assert not (tmp_path / "kafka").exists()


def test_kafka_startup_failure_reports_log_tail(tmp_path: Path) -> None:
    # A meta.properties from "another node" makes the broker exit right after launch.
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "meta.properties").write_text(
        "version=1\ncluster.id=AAAAAAAAAAAAAAAAAAAAAA\nnode.id=7\ndirectory.id=BBBBBBBBBBBBBBBBBBBBBB\n"
    )
    launcher = KafkaLauncher(tmp_path, port=free_port())
    with pytest.raises(LauncherError, match="exited during startup") as failure:
        launcher.start(timeout=KAFKA_START_TIMEOUT)
    assert "Stored node id 7" in str(failure.value)
    assert not launcher.pid_file.exists()
    assert not launcher.status().running


def test_ensure_jars_names_missing_java(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(LauncherError, match=r"`java`.*apt-get install openjdk-17"):
        ensure_jars()


def test_ensure_jars_rejects_old_java(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake_java = tmp_path / "java"
    fake_java.write_text("#!/bin/sh\necho 'openjdk version \"1.8.0_392\"' >&2\n")
    fake_java.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(LauncherError, match=r"needs Java 17\+.*Java 8"):
        ensure_jars()


def test_ensure_jars_names_missing_maven_when_cache_empty(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    java = shutil.which("java")
    assert java is not None
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "java").symlink_to(Path(java).resolve())
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setenv("CONGRESS_HOME", str(tmp_path / "home"))
    with pytest.raises(LauncherError, match=r"`mvn`.*apt-get install maven"):
        ensure_jars()


@pytest.fixture
def postgres() -> Iterator[PostgresLauncher]:
    """A throwaway PostgreSQL server, removed afterwards."""
    with PostgresLauncher() as launcher:
        yield launcher


async def test_postgres_launcher_serves_congress_database(
    postgres: PostgresLauncher,
) -> None:
    assert postgres.url == f"postgresql+asyncpg://postgres@127.0.0.1:{postgres.port}/congress"
    connection = await asyncpg.connect(postgres.dsn)
    try:
        assert await connection.fetchval("select 1") == 1
        assert await connection.fetchval("select current_database()") == "congress"
    finally:
        await connection.close()


def test_postgres_stop_removes_everything() -> None:
    launcher = PostgresLauncher()
    launcher.start()
    base_dir = launcher.base_dir
    port = launcher.port
    assert base_dir is not None and port is not None
    assert launcher.running
    launcher.stop()
    assert not launcher.running
    assert not base_dir.exists()
    assert not port_in_use(port)
    launcher.stop()  # idempotent


def test_postgres_refuses_taken_port() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        with pytest.raises(LauncherError, match=rf"port {port}\b"):
            PostgresLauncher(port=port).start()


def test_stripe_mock_creates_customer(monkeypatch: pytest.MonkeyPatch) -> None:
    with StripeMock() as mock:
        monkeypatch.setattr(stripe, "api_base", mock.url)
        monkeypatch.setattr(stripe, "api_key", TEST_API_KEY)
        customer = stripe.Customer.create(email="delegate@example.org", name="A. Delegate")
        assert customer.object == "customer"
        assert customer.id.startswith("cus_")
        pid_port = mock.port
    assert not mock.running
    assert pid_port is not None and not port_in_use(pid_port)
