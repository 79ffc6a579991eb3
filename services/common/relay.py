"""The outbox relay: publishes committed outbox rows (``services.common.outbox``) to Kafka.

``OutboxRelay`` publishes committed rows in id order with an idempotent producer (acks=all), then
marks them sent. A crash between the two publishes the rows again on restart: at-least-once, which
the consumers' inboxes turn into exactly-once effects. The relay wakes as soon as a transaction that
added rows commits, and polls slowly as a fallback for rows written elsewhere. It sends the values as
the outbox staged them (personal fields already sealed), never re-encoding an event.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple

from aiokafka import AIOKafkaProducer
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from schemas import topics
from services.common.db import SQLITE_TIME, is_postgres, write_turn
from services.common.faults import crash_point
from services.common.outbox import Outbox
from services.common.partitioning import partition_for

log = logging.getLogger("congress.outbox")


def make_producer(bootstrap_servers: str, client_id: str, *, request_timeout_ms: int = 30000) -> AIOKafkaProducer:
    """An idempotent producer that waits for every in-sync replica (acks=all)."""
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers,
        client_id=client_id,
        enable_idempotence=True,
        acks="all",
        linger_ms=2,
        max_batch_size=512 * 1024,
        request_timeout_ms=request_timeout_ms,
    )


class OutboxRelay:
    """Publishes committed outbox rows in order; one active relay per database."""

    def __init__(
        self,
        engine: AsyncEngine,
        producer: AIOKafkaProducer,
        *,
        outbox: Outbox | None = None,
        batch_size: int = 1000,
        poll_seconds: float = 1.0,
        topic_prefix: str = "",
        publish_timeout: float = 60.0,
        producer_started: bool = True,
        linger_seconds: float = 0.02,
        max_retry_seconds: float = 5.0,
        topics_ready: asyncio.Event | None = None,
    ) -> None:
        self.engine = engine
        self.producer = producer
        self.wakeup = outbox.wakeup if outbox else asyncio.Event()
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self.topic_prefix = topic_prefix
        self.publish_timeout = publish_timeout
        self.linger_seconds = linger_seconds
        self.max_retry_seconds = max_retry_seconds
        self.topics_ready = topics_ready
        """If given, publishing waits for it: the runtime sets it once the topics exist with their settings."""
        self._producer_ready = producer_started
        self._header_cache: dict[str, list[tuple[str, bytes]]] = {}
        self.published = 0
        self.running = False
        self.standby = False
        """True while another copy's relay holds the database's lock and this one waits to take over."""
        self._lease: _Leadership | None = None
        self.last_error: str | None = None
        """Why the last attempt to publish failed; None while publishing works."""

    async def run(self) -> None:
        """Relay until cancelled."""
        async with self._leadership() as lease:
            self._lease = lease
            self.running = True
            failures = 0
            try:
                while True:
                    self.wakeup.clear()
                    try:
                        if not self._producer_ready:  # started before Kafka was reachable: connect first
                            if self.topics_ready is not None:
                                await self.topics_ready.wait()  # never let a publish auto-create a topic
                            await self.producer.start()
                            self._producer_ready = True
                        published = await self.publish_pending()
                    except LeadershipLost:
                        raise
                    except Exception as exc:  # noqa: BLE001 -- Kafka or the database is away: wait, then retry
                        failures += 1
                        self.last_error = repr(exc)
                        delay = min(self.poll_seconds * 2**failures, self.max_retry_seconds)
                        log.warning(
                            "outbox relay cannot publish (attempt %d), retrying in %.1fs: %r",
                            failures,
                            delay,
                            exc,
                            extra={"attempt": failures},
                        )
                        await asyncio.sleep(delay)
                        continue
                    failures, self.last_error = 0, None
                    if published == self.batch_size:
                        continue  # more waiting: keep going without sleeping
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self.wakeup.wait(), timeout=self.poll_seconds)
                    if self.wakeup.is_set() and self.linger_seconds:
                        # Let the commits of a busy moment gather, so one scan and one produce batch carry them.
                        await asyncio.sleep(self.linger_seconds)
            finally:
                self.running = False
                self._lease = None

    async def publish_pending(self) -> int:
        """Publish one batch of unsent rows in id order and mark them sent; returns how many."""
        rows = await self._unsent()
        if not rows:
            return 0
        if self._lease is not None:
            await self._lease.confirm()
        await self._send_all(rows)
        crash_point("relay-after-publish")
        ids = [row.id for row in rows]
        async with write_turn(self.engine):
            if is_postgres(self.engine):
                await self._mark_sent_on_postgres(ids)
            else:
                await self._mark_sent_on_sqlite(ids)
        self.published += len(rows)
        log.debug("relayed %d outbox rows", len(rows), extra={"count": len(rows)})
        return len(rows)

    async def _unsent(self) -> Sequence[Any]:
        """The next unsent rows in id order (at most ``batch_size``), headers as their JSON text.

        One statement on the driver's own connection, outside a transaction (one statement reads one snapshot).
        On SQLite, through SQLAlchemy the read took a BEGIN, a cursor, the rows, a close and a ROLLBACK, each a
        trip to aiosqlite's thread, and each trip waited its turn on the event loop the consumers keep busy; on
        PostgreSQL it built and compiled the select, began, read and rolled back: three round trips and a
        tenth of the relay's CPU per cycle where asyncpg's prepared statement takes one.
        """
        async with self.engine.connect() as conn:
            driver: Any = (await conn.get_raw_connection()).driver_connection
            if is_postgres(self.engine):
                return list(map(_Row._make, await driver.fetch(_PG_UNSENT, self.batch_size)))
            return list(map(_Row._make, await driver.execute_fetchall(_SQLITE_UNSENT, (self.batch_size,))))

    async def _mark_sent_on_postgres(self, ids: list[int]) -> None:
        """``UPDATE outbox SET sent_at`` for these ids on PostgreSQL: one statement (atomic on its own, so no
        BEGIN and COMMIT around it), the ids as one array parameter (an expanding ``IN`` binds one per id)."""
        async with self.engine.connect() as conn:
            driver: Any = (await conn.get_raw_connection()).driver_connection
            await driver.execute(_PG_MARK_SENT, datetime.now(UTC), ids)

    async def _mark_sent_on_sqlite(self, ids: list[int]) -> None:
        """``UPDATE outbox SET sent_at`` in one statement on the driver's connection (one trip to its thread): the
        relay holds SQLite's write turn meanwhile, and a transaction of five trips held it for ~25 ms while the
        consumer's batch waited. Outside a transaction (the driver's autocommit) one statement is its own: it
        takes the write lock, updates every id or none, and commits. The ids are one JSON array read by
        ``json_each`` (a script with every id written into its text cost SQLite a parse of each); the time is
        the relay's own, written as SQLAlchemy's DateTime writes it there (UTC, no offset)."""
        stamp = datetime.now(UTC).strftime(SQLITE_TIME)
        async with self.engine.connect() as conn:
            driver: Any = (await conn.get_raw_connection()).driver_connection
            await driver.execute(_SQLITE_MARK_SENT, (stamp, json.dumps(ids)))

    async def _send_all(self, rows: Sequence[Any]) -> None:
        """Publish rows, the person keys' records first: every key acknowledged (acks=all) before any event of
        the batch goes, so no consumer meets a token whose key is not yet on ``congress.keys``."""
        keys = [row for row in rows if row.topic == topics.KEYS]
        if keys and len(keys) < len(rows):
            await self._send_batches(keys)
            rows = [row for row in rows if row.topic != topics.KEYS]
        await self._send_batches(rows)

    async def _send_batches(self, rows: Sequence[Any]) -> None:
        """Publish rows as one record batch per partition (in id order within each), and wait for every ack.

        ``send`` per row cost a future, a metadata check and a partitioner call each; a batch
        per partition is appended to directly. Keys go to the partitions ``send`` would choose.
        The loop is the relay's per-row cost: a topic's name and partitions are looked up once per batch.
        """
        by_topic: dict[str, tuple[str, list[int]]] = {}
        open_batches: dict[tuple[str, int], Any] = {}
        futures = []
        for row in rows:
            _, stored_topic, key, value, stored_headers = row
            known = by_topic.get(stored_topic)
            if known is None:
                topic = self.topic_prefix + stored_topic
                known = by_topic[stored_topic] = (topic, sorted(await self.producer.partitions_for(topic)))
            topic, partitions = known
            partition = _partition(key, partitions)
            headers = self._headers(stored_headers)
            batch = open_batches.get((topic, partition))
            if batch is None:
                batch = open_batches[(topic, partition)] = self.producer.create_batch()
            if batch.append(timestamp=None, key=key, value=value, headers=headers) is None:  # full
                futures.append(await self.producer.send_batch(batch, topic, partition=partition))
                batch = open_batches[(topic, partition)] = self.producer.create_batch()
                batch.append(timestamp=None, key=key, value=value, headers=headers)  # the first always fits
        for (topic, partition), batch in open_batches.items():
            futures.append(await self.producer.send_batch(batch, topic, partition=partition))
        await asyncio.gather(*futures)

    def _headers(self, stored: str) -> list[tuple[str, bytes]]:
        """A row's headers as Kafka wants them; rows mostly share the same few, so parse each text once."""
        headers = self._header_cache.get(stored)
        if headers is None:
            if len(self._header_cache) > 256:  # dead letters' headers are each their own
                self._header_cache.clear()
            headers = self._header_cache[stored] = [(name, value.encode()) for name, value in json.loads(stored)]
        return headers

    def _leadership(self) -> _Leadership:
        return _Leadership(self)


def _partition(key: bytes | None, partitions: list[int]) -> int:
    """Where ``AIOKafkaProducer.send`` would put a record with this key (a keyless one: any partition)."""
    if key is None:
        return random.choice(partitions)
    return partitions[partition_for(key, len(partitions))]


class _Row(NamedTuple):
    """An unsent outbox row as the relay reads it on SQLite (the columns of the select on PostgreSQL)."""

    id: int
    topic: str
    key: bytes | None
    value: bytes | None
    headers: str


_PG_UNSENT = "SELECT id, topic, key, value, headers::text FROM outbox WHERE sent_at IS NULL ORDER BY id LIMIT $1"
_PG_MARK_SENT = "UPDATE outbox SET sent_at = $1 WHERE id = ANY($2::bigint[])"
_SQLITE_MARK_SENT = "UPDATE outbox SET sent_at = ? WHERE id IN (SELECT value FROM json_each(?))"
_SQLITE_UNSENT = (
    "SELECT id, topic, key, value, CAST(headers AS TEXT) FROM outbox WHERE sent_at IS NULL ORDER BY id LIMIT ?"
)


class LeadershipLost(RuntimeError):
    """The relay's advisory lock went with its connection: another copy may publish now, so this one stops."""


class _Leadership:
    """On PostgreSQL, an advisory lock held on its own connection makes sure only one relay per database
    publishes (so per-key order holds with several copies). Until it gets the lock the relay is on standby;
    before each publish it checks that the connection holding the lock is still there (``confirm``)."""

    KEY = 7355608

    def __init__(self, relay: OutboxRelay) -> None:
        self.relay = relay
        self.conn: Any = None

    async def __aenter__(self) -> _Leadership:
        engine = self.relay.engine
        if not is_postgres(engine):
            return self  # a SQLite file belongs to one service process
        self.relay.standby = True
        try:
            self.conn = await engine.connect()
            # Another copy publishes; there is nothing to await but time.
            while not await self._try_lock():  # noqa: ASYNC110
                await asyncio.sleep(1.0)
        except BaseException:
            await self.__aexit__()
            raise
        finally:
            self.relay.standby = False
        return self

    async def _try_lock(self) -> bool:
        granted = bool((await self.conn.execute(text("select pg_try_advisory_lock(:k)"), {"k": self.KEY})).scalar())
        await self.conn.commit()  # the lock is the session's: no transaction stays open beside it
        return granted

    async def confirm(self) -> None:
        """Raise ``LeadershipLost`` if the lock's connection is gone (PostgreSQL released the lock with it).

        One statement on the driver's connection, outside a transaction: through SQLAlchemy it began, selected
        and committed, three round trips before every publish."""
        if self.conn is None:
            return
        try:
            driver: Any = (await self.conn.get_raw_connection()).driver_connection
            await driver.fetchval("SELECT 1")
        except Exception as exc:
            raise LeadershipLost(f"the relay's lock connection is gone: {exc!r}") from exc

    async def __aexit__(self, *exc: object) -> None:
        if self.conn is not None:
            with contextlib.suppress(Exception):
                await self.conn.close()
