"""Carrying organiser sign-outs between services over ``congress.sessions``.

``OutboxSignOuts`` stages ``OrganiserSignedOut`` in the service's outbox (a service with a
database: published when Kafka is there, never lost); ``DirectSignOuts`` is for the console,
which has no database: it sends from a background task, retrying until sent or until the
session would have expired anyway. ``RevocationReader`` reads the whole topic from the
beginning on every start with no consumer group (the revocations are kept in memory, so a
restarted service must read them all again) and keeps following it, together with the
compacted ``congress.organisers``, whose account snapshots it applies to the service's
``AccountDirectory`` (a deactivated account is refused as soon as its snapshot is read; an erased one,
a tombstone keyed by its id, is forgotten).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime
from typing import Any, Protocol

from aiokafka import AIOKafkaConsumer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from schemas import topics
from schemas.base import CONTENT_TYPE, InvalidEvent, decode, encode, new_event
from schemas.organisers import OrganiserAccountChanged
from schemas.sessions import OrganiserSignedOut
from services.common.broker import IDLE_FETCH_WAIT_MS, METADATA_MAX_AGE_MS, ensure_topics
from services.common.organiser_sessions import OrganiserSessions
from services.common.outbox import Outbox
from services.common.relay import make_producer
from services.common.unit_of_work import transaction

log = logging.getLogger("congress.session_events")


class SignOuts(Protocol):
    """Where a service announces that an organiser session is over."""

    async def publish(self, event: OrganiserSignedOut) -> None: ...


class OutboxSignOuts:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], outbox: Outbox) -> None:
        self.sessionmaker = sessionmaker
        self.outbox = outbox

    async def publish(self, event: OrganiserSignedOut) -> None:
        async with transaction(self.sessionmaker, self.outbox) as uow:
            uow.stage(event)


class DirectSignOuts:
    """Sends each sign-out with its own short-lived producer, retrying in the background."""

    def __init__(self, bootstrap_servers: str, *, source: str, topic_prefix: str = "", retry_seconds: float = 2.0):
        self.bootstrap_servers = bootstrap_servers
        self.source = source
        self.topic_prefix = topic_prefix
        self.retry_seconds = retry_seconds
        self._tasks: set[asyncio.Task[None]] = set()

    async def publish(self, event: OrganiserSignedOut) -> None:
        task = asyncio.create_task(self._send_until_sent(event), name="sign-out-publish")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send_until_sent(self, data: OrganiserSignedOut) -> None:
        event = new_event(data, self.source)
        delay = self.retry_seconds
        while datetime.now(UTC) < data.expires_at:
            producer = make_producer(self.bootstrap_servers, "console-sign-outs", request_timeout_ms=10_000)
            try:
                await producer.start()
                await producer.send_and_wait(
                    self.topic_prefix + topics.SESSIONS,
                    value=encode(event),
                    key=data.key().encode(),
                    headers=[("content-type", CONTENT_TYPE.encode())],
                )
                return
            except Exception as exc:  # noqa: BLE001 -- Kafka away: the sign-out is retried, not dropped
                log.warning("could not publish a sign-out (%r); retrying", exc)
            finally:
                with contextlib.suppress(Exception):
                    await producer.stop()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30.0)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


class RevocationReader:
    """Follows ``congress.sessions`` and ``congress.organisers`` from their beginning: revokes every
    session signed out there and keeps the organiser accounts current."""

    def __init__(
        self,
        bootstrap_servers: str,
        sessions: OrganiserSessions,
        *,
        topic_prefix: str = "",
        client_id: str = "congress",
        retry_seconds: float = 2.0,
    ) -> None:
        self.bootstrap_servers = bootstrap_servers
        self.sessions = sessions
        self.topic_prefix = topic_prefix
        self.client_id = client_id
        self.retry_seconds = retry_seconds
        self.applied = 0

    async def run(self) -> None:
        """Read until cancelled; when Kafka is away, try again after ``retry_seconds`` (up to 10 s)."""
        delay = self.retry_seconds
        while True:
            try:
                await self._follow()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 -- Kafka away or gone: reconnect with backoff
                log.warning("sign-out reader: Kafka not reachable (%r); next try in %.0fs", exc, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)

    async def _follow(self) -> None:
        await ensure_topics(self.bootstrap_servers, prefix=self.topic_prefix)
        consumer = AIOKafkaConsumer(
            self.topic_prefix + topics.SESSIONS,
            self.topic_prefix + topics.ORGANISERS,
            bootstrap_servers=self.bootstrap_servers,
            metadata_max_age_ms=METADATA_MAX_AGE_MS,
            client_id=f"{self.client_id}-sign-outs",
            group_id=None,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            fetch_max_wait_ms=IDLE_FETCH_WAIT_MS,  # sign-outs are rare: an idle reader asks each broker seldom
        )
        organisers = self.topic_prefix + topics.ORGANISERS
        await consumer.start()
        try:
            while True:
                batch = await consumer.getmany(timeout_ms=1000, max_records=500)
                for records in batch.values():
                    for record in records:
                        self.apply(record.value, record.key if record.topic == organisers else None)
        finally:
            await consumer.stop()

    def apply(self, value: bytes | None, account_key: bytes | None = None) -> None:
        """Revoke the session one message signs out, take an account's snapshot, or forget an erased account
        (a tombstone on ``congress.organisers``, whose key ``account_key`` the caller passes); skip anything else."""
        if value is None:
            if account_key:  # sign-outs are never tombstoned; only an account's erasure is
                self.sessions.accounts.forget(account_key.decode())
                self.applied += 1
            return
        try:
            event: Any = decode(value)
        except InvalidEvent as exc:
            log.error("sign-out reader skipped a message: %s", exc)
            return
        if isinstance(event.data, OrganiserSignedOut):
            self.sessions.revoke(event.data.session_id, event.data.expires_at.timestamp())
            self.applied += 1
        elif isinstance(event.data, OrganiserAccountChanged):
            self.sessions.accounts.apply(event.data)
            self.applied += 1
