"""Consuming events exactly once in effect: inbox, bounded retries, dead letters.

A batch of records is handled in one database transaction. Each event gets its own
SAVEPOINT, so one that fails (after ``retries`` attempts) rolls back alone and is
dead-lettered — staged through the outbox in the same transaction, so it can be
neither lost nor doubled — while the rest of the batch, and the partition, flow
on. The ids of handled events are recorded in the inbox (``inbox.py``) first thing in
that same transaction: a redelivered event changes nothing. Handlers' own rows may be
staged (``staging.py``) and the emitted events are staged in the outbox; both are written
explicitly, one statement per table, before the commit. On SQLite the kernel's writers take
turns (``db.write_turn``). A batch's offsets are committed only after its transaction
committed, in the background behind the next batch (``offsets.py``); a failure rewinds
the batch.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from faststream import AckPolicy, Context
from faststream.kafka import KafkaBroker
from faststream.kafka.message import KafkaMessage
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from schemas import topics
from schemas.base import CloudEvent, EventData, InvalidEvent, decode
from services.common.db import write_turn
from services.common.inbox import inbox_table, record_in_inbox
from services.common.key_follower import KeyFollower, decode_batch
from services.common.keyring import Keyring
from services.common.offsets import CommitBehind
from services.common.outbox import Outbox, pending_rows, write_staged
from services.common.staging import forget_staged, staged, write_staged_rows

log = logging.getLogger("congress.consumer")

__all__ = ["Decoded", "EventConsumer", "Handler", "Record", "decode_records", "inbox_table", "parse_batch"]

Handler = Callable[[CloudEvent[Any], AsyncSession], Awaitable[Iterable[EventData] | None]]
"""Does the effect of one event inside the given session; returns events to emit (staged in the outbox)."""

BatchHook = Callable[[Sequence[CloudEvent[Any]], AsyncSession], Awaitable[None]]
"""Called once per batch transaction, before the handlers, with the events they are about to handle (new to this
consumer, in order): lets a consumer read what the whole batch needs in one statement, or start slow work."""


class Record(Protocol):
    """The parts of a Kafka record the consumer reads (aiokafka's ``ConsumerRecord`` has them)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: Sequence[tuple[str, bytes]]


Decoded = tuple[Record, CloudEvent[EventData] | InvalidEvent]
"""A record and what ``schemas.decode`` made of it: the event, or why it is not one (it will be dead-lettered)."""


@dataclass
class ConsumerStats:
    handled: int = 0
    duplicates: int = 0
    dead_lettered: int = 0
    ignored: int = 0
    by_type: dict[str, int] = field(default_factory=dict)


CONFLICT_RETRIES = 8
"""How often a batch that met a concurrent transaction is rolled back and run again before the subscriber
nacks it (and Kafka delivers it again): a conflict is never the event's fault, so it is never dead-lettered."""

CONFLICT_SQLSTATES = frozenset({"40P01", "40001"})
"""PostgreSQL's deadlock_detected and serialization_failure: two copies of a service (or a copy and a web
request) took the same rows in opposite orders; the loser's whole transaction must be run again."""


def is_conflict(exc: BaseException) -> bool:
    """Whether ``exc`` is the database refusing this transaction because of another one (see above)."""
    return getattr(getattr(exc, "orig", None), "sqlstate", None) in CONFLICT_SQLSTATES


class _Conflict(Exception):
    """A handler met a concurrent transaction: the batch's whole transaction is rolled back and rerun."""


class _HandlerFailed(Exception):
    """A handler failed during an optimistic batch: roll the batch back and isolate each event."""


class EventConsumer:
    """Routes events to handlers by payload class, exactly once per consumer name."""

    def __init__(
        self,
        *,
        name: str,
        sessionmaker: async_sessionmaker[AsyncSession],
        outbox: Outbox,
        handlers: Mapping[type[EventData], Handler],
        retries: int = 3,
        backoff_seconds: float = 0.05,
        optimistic: bool = True,
        before_handlers: BatchHook | None = None,
        after_handlers: BatchHook | None = None,
        keyring: Keyring | None = None,
        key_follower: KeyFollower | None = None,
    ) -> None:
        self.name = name
        self.keyring = keyring
        """Opens personal fields at this edge (``services.common.keyring``); None leaves their tokens as they are."""
        self.key_follower = key_follower
        self.sessionmaker = sessionmaker
        self.outbox = outbox
        self.handlers = _by_type(handlers)
        self.retries = retries
        self.backoff_seconds = backoff_seconds
        self.optimistic = optimistic
        self.before_handlers = before_handlers
        self.after_handlers = after_handlers
        """Called once per batch transaction after the handlers, before the inbox rows and the commit: a consumer
        that staged writes of its own for the whole batch writes them here, explicitly (notify)."""
        self.stats = ConsumerStats()
        self.offsets = CommitBehind(name)
        bind = sessionmaker.kw.get("bind")
        self._engine: AsyncEngine | None = bind if isinstance(bind, AsyncEngine) else None

    async def handle_batch(self, records: Sequence[Record]) -> None:
        """Handle records in one transaction; raises only if the database itself fails.

        Optimistically the whole batch runs without savepoints (one database round
        trip fewer per event each way). If any handler fails, that transaction is
        rolled back and the batch runs again with a savepoint per event, so the
        failure is retried and dead-lettered alone. Handlers with effects outside
        the database (mail) set ``optimistic=False`` to run isolated from the start.
        """
        await self.handle_decoded(await self.decode(records))

    async def decode(self, records: Sequence[Record]) -> list[Decoded]:
        """Each record decoded once, personal fields opened with the keyring (``erased`` where a key is gone)."""
        return await decode_batch(records, self.keyring, self.key_follower)

    async def handle_decoded(
        self, decoded: Sequence[Decoded], handlers: Mapping[type[EventData], Handler] | None = None
    ) -> None:
        """``handle_batch`` for records already decoded (by ``decode_records``), so a consumer that looks at a
        batch before its transaction decodes each record once. ``handlers`` replaces the consumer's table for
        this batch: handlers bound to what was prepared for it (e.g. PDFs rendered before the transaction)."""
        table = self.handlers if handlers is None else _by_type(handlers)
        for attempt in range(1, CONFLICT_RETRIES + 1):
            try:
                await self._handle_decoded(decoded, table)
                return
            except Exception as exc:
                # A conflict in a handler (``_Conflict``), or in the kernel's own statements: the inbox's
                # INSERT, the staged rows and the outbox written at the commit.
                if not (isinstance(exc, _Conflict) or is_conflict(exc)) or attempt == CONFLICT_RETRIES:
                    raise  # the subscriber nacks: Kafka gives the batch again, nothing is dead-lettered
                log.info(
                    "batch met a concurrent transaction (%r); rolled back whole, running it again",
                    exc.__cause__ if isinstance(exc, _Conflict) else exc,
                    extra={"consumer": self.name, "attempt": attempt},
                )
                # Random, so two copies that deadlocked on the same rows do not meet again in step.
                await asyncio.sleep(random.uniform(0.05, 0.25) * attempt)

    async def _handle_decoded(self, decoded: Sequence[Decoded], table: Mapping[str, Handler]) -> None:
        if self.optimistic:
            try:
                self._commit_stats(await self._run_batch(decoded, table, isolated=False))
                return
            except _HandlerFailed:
                pass  # rolled back whole; run again one savepoint per event
        self._commit_stats(await self._run_batch(decoded, table, isolated=True))

    async def _run_batch(
        self, decoded: Sequence[Decoded], table: Mapping[str, Handler], *, isolated: bool
    ) -> ConsumerStats:
        stats = ConsumerStats()
        async with write_turn(self._engine), self.sessionmaker() as session:
            try:
                async with session.begin():
                    written = await self._in_transaction(session, decoded, table, stats, isolated=isolated)
            finally:
                forget_staged(session)
        if written:
            self.outbox.wakeup.set()
        return stats

    async def _in_transaction(
        self,
        session: AsyncSession,
        decoded: Sequence[Decoded],
        table: Mapping[str, Handler],
        stats: ConsumerStats,
        *,
        isolated: bool,
    ) -> int:
        wanted = _wanted(decoded, table)
        new = await record_in_inbox(session, self.name, list(wanted))
        to_handle = [event for event_id, event in wanted.items() if event_id in new]
        if self.before_handlers is not None:
            await self.before_handlers(to_handle, session)
        for record, item in decoded:
            if isinstance(item, InvalidEvent):
                self._dead_letter(session, record, str(item), event_id="", stats=stats)
                continue
            handler = table.get(item.type)
            if handler is None:
                stats.ignored += 1
                continue
            if item.id not in new:
                stats.duplicates += 1
                continue
            new.discard(item.id)  # the same event twice in one batch is handled once
            if isolated:
                await self._handle_isolated(session, record, item, handler, stats)
            else:
                await self._handle_optimistic(session, item, handler, stats)
        if not isolated:
            await self._write_staged_rows(session)
        if self.after_handlers is not None:
            await self.after_handlers(to_handle, session)
        return await write_staged(session)  # the batch's events, in one statement, before the commit

    def _commit_stats(self, stats: ConsumerStats) -> None:
        """Count only what a committed transaction did."""
        self.stats.handled += stats.handled
        self.stats.duplicates += stats.duplicates
        self.stats.dead_lettered += stats.dead_lettered
        self.stats.ignored += stats.ignored
        for event_type, n in stats.by_type.items():
            self.stats.by_type[event_type] = self.stats.by_type.get(event_type, 0) + n

    async def _handle_optimistic(
        self, session: AsyncSession, event: CloudEvent[Any], handler: Handler, stats: ConsumerStats
    ) -> None:
        try:
            emitted = await handler(event, session)
        except Exception as exc:
            if is_conflict(exc):
                raise _Conflict from exc  # not the event's fault: the whole batch runs again as it was
            log.info(
                "handler failed in an optimistic batch; isolating: %r",
                exc,
                extra={"event_id": event.id, "event_type": event.type, "consumer": self.name},
            )
            raise _HandlerFailed from exc
        for data in emitted or ():
            self.outbox.stage(session, data)
        stats.handled += 1
        stats.by_type[event.type] = stats.by_type.get(event.type, 0) + 1

    async def _write_staged_rows(self, session: AsyncSession) -> None:
        """Write the rows the handlers staged (``stage_insert``); a failure isolates each event, as a handler's does."""
        try:
            await write_staged_rows(session)
        except Exception as exc:
            if is_conflict(exc):
                raise _Conflict from exc
            log.info("staged rows failed in an optimistic batch; isolating: %r", exc, extra={"consumer": self.name})
            raise _HandlerFailed from exc

    async def _handle_isolated(
        self, session: AsyncSession, record: Record, event: CloudEvent[Any], handler: Handler, stats: ConsumerStats
    ) -> None:
        """Handle in a savepoint with retries; dead-letter after the last (it counts as handled in the inbox)."""
        context = {"event_id": event.id, "event_type": event.type, "subject": event.subject, "consumer": self.name}
        last_error: BaseException | None = None
        for attempt in range(1, self.retries + 1):
            outgoing, rows = len(pending_rows(session)), len(staged(session))
            try:
                async with session.begin_nested():
                    emitted = await handler(event, session)
                    await write_staged_rows(session)
                    for data in emitted or ():
                        self.outbox.stage(session, data)
                stats.handled += 1
                stats.by_type[event.type] = stats.by_type.get(event.type, 0) + 1
                return
            except Exception as exc:
                del pending_rows(session)[outgoing:]
                del staged(session)[rows:]
                if is_conflict(exc):
                    # Locks taken for earlier events of this batch stay held across a savepoint's rollback, so
                    # retrying here would deadlock again: the whole transaction must go (handle_batch reruns it).
                    raise _Conflict from exc
                last_error = exc
                log.warning("handler failed (attempt %d of %d): %r", attempt, self.retries, exc, extra=context)
                if attempt < self.retries:
                    await asyncio.sleep(self.backoff_seconds * 2 ** (attempt - 1))
        self._dead_letter(
            session, record, f"handler failed {self.retries} times: {last_error!r}", event_id=event.id, stats=stats
        )

    def _dead_letter(
        self, session: AsyncSession, record: Record, reason: str, *, event_id: str, stats: ConsumerStats
    ) -> None:
        stats.dead_lettered += 1
        log.error(
            "dead-lettered: %s",
            reason,
            extra={
                "event_id": event_id,
                "consumer": self.name,
                "topic": record.topic,
                "partition": record.partition,
                "offset": record.offset,
            },
        )
        original = [(name, value.decode("utf-8", "replace")) for name, value in record.headers or ()]
        self.outbox.add_raw(
            session,
            topic=topics.DEADLETTER,
            key=record.key,
            value=record.value,
            event_id=event_id,
            headers=[
                *original,
                ("dlq.reason", reason[:2000]),
                ("dlq.consumer", self.name),
                ("dlq.topic", record.topic),
                ("dlq.partition", str(record.partition)),
                ("dlq.offset", str(record.offset)),
                ("dlq.time", datetime.now(UTC).isoformat()),
            ],
        )

    def subscribe(self, broker: KafkaBroker, *topic_names: str, max_records: int = 500, topic_prefix: str = "") -> Any:
        """Attach this consumer to a broker as a FastStream batch subscriber.

        The consumer group is the topic prefix plus the name: a prefix is a deployment, so two
        deployments (or two test runs) on one broker never share a group's membership.
        """

        async def on_events(message: KafkaMessage = Context("message")) -> None:
            records = _flatten(message.raw_message)
            try:
                await self.handle_batch(records)
            except BaseException:
                await message.nack()  # rewind every partition of the batch to its first record
                raise
            self.offsets.commit(message.consumer, records)  # behind the next batch (offsets.py)

        on_events.__name__ = f"on_{self.name.replace('-', '_')}_events"
        return broker.subscriber(
            *(topic_prefix + name for name in topic_names),
            group_id=topic_prefix + self.name,
            batch=True,
            max_records=max_records,
            auto_offset_reset="earliest",
            # Offsets are committed (behind the next batch) only after the batch's transaction committed, and
            # a failure rewinds the batch: both done by on_events, so FastStream acks nothing itself.
            ack_policy=AckPolicy.MANUAL,
            # The records are decoded (and validated) once, by schemas.decode; skip FastStream's parsing.
            parser=parse_batch,
            decoder=_raw_body,
            title=f"{self.name}:{'+'.join(topic_names)}",
        )(on_events)


def decode_records(records: Sequence[Record]) -> list[Decoded]:
    """Each record decoded once (``schemas.decode``): its event, or the ``InvalidEvent`` saying why not."""
    decoded: list[Decoded] = []
    for record in records:
        try:
            decoded.append((record, decode(record.value)))
        except InvalidEvent as exc:
            decoded.append((record, exc))
    return decoded


def _wanted(decoded: Sequence[Decoded], table: Mapping[str, Handler]) -> dict[str, CloudEvent[Any]]:
    """The batch's events the table has a handler for, by id, in order (first of repeats)."""
    out: dict[str, CloudEvent[Any]] = {}
    for _, item in decoded:
        if isinstance(item, CloudEvent) and item.type in table:
            out.setdefault(item.id, item)
    return out


def _by_type(handlers: Mapping[type[EventData], Handler]) -> dict[str, Handler]:
    return {model.event_type(): handler for model, handler in handlers.items()}


def _flatten(raw: Any) -> list[Record]:
    """A batch's records: a tuple of records from aiokafka; the in-memory test broker nests them in lists."""
    if not isinstance(raw, (tuple, list)):
        return [raw]
    return [record for item in raw for record in _flatten(item)]


async def parse_batch(records: Any, parse: Callable[[Any], Awaitable[Any]]) -> Any:
    """FastStream parser of a batch that reads only its first record's headers (``handle_batch`` reads the rest).

    FastStream's own parser decodes every record's headers into a dict and collects every
    body, which the kernel never looks at. The message keeps every record (``raw_message``):
    its ``nack`` rewinds each partition to the batch's earliest record.
    """
    if not isinstance(records, tuple) or len(records) < 2:
        return await parse(records)
    message = await parse(records[:1])
    message.raw_message = records
    return message


async def _raw_body(message: Any) -> Any:
    """FastStream decoder that leaves the body alone: ``handle_batch`` reads the raw records itself."""
    return None
