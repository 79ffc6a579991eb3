"""The console's own Kafka reader: every congress topic, from the beginning, on every start.

It uses no consumer group (so it commits nothing and every start replays the
topics: the figures are rebuilt, never lost) and honours ``KAFKA_TOPIC_PREFIX``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from aiokafka import AIOKafkaConsumer

from schemas import topics
from services.common.topic_admin import TopicPlan, TopicReport, ensure_topics, log_report
from services.console.adapters.records import to_entry
from services.console.entries import Entry

log = logging.getLogger("congress.console.reader")


class TopicReader:
    """Reads every topic in ``schemas.topics.ALL_TOPICS`` and hands each batch of entries on."""

    def __init__(
        self,
        bootstrap_servers: str,
        *,
        topic_prefix: str,
        on_entries: Callable[[list[Entry]], None],
        max_records: int = 500,
        topic_plan: TopicPlan | None = None,
    ) -> None:
        self.bootstrap_servers = bootstrap_servers
        self.topic_prefix = topic_prefix
        self.on_entries = on_entries
        self.max_records = max_records
        self.topic_plan = topic_plan or TopicPlan(prefix=topic_prefix)
        self.topic_report: TopicReport | None = None
        """How the topics compared with their policy at start."""
        self.consumer: AIOKafkaConsumer | None = None
        self.records_read = 0
        self.caught_up = False
        """True once a poll came back empty: everything on the topics at that moment has been read."""
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.topic_report = await ensure_topics(self.bootstrap_servers, self.topic_plan)
        log_report(self.topic_report)
        self.consumer = AIOKafkaConsumer(
            *(self.topic_prefix + name for name in topics.ALL_TOPICS),
            bootstrap_servers=self.bootstrap_servers,
            client_id="console",
            group_id=None,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
        )
        await self.consumer.start()
        self._task = asyncio.create_task(self._run(), name="console-reader")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self.consumer is not None:
            await self.consumer.stop()

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def _run(self) -> None:
        if self.consumer is None:
            raise RuntimeError("the consumer is not started")
        while True:
            batch = await self.consumer.getmany(timeout_ms=500, max_records=self.max_records)
            records = [record for partition in batch.values() for record in partition]
            if not records:
                self.caught_up = bool(self.consumer.assignment())
                continue
            self.records_read += len(records)
            entries = [to_entry(record, topic_prefix=self.topic_prefix) for record in records]
            try:
                self.on_entries(entries)
            except Exception:  # a bug in the projection must not stop the stream; it is logged loudly
                log.exception("could not apply %d entries", len(entries))
