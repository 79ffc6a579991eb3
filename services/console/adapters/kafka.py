"""The console's own Kafka reader: every congress topic, from where its journal left off.

It uses no consumer group (it commits nothing to Kafka) and honours ``KAFKA_TOPIC_PREFIX``.
With a journal (``adapters/journal.py``) it first replays what it read before, then resumes each
partition at the journal's offset, and records every batch it applies: the figures survive a
restart even when Kafka has deleted the records meanwhile. Without one it reads from the beginning.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

from schemas import topics
from services.common.broker import METADATA_MAX_AGE_MS
from services.common.key_follower import KeyFollower
from services.common.keyring import KeyPending, Keyring
from services.common.topic_admin import TopicPlan, TopicReport, ensure_topics, log_report
from services.console.adapters.journal import Journal, Positions
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
        journal: Journal | None = None,
        topic_plan: TopicPlan | None = None,
        keyring: Keyring | None = None,
        key_follower: KeyFollower | None = None,
    ) -> None:
        self.keyring = keyring
        """Opens personal fields for the organisers' view (``erased`` once a person's keys are gone)."""
        self.key_follower = key_follower
        self.bootstrap_servers = bootstrap_servers
        self.topic_prefix = topic_prefix
        self.on_entries = on_entries
        self.max_records = max_records
        self.journal = journal
        self.replayed = 0
        """Entries replayed from the journal at start."""
        self.topic_plan = topic_plan or TopicPlan(prefix=topic_prefix)
        self.topic_report: TopicReport | None = None
        """How the topics compared with their policy at start."""
        self.consumer: AIOKafkaConsumer | None = None
        self.records_read = 0
        self.caught_up = False
        """True once a poll came back empty: everything on the topics at that moment has been read."""
        self._task: asyncio.Task[None] | None = None
        self._appending: asyncio.Future[None] | None = None
        """The journal write on its thread, if one runs: stop waits for it before closing the journal."""

    async def start(self) -> None:
        self.topic_report = await ensure_topics(self.bootstrap_servers, self.topic_plan)
        log_report(self.topic_report)
        self.consumer = AIOKafkaConsumer(
            *(self.topic_prefix + name for name in topics.ALL_TOPICS),
            bootstrap_servers=self.bootstrap_servers,
            metadata_max_age_ms=METADATA_MAX_AGE_MS,
            client_id="console",
            group_id=None,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
        )
        await self.consumer.start()
        if self.journal is not None:
            await self._resume(self.journal)
        self._task = asyncio.create_task(self._run(), name="console-reader")

    async def _resume(self, journal: Journal) -> None:
        """Replay the journal into the projection and seek each partition to where it left off."""
        await asyncio.to_thread(journal.open)
        entries, positions = await asyncio.to_thread(journal.load)
        if positions:
            assigned = await self._assignment()
            ends = await self._consumer().end_offsets(list(assigned))
            beyond = {tp: end for tp, end in ends.items() if positions.get((tp.topic, tp.partition), 0) > end}
            if beyond:
                log.warning(
                    "the journal is ahead of the topics (another cluster, or topics recreated): rebuilding from them",
                    extra={"journal": str(journal.path), "partitions": len(beyond)},
                )
                await asyncio.to_thread(journal.reset)
                entries, positions = [], {}
            for tp in assigned:
                if (tp.topic, tp.partition) in positions:
                    self._consumer().seek(tp, positions[tp.topic, tp.partition])
        if entries:
            self.on_entries(entries)
        self.replayed = len(entries)
        log.info("journal replayed", extra={"entries": len(entries), "journal": str(journal.path)})

    async def _assignment(self, timeout: float = 30.0) -> set[TopicPartition]:
        """Every partition of our topics, once the group-less consumer has them all assigned."""
        wanted = {self.topic_prefix + name for name in topics.ALL_TOPICS}
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            assigned = set(self._consumer().assignment())
            if {tp.topic for tp in assigned} >= wanted or loop.time() > deadline:
                return assigned
            await asyncio.sleep(0.05)

    def _consumer(self) -> AIOKafkaConsumer:
        if self.consumer is None:
            raise RuntimeError("the consumer is not started")
        return self.consumer

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self.consumer is not None:
            await self.consumer.stop()
        if self._appending is not None:  # cancelling the reader does not stop a thread mid-write
            await asyncio.wait([self._appending])
        if self.journal is not None:
            self.journal.close()

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
            entries = await self._entries(records)
            try:
                self.on_entries(entries)
            except Exception:  # a bug in the projection must not stop the stream; it is logged loudly
                log.exception("could not apply %d entries", len(entries))
            if self.journal is not None:
                await self._record(self.journal, entries, records)

    async def _entries(self, records: list[ConsumerRecord[Any, Any]]) -> list[Entry]:
        """The batch's entries, personal fields opened; a key not seen yet is waited for (``key_follower``)."""
        if self.keyring is None:
            return [to_entry(r, topic_prefix=self.topic_prefix) for r in records]
        follower = self.key_follower or KeyFollower("", self.keyring)
        for r in records:  # a key is published before the events it opens: take the batch's keys first
            if r.topic.endswith(topics.KEYS):
                follower.apply(r.key, r.value)
        try:
            opener = self.keyring.opener(final=False)
            return [to_entry(r, topic_prefix=self.topic_prefix, open_=opener) for r in records]
        except KeyPending:
            if self.key_follower is not None:
                await self.key_follower.catch_up()
            opener = self.keyring.opener(final=True)
            return [to_entry(r, topic_prefix=self.topic_prefix, open_=opener) for r in records]

    async def _record(self, journal: Journal, entries: list[Entry], records: list[ConsumerRecord[Any, Any]]) -> None:
        positions: Positions = {(r.topic, r.partition): r.offset + 1 for r in records}  # in order per partition
        try:
            self._appending = asyncio.get_running_loop().run_in_executor(None, journal.append, entries, positions)
            await asyncio.shield(self._appending)
        except Exception:  # the live figures go on; a restart would lack this batch, so say so loudly
            log.exception("could not record %d entries in the journal %s", len(entries), journal.path)
