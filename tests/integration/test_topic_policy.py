"""The topic policy on a real broker: created with it, described against it, differences reported and fixed."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from fastapi import FastAPI
from typer.testing import CliRunner

from schemas import topics
from services.cli.main import app as cli
from services.common.runtime import ServiceRuntime
from services.common.settings import ServiceSettings
from services.common.topic_admin import TopicPlan, ensure_topics

SEVEN_DAYS_MS = 7 * 86_400_000


def congress(args: list[str], bootstrap: str, prefix: str) -> tuple[int, str]:
    env = {"KAFKA_BOOTSTRAP_SERVERS": bootstrap, "KAFKA_TOPIC_PREFIX": prefix}
    result = CliRunner().invoke(cli, args, env=env)
    return result.exit_code, result.output


def rows(output: str, prefix: str) -> dict[str, list[str]]:
    """The table's rows by unprefixed topic name: holds words dropped, the columns after them kept."""
    found = {}
    for line in output.splitlines():
        words = line.split()
        if words and words[0].startswith(prefix + "congress."):
            first_number = next(i for i, w in enumerate(words) if w.isdigit() or w == "-")
            found[words[0].removeprefix(prefix)] = words[first_number:]
    return found


def test_ensure_creates_every_topic_with_its_policy_and_describe_shows_it(
    kafka_bootstrap: str, topic_prefix: str
) -> None:
    code, before = congress(["topics", "describe"], kafka_bootstrap, topic_prefix)
    assert code == 1 and before.count("missing") == len(topics.ALL_TOPICS), before

    code, created = congress(["topics", "ensure"], kafka_bootstrap, topic_prefix)
    assert code == 0, created
    assert created.count("created") == len(topics.ALL_TOPICS)

    code, described = congress(["topics", "describe"], kafka_bootstrap, topic_prefix)
    assert code == 0, described
    table = rows(described, topic_prefix)
    assert set(table) == set(topics.ALL_TOPICS)
    for name in topics.EVENT_TOPICS:
        assert table[name] == ["3", "1", "1", "delete", "forever", "ok"], (name, described)
    assert table[topics.DELEGATES][3] == "compact"
    assert table[topics.KEYS][3] == "compact" and table[topics.KEYS][-1] == "ok"  # max.compaction.lag.ms as asked
    assert table[topics.ORGANISERS][3] == "compact" and table[topics.ORGANISERS][-1] == "ok"
    assert table[topics.DEADLETTER][3:5] == ["delete", "forever"]


async def _old_registration_topic(bootstrap: str, name: str) -> None:
    """A topic as an older release left it: one partition, Kafka's default seven days."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, 1, 1, topic_configs={"retention.ms": str(SEVEN_DAYS_MS)})])
    finally:
        await admin.close()


async def _readyz(bootstrap: str, prefix: str, tmp_path: Path) -> tuple[int, dict[str, object]]:
    settings = ServiceSettings(
        service_name="policy-test",
        kafka_bootstrap_servers=bootstrap,
        kafka_topic_prefix=prefix,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'policy.sqlite3'}",
    )
    runtime = ServiceRuntime(settings)
    app = FastAPI()
    runtime.mount_health(app)
    await runtime.start()
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
            response = await client.get("/readyz")
            metrics = (await client.get("/metrics")).text
    finally:
        await runtime.stop()
    assert "congress_topic_policy_differences 1.0" in metrics
    return response.status_code, response.json()


def test_a_topic_off_its_policy_is_reported_by_the_service_and_fixed_by_hand(
    kafka_bootstrap: str, topic_prefix: str, tmp_path: Path
) -> None:
    registration = topic_prefix + topics.REGISTRATION
    asyncio.run(_old_registration_topic(kafka_bootstrap, registration))

    status, body = asyncio.run(_readyz(kafka_bootstrap, topic_prefix, tmp_path))
    assert status == 200 and body["ready"] is True  # it serves, but says what differs
    assert body["warnings"] == {
        "topics": {registration: ["partitions 1, policy 3", f"retention.ms {SEVEN_DAYS_MS}, policy -1"]}
    }

    code, described = congress(["topics", "describe"], kafka_bootstrap, topic_prefix)
    assert code == 1
    assert rows(described, topic_prefix)[topics.REGISTRATION][:5] == ["1", "1", "1", "delete", "7"], described

    code, fixed = congress(["topics", "ensure", "--fix"], kafka_bootstrap, topic_prefix)
    assert code == 0, fixed
    report = asyncio.run(ensure_topics(kafka_bootstrap, TopicPlan(prefix=topic_prefix), create=False))
    assert report.ok, report.differences
    assert report.found[registration].partitions == 3
    assert report.found[registration].configs["retention.ms"] == "-1"
