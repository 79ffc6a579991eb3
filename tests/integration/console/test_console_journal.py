"""The console's figures do not depend on Kafka's retention: records deleted from the topics
(``delete_records``, as retention would) while the console was down are still in its figures
after a restart, from its journal; a console without that journal has lost them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, RecordsToDelete

from schemas import decode, topics
from services.common.broker import ensure_topics
from tests.integration.console.test_console_kafka import figures_when, started
from tests.kafka_helpers import eventually, publish
from tests.unit.console.events import records, scenario


async def delete_everything(bootstrap: str, prefix: str) -> None:
    """Delete every record of our topics, as retention would once they are old enough."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await consumer.start()
    await admin.start()
    try:
        partitions = [
            TopicPartition(prefix + name, p)
            for name in topics.ALL_TOPICS
            for p in sorted(consumer.partitions_for_topic(prefix + name) or ())
        ]
        if not partitions:
            await consumer.topics()
            partitions = [TopicPartition(prefix + name, p) for name in topics.ALL_TOPICS for p in (0, 1, 2)]
        ends = await consumer.end_offsets(partitions)
        await admin.delete_records({tp: RecordsToDelete(end) for tp, end in ends.items() if end})
        starts = await consumer.beginning_offsets(partitions)
        assert starts == ends and sum(ends.values()) > 0  # nothing left to read on the topics
    finally:
        await admin.close()
        await consumer.stop()


def without_lag(figures: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in figures.items() if k != "consumer_lag"}


@pytest.mark.timeout(240)
async def test_figures_survive_records_deleted_while_the_console_was_down(
    kafka_bootstrap: str, topic_prefix: str, tmp_path: Path
) -> None:
    await ensure_topics(kafka_bootstrap, prefix=topic_prefix)
    events = scenario()
    for record in records(events, prefix=topic_prefix):
        await publish(kafka_bootstrap, record.topic, [decode(record.value)])
    journal = tmp_path / "journal.sqlite3"
    runtime, client = await started(kafka_bootstrap, topic_prefix, journal)
    try:
        before = without_lag(await figures_when(client, lambda f: f["events_total"] == len(events)))
        history = (await client.get("/api/delegates/d-003/events")).json()
        assert before["registrations"]["by_country"] == {"NL": 2, "JP": 2}
    finally:
        await client.aclose()
        await runtime.stop()

    await delete_everything(kafka_bootstrap, topic_prefix)

    runtime, client = await started(kafka_bootstrap, topic_prefix, journal)
    try:
        assert runtime.reader.replayed == len(events)
        await eventually(lambda: runtime.reader.caught_up, timeout=60)
        assert without_lag((await client.get("/api/figures")).json()) == before
        assert (await client.get("/api/delegates/d-003/events")).json() == history
        # it goes on from where it left off: a new event counts once, the old ones are not read twice
        await publish(kafka_bootstrap, topic_prefix + topics.REGISTRATION, [events[0]])
        after = await figures_when(client, lambda f: f["events_total"] == len(events) + 1)
        kind = events[0].event_type()
        assert after["events_by_type"][kind] == before["events_by_type"][kind] + 1
    finally:
        await client.aclose()
        await runtime.stop()

    # the same restart without the journal: the deleted records are gone from the figures
    runtime, client = await started(kafka_bootstrap, topic_prefix, tmp_path / "none.sqlite3")
    try:
        await eventually(lambda: runtime.reader.caught_up, timeout=60)
        assert (await client.get("/api/figures")).json()["events_total"] == 1
    finally:
        await client.aclose()
        await runtime.stop()
