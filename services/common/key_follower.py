"""Following ``congress.keys`` into a process's keyring, and opening a batch's personal fields.

``KeyFollower`` reads the compacted key topic from its beginning with no consumer group (every process
needs every key) and keeps following it: a ``PersonKeyIssued`` is learnt, a tombstone forgets the key.
``decode_batch`` decodes records with the keyring: a token naming a key the process has not seen yet
makes it wait until the follower has read the key topic up to where it ends now (the key's record is
published before the first event that uses it), and only a key still unknown then counts as erased.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from schemas import topics
from schemas.base import CloudEvent, EventData, InvalidEvent, decode
from schemas.keys import PersonKeyIssued
from schemas.personal import Open
from services.common.broker import METADATA_MAX_AGE_MS, ensure_topics
from services.common.keyring import KeyPending, Keyring

log = logging.getLogger("congress.keys")

Decoded = tuple[Any, CloudEvent[EventData] | InvalidEvent]


class KeyFollower:
    """Keeps a keyring up to date from ``congress.keys``; ``catch_up`` waits until it has read to the end."""

    def __init__(
        self, bootstrap_servers: str, keyring: Keyring, *, topic_prefix: str = "", client_id: str = "congress"
    ):
        self.bootstrap_servers = bootstrap_servers
        self.keyring = keyring
        self.topic = topic_prefix + topics.KEYS
        self.topic_prefix = topic_prefix
        self.client_id = client_id
        self._consumer: AIOKafkaConsumer | None = None
        self._ends: AIOKafkaConsumer | None = None
        """Asks where the key topic ends, over connections of its own (started at the first ``catch_up``)."""
        self._starting_ends = asyncio.Lock()
        self._progress = asyncio.Condition()
        self._read: dict[TopicPartition, int] = {}
        """Next offset to read per partition, as of the last batch."""

    async def run(self) -> None:
        """Follow until cancelled; when Kafka is away, try again (up to every 10 s)."""
        delay = 1.0
        while True:
            try:
                await self._follow()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 -- Kafka away or gone: reconnect with backoff
                log.warning("key follower: Kafka not reachable (%r); next try in %.0fs", exc, delay)
            self._consumer = None
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)

    async def _follow(self) -> None:
        await ensure_topics(self.bootstrap_servers, prefix=self.topic_prefix)
        consumer = AIOKafkaConsumer(
            self.topic,
            bootstrap_servers=self.bootstrap_servers,
            metadata_max_age_ms=METADATA_MAX_AGE_MS,
            client_id=f"{self.client_id}-keys",
            group_id=None,  # every process reads every key: no group, all partitions, from the beginning
            auto_offset_reset="earliest",
            enable_auto_commit=False,
        )
        await consumer.start()
        self._consumer, self._read = consumer, {}
        try:
            while True:
                batch = await consumer.getmany(timeout_ms=500, max_records=1000)
                for records in batch.values():
                    for record in records:
                        self.apply(record.key, record.value)
                for tp in consumer.assignment():
                    self._read[tp] = await consumer.position(tp)
                await self.settle()
                async with self._progress:
                    self._progress.notify_all()
        finally:
            self._consumer = None
            ends, self._ends = self._ends, None
            await consumer.stop()
            if ends is not None:
                await ends.stop()

    async def settle(self) -> None:
        """Two copies minted a key for one person at once (``Keyring.races``): take up the one the table keeps."""
        if not self.keyring.races:
            return
        try:
            await self.keyring.settle()
        except Exception as exc:  # noqa: BLE001 -- the database away: the race is settled after a later batch
            log.warning("key follower: could not read the current keys (%r); trying again later", exc)

    def apply(self, key: bytes | None, value: bytes | None) -> None:
        """One record of the key topic: learn the key, or forget it at its tombstone."""
        if value is None:
            if key:
                self.keyring.forget(key.decode())
            return
        if key and self.keyring.confirm(key.decode()):
            return  # a key this process minted, read back: committed, and already known unwrapped
        try:
            event = decode(value)
        except InvalidEvent as exc:
            log.error("key follower skipped a message: %s", exc)
            return
        if isinstance(event.data, PersonKeyIssued) and not self.keyring.learn(event.data):
            log.error("a person key does not unwrap with this congress secret", extra={"event_id": event.id})

    async def _end_reader(self) -> AIOKafkaConsumer:
        async with self._starting_ends:  # two batches catching up at once start one reader
            if self._ends is None:
                ends = AIOKafkaConsumer(
                    bootstrap_servers=self.bootstrap_servers,
                    client_id=f"{self.client_id}-key-ends",
                    group_id=None,
                    metadata_max_age_ms=METADATA_MAX_AGE_MS,
                )
                await ends.start()
                self._ends = ends
            return self._ends

    async def catch_up(self, timeout: float = 30.0) -> bool:
        """Wait until every record on the key topic now has been read; False if not following or too slow."""
        consumer = self._consumer
        if consumer is None:
            return False
        ends: dict[TopicPartition, int] = {}

        def done() -> bool:
            return bool(ends) and all(self._read.get(tp, -1) >= end for tp, end in ends.items())

        deadline = asyncio.get_running_loop().time() + timeout
        while not consumer.assignment():  # just started: its partitions are being assigned
            if asyncio.get_running_loop().time() > deadline:
                return False
            await asyncio.sleep(0.05)
        ends = await (await self._end_reader()).end_offsets(list(consumer.assignment()))

        async with self._progress:
            try:
                await asyncio.wait_for(self._progress.wait_for(done), timeout)
            except TimeoutError:
                return False
        return True


async def decode_batch(records: Sequence[Any], keyring: Keyring | None, follower: KeyFollower | None) -> list[Decoded]:
    """Each record decoded once with personal fields opened; waits for keys not seen yet (see module doc).

    One opener serves the whole batch; ``decode`` opens only values holding a token."""
    if keyring is None:
        return [(r, _decode_one(r.value, None)) for r in records]
    try:
        open_ = keyring.opener(final=False)
        return [(r, _decode_one(r.value, open_)) for r in records]
    except KeyPending as pending:
        caught_up = follower is not None and await follower.catch_up()
        if follower is not None and not caught_up:
            raise RuntimeError(f"key {pending} not known yet and the key topic could not be read") from pending
        open_ = keyring.opener(final=True)
        return [(r, _decode_one(r.value, open_)) for r in records]


def _decode_one(value: bytes | None, open_: Open | None) -> CloudEvent[EventData] | InvalidEvent:
    try:
        return decode(value, open_)
    except InvalidEvent as exc:
        return exc
