"""The console against a real Kafka: events published to the (prefixed) topics show up in the figures,
dead letters are counted, consumer lag is measured, and a restart rebuilds identical figures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from schemas import decode
from services.common.auth import organiser_token
from services.common.topic_admin import TopicPlan, ensure_topics
from services.console.app import build
from services.console.config import ConsoleSettings
from services.console.runtime import ConsoleRuntime
from tests.kafka_helpers import eventually, publish
from tests.unit.console.events import FakeRecord, dead_letter, records, scenario

SECRET = "console-integration-secret"


def settings(kafka_bootstrap: str, topic_prefix: str, journal: Path) -> ConsoleSettings:
    return ConsoleSettings(
        KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap,
        KAFKA_TOPIC_PREFIX=topic_prefix,
        CONGRESS_SECRET=SECRET,
        lag_interval_seconds=0.5,
        journal_path=str(journal),
    )


async def started(kafka_bootstrap: str, topic_prefix: str, journal: Path) -> tuple[ConsoleRuntime, httpx.AsyncClient]:
    runtime, app = build(settings(kafka_bootstrap, topic_prefix, journal))
    await runtime.start()
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://console",
        headers={"Authorization": f"Bearer {organiser_token(SECRET, 'organiser@icsei.example.org')}"},
    )
    return runtime, client


async def figures_when(client: httpx.AsyncClient, done: Any) -> dict[str, Any]:
    async def check() -> dict[str, Any] | None:
        body: dict[str, Any] = (await client.get("/api/figures")).json()
        return body if done(body) else None

    result: dict[str, Any] = await eventually(check, timeout=60)
    return result


async def publish_dead_letter(kafka_bootstrap: str, record: FakeRecord) -> None:
    """A dead letter as the kernel's consumer writes it: the raw value, the key and the dlq.* headers."""
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(record.topic, record.value, key=record.key, headers=record.headers)
    finally:
        await producer.stop()


async def commit_nothing_handled(kafka_bootstrap: str, topic: str, group: str) -> None:
    """A service's consumer group that has committed offset 0 on every partition: it handled nothing yet."""
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka_bootstrap, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or {0, 1, 2})]
        consumer.assign(partitions)
        await consumer.commit(dict.fromkeys(partitions, 0))
    finally:
        await consumer.stop()


async def test_figures_follow_the_topics_and_survive_a_restart(
    kafka_bootstrap: str, topic_prefix: str, tmp_path: Path
) -> None:
    await ensure_topics(kafka_bootstrap, TopicPlan(prefix=topic_prefix))
    events = scenario()
    sent = []
    for record in records(events, prefix=topic_prefix):
        sent += await publish(kafka_bootstrap, record.topic, [decode(record.value)])
    failed = sent[-1]
    await publish_dead_letter(kafka_bootstrap, dead_letter(failed, "handler failed 3 times: boom", prefix=topic_prefix))
    runtime, client = await started(kafka_bootstrap, topic_prefix, tmp_path / "journal.sqlite3")
    try:
        assert (await client.get("/api/figures", headers={"Authorization": ""})).status_code == 401
        figures = await figures_when(client, lambda f: f["events_total"] == len(events) + 1)
        assert figures["registrations"]["by_country"] == {"NL": 2, "JP": 2}
        assert figures["revenue"]["by_currency"] == {"EUR": 62000 * 3 - 59500, "JPY": 90000}
        assert figures["add_ons"]["dinner"]["booked"] == 2 and figures["add_ons"]["dinner"]["capacity"] == 300
        assert figures["invoices_unpaid"]["count"] == 1
        assert figures["dead_letters"]["count"] == 1
        assert figures["dead_letters"]["recent"][0]["reason"] == "handler failed 3 times: boom"
        assert figures["checkins"]["by_hour"] == {"2027-01-05 09:00": 1, "2027-01-05 10:00": 1}

        # Published while the console runs: it follows live.
        await publish(kafka_bootstrap, topic_prefix + "congress.registration", [events[0]])
        figures = await figures_when(client, lambda f: f["events_total"] == len(events) + 2)
        page = (await client.get("/api/events", params={"subject": "d-001", "type": "RegistrationCreated"})).json()
        assert len(page) == 2 and page[0]["doc"]["data"]["delegate"]["badge_name"] == "Ana Silva"
        history = (await client.get("/api/delegates/d-003/events")).json()
        assert [e["name"] for e in history] == [
            "RegistrationCreated",
            "RegistrationConfirmed",
            "InvoiceIssued",
            "NotificationFailed",
            "deadletter",
        ]
        assert history[-1]["reason"] == "handler failed 3 times: boom"

        # Lag of a service's consumer group: committed offsets against end offsets.
        topic = topic_prefix + "congress.notify"
        group = f"{topic_prefix}notify-test"
        await commit_nothing_handled(kafka_bootstrap, topic, group)
        lagged = await figures_when(client, lambda f: group in f["consumer_lag"]["groups"])
        notify_events = sum(1 for r in sent if r.type.startswith("congress.notify."))
        assert lagged["consumer_lag"]["groups"][group] == {
            "total": notify_events,
            "by_topic": {"congress.notify": notify_events},
        }
        before = {k: v for k, v in figures.items() if k != "consumer_lag"}
    finally:
        await client.aclose()
        await runtime.stop()

    runtime, client = await started(kafka_bootstrap, topic_prefix, tmp_path / "journal.sqlite3")
    try:
        rebuilt = await figures_when(client, lambda f: f["events_total"] == len(events) + 2)
        assert {k: v for k, v in rebuilt.items() if k != "consumer_lag"} == before
        await eventually(lambda: runtime.reader.caught_up, timeout=30)
        assert (await client.get("/readyz")).json() == {
            "ready": True,
            "checks": {"started": True, "reading": True, "caught_up": True},
            "warnings": {"topics": {}},  # every topic as its policy says
        }
        metrics = (await client.get("/metrics")).text
        assert "console_dead_letters 1.0" in metrics
    finally:
        await client.aclose()
        await runtime.stop()
