"""Transactional outbox: events are rows written in the same transaction as the state change.

``Outbox.add`` stages an event on the caller's session; the unit of work
(``services/common/unit_of_work.py``) or the consumer writes the staged rows with
``write_staged`` just before its commit, so nothing is published unless that transaction
commits, and nothing is written by a hidden SQLAlchemy hook. ``OutboxRelay`` publishes committed rows in id order with
an idempotent producer (acks=all), then marks them sent. A crash between the two
publishes the rows again on restart: at-least-once, which the consumers' inboxes
turn into exactly-once effects. The relay wakes as soon as a transaction that
added rows commits, and polls slowly as a fallback for rows written elsewhere.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.partitioner import DefaultPartitioner
from sqlalchemy import (
    ARRAY,
    JSON,
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    any_,
    bindparam,
    cast,
    select,
    text,
    update,
)
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import Session

from schemas.base import CONTENT_TYPE, CloudEvent, EventData, encode, encode_new, new_event
from schemas.personal import personal_paths
from services.common.db import READ_ONLY, is_postgres, kernel_metadata, write_turn
from services.common.faults import crash_point
from services.common.keyring import Keyring, insert_keys, staged_keys

log = logging.getLogger("congress.outbox")

outbox_table = Table(
    "outbox",
    kernel_metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("event_id", String(64), nullable=False),
    Column("topic", String(200), nullable=False),
    Column("key", LargeBinary, nullable=True),
    Column("value", LargeBinary, nullable=True),
    Column("headers", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True), nullable=True),
    Index("ix_outbox_unsent", "id", sqlite_where=text("sent_at IS NULL"), postgresql_where=text("sent_at IS NULL")),
)

Headers = list[tuple[str, str]]
_HEADERS: Headers = [("content-type", CONTENT_TYPE)]
"""An event's headers (a structured CloudEvent needs no more)."""
_PARTITIONER = DefaultPartitioner()
"""What ``AIOKafkaProducer.send`` uses (Kafka's murmur2 of the key): the relay's batches go where sends went."""


class Outbox:
    """Stages outgoing messages in a session; wakes the relay when that session commits."""

    def __init__(self, source: str, keyring: Keyring | None = None) -> None:
        self.source = source
        self.wakeup = asyncio.Event()
        self.keyring = keyring
        """Encrypts personal fields per person (``services.common.keyring``); without one they go in clear
        (unit tests of pieces that never publish, and tools)."""

    def add(
        self,
        session: AsyncSession | Session,
        data: EventData,
        *,
        event_id: str | None = None,
        time: datetime | None = None,
    ) -> CloudEvent[Any]:
        """Stage one event; returns the CloudEvent as it will be published."""
        cloud_event = new_event(data, self.source, event_id=event_id, time=time)
        self.add_raw(
            session,
            topic=data.topic(),
            key=data.key().encode(),
            value=encode(cloud_event, self.keyring.sealer(session) if self.keyring is not None else None),
            headers=_HEADERS,
            event_id=cloud_event.id,
        )
        return cloud_event

    def stage(self, session: AsyncSession | Session, data: EventData) -> None:
        """``add`` for a caller that does not need the CloudEvent back (the consumer): the same row, cheaper
        (an event with personal fields to seal takes ``add``'s way)."""
        if self.keyring is not None and personal_paths(type(data)):
            self.add(session, data)
            return
        event_id, value = encode_new(data, self.source)
        self.add_raw(
            session, topic=data.topic(), key=data.key().encode(), value=value, headers=_HEADERS, event_id=event_id
        )

    def add_many(self, session: AsyncSession | Session, events: Sequence[EventData]) -> list[CloudEvent[Any]]:
        return [self.add(session, data) for data in events]

    def add_raw(
        self,
        session: AsyncSession | Session,
        *,
        topic: str,
        key: bytes | None,
        value: bytes | None,
        headers: Headers,
        event_id: str = "",
    ) -> None:
        """Stage any message: a dead letter, or a tombstone (``value=None``) on a compacted topic.

        Rows are buffered on the session; the unit of work (or the consumer) inserts them in one statement
        with ``write_staged`` as the last thing before its commit. Nothing is written behind the caller's back.
        """
        pending: list[dict[str, Any]] = session.info.setdefault("congress_outbox_rows", [])
        pending.append(
            {
                "event_id": event_id,
                "topic": topic,
                "key": key,
                "value": value,
                "headers": headers,
                "created_at": datetime.now(UTC),
            }
        )


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
        async with self.engine.connect() as conn:
            await conn.execution_options(**{READ_ONLY: True})
            rows = (
                await conn.execute(
                    select(
                        outbox_table.c.id,
                        outbox_table.c.topic,
                        outbox_table.c.key,
                        outbox_table.c.value,
                        cast(outbox_table.c.headers, Text).label("headers"),  # parsed once per distinct text
                    )
                    .where(outbox_table.c.sent_at.is_(None))
                    .order_by(outbox_table.c.id)
                    .limit(self.batch_size)
                )
            ).all()
            await conn.rollback()
        if not rows:
            return 0
        if self._lease is not None:
            await self._lease.confirm()
        await self._send_all(rows)
        crash_point("relay-after-publish")
        async with write_turn(self.engine), self.engine.begin() as conn:
            await conn.execute(self._mark_sent([row.id for row in rows]), {"now": datetime.now(UTC)})
        self.published += len(rows)
        log.debug("relayed %d outbox rows", len(rows), extra={"count": len(rows)})
        return len(rows)

    async def _send_all(self, rows: Sequence[Any]) -> None:
        """Publish rows as one record batch per partition (in id order within each), and wait for every ack.

        ``send`` per row cost a future, a metadata check and a partitioner call each; a batch
        per partition is appended to directly. Keys go to the partitions ``send`` would choose.
        """
        partitions: dict[str, list[int]] = {}
        open_batches: dict[tuple[str, int], Any] = {}
        futures = []
        for row in rows:
            topic = self.topic_prefix + row.topic
            if topic not in partitions:
                partitions[topic] = sorted(await self.producer.partitions_for(topic))
            partition = _PARTITIONER(row.key, partitions[topic], partitions[topic])
            headers = self._headers(row.headers)
            batch = open_batches.get((topic, partition))
            if batch is None:
                batch = open_batches[(topic, partition)] = self.producer.create_batch()
            if batch.append(timestamp=None, key=row.key, value=row.value, headers=headers) is None:  # full
                futures.append(await self.producer.send_batch(batch, topic, partition=partition))
                batch = open_batches[(topic, partition)] = self.producer.create_batch()
                batch.append(timestamp=None, key=row.key, value=row.value, headers=headers)  # the first always fits
        for (topic, partition), batch in open_batches.items():
            futures.append(await self.producer.send_batch(batch, topic, partition=partition))
        await asyncio.gather(*futures)

    def _mark_sent(self, ids: list[int]) -> Any:
        """``UPDATE outbox SET sent_at`` for these ids: one array parameter on PostgreSQL, a list of integers on SQLite.

        (An expanding ``IN`` renders and binds a parameter per id: a third of the relay's time.)
        """
        sent = update(outbox_table).values(sent_at=bindparam("now"))
        if is_postgres(self.engine):
            return sent.where(outbox_table.c.id == any_(bindparam("ids", ids, type_=ARRAY(BigInteger))))
        return sent.where(text(f"outbox.id IN ({','.join(str(int(i)) for i in ids)})"))

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
        """Raise ``LeadershipLost`` if the lock's connection is gone (PostgreSQL released the lock with it)."""
        if self.conn is None:
            return
        try:
            await self.conn.execute(text("select 1"))
            await self.conn.commit()
        except Exception as exc:
            raise LeadershipLost(f"the relay's lock connection is gone: {exc!r}") from exc

    async def __aexit__(self, *exc: object) -> None:
        if self.conn is not None:
            with contextlib.suppress(Exception):
                await self.conn.close()


def write_staged_sync(session: Session) -> int:
    """Insert the rows staged on this session in one statement; returns how many (the unit of work calls it).

    Idempotent: the rows are taken off the session, so a second call writes nothing.
    """
    keys = staged_keys(session)
    if keys:  # before the events that use them, so the relay publishes each key first
        session.execute(insert_keys(keys))
        session.execute(outbox_table.insert(), [message for _, message in keys])
    rows = session.info.pop("congress_outbox_rows", None)
    if rows:
        connection = session.connection()
        connection.exec_driver_sql(*_insert_rows(connection.dialect.name, rows))
    return len(rows or ()) + len(keys)


async def write_staged(session: AsyncSession) -> int:
    """``write_staged_sync`` for an async session: call it last inside the transaction, before it commits."""
    keys = staged_keys(session)
    if keys:  # before the events that use them, so the relay publishes each key first
        await session.execute(insert_keys(keys))
        await session.execute(outbox_table.insert(), [message for _, message in keys])
    rows = session.info.pop("congress_outbox_rows", None)
    if rows:
        connection = await session.connection()
        await connection.exec_driver_sql(*_insert_rows(connection.dialect.name, rows))
    return len(rows or ()) + len(keys)


_INSERT = "INSERT INTO outbox (event_id, topic, key, value, headers, created_at) VALUES "
_HEADERS_JSON = json.dumps(_HEADERS)


def _insert_rows(dialect: str, rows: list[dict[str, Any]]) -> tuple[str, list[tuple[Any, ...]]]:
    """The driver's own ``executemany`` of staged rows: no per-row work of SQLAlchemy's.

    Binding each row through the table's types (JSON headers dumped, a datetime rendered per row) was a
    sixth of the kernel's CPU. Rows mostly carry the one shared header list (dumped once here), and every
    row of a statement is stamped with the moment it is written.
    """
    now: Any = datetime.now(UTC)
    if dialect == "sqlite":  # as SQLAlchemy's DateTime stores it there: UTC, no offset
        now = now.strftime("%Y-%m-%d %H:%M:%S.%f")
        sql = _INSERT + "(?, ?, ?, ?, ?, ?)"
    else:
        sql = _INSERT + "($1, $2, $3, $4, $5, $6)"
    return sql, [
        (
            row["event_id"],
            row["topic"],
            row["key"],
            row["value"],
            _HEADERS_JSON if row["headers"] is _HEADERS else json.dumps(row["headers"]),
            now,
        )
        for row in rows
    ]


def pending_rows(session: AsyncSession | Session) -> list[dict[str, Any]]:
    """Rows staged on a session and not yet inserted (the consumer trims them when a savepoint rolls back)."""
    info = session.info
    rows: list[dict[str, Any]] = info.setdefault("congress_outbox_rows", [])
    return rows
