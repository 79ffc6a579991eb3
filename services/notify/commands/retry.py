"""notify's periodic work: retrying deferred messages, and reminding card payers who have not paid.

Each item is handled in its own short transaction, so neither task holds the
database (or other delegates' mail) for long.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from schemas.abstracts import AbstractsEvent
from schemas.base import InvalidEvent, decode
from schemas.programme import PresentationMoved, SessionScheduled
from schemas.registration import RegistrationCreatedFields
from services.common import jobs
from services.notify.adapters import db
from services.notify.adapters.compose import Envelope
from services.notify.commands.dispatch import Notifier
from services.notify.domain.programme import first_presentation
from services.notify.domain.rules import Outcome, reminder_plan

log = logging.getLogger("congress.notify.tasks")


def engine_of(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncEngine:
    """The engine the sessions are bound to (where the jobs' leases are taken)."""
    bind = sessionmaker.kw["bind"]
    assert isinstance(bind, AsyncEngine)  # noqa: S101 -- made by services.common.db.make_sessionmaker
    return bind


def abstract_of(cause_event: bytes, recipient_id: str = "") -> str | None:
    """The abstract a queued message is about (for its NotificationSent/Failed), read from its cause."""
    try:
        data = decode(cause_event).data
    except InvalidEvent:
        return None
    if isinstance(data, SessionScheduled):
        return first_presentation(data, recipient_id)
    return data.abstract_id if isinstance(data, (AbstractsEvent, PresentationMoved)) else None


class RetryWorker:
    """Works the ``notify_pending`` queue: due messages are sent again, with backoff, until they go or give up."""

    def __init__(
        self,
        notifier: Notifier,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        poll_seconds: float = 1.0,
        batch: int = 50,
    ) -> None:
        self.notifier, self.sessionmaker = notifier, sessionmaker
        self.poll_seconds, self.batch = poll_seconds, batch
        self.job = jobs.Job("notify.retries", self.work_due)

    async def run(self) -> None:
        """A pass every ``poll_seconds``, under the job's lease: with several copies, one of them works the queue."""
        while True:
            await jobs.run_all(engine_of(self.sessionmaker), [self.job])
            await asyncio.sleep(self.poll_seconds)

    async def work_due(self) -> int:
        """One pass over the due messages; returns how many were attempted."""
        async with self.sessionmaker() as session:
            due = await db.due_pending(session, self.notifier.clock(), self.batch)
        attempted = 0
        for mid in due:
            outcome = await self._retry_one(mid)
            if outcome is None:
                continue
            attempted += 1
            if outcome == "unreachable":
                break  # the server is down: the rest wait for their own next attempt
        return attempted

    async def _retry_one(self, mid: str) -> str | None:
        n = self.notifier
        async with self.sessionmaker() as session, session.begin():
            row = await db.take_pending(session, mid, due_by=n.clock())
            if row is None:
                return None
            record = replace(db.record_of(row), about=abstract_of(row.cause_event, row.recipient_id))
            delivery = await n.attempt(
                Envelope(sender=row.sender, recipient=row.to, message=row.message, smtputf8=row.smtputf8)
            )
            attempts = row.attempts + 1
            if delivery.outcome is Outcome.SENT:
                await db.drop_pending(session, mid)
                await db.record_message(
                    session, record, status="sent", detail=delivery.detail, attempts=attempts, when=n.clock()
                )
                n.outbox.add(session, n.sent_event(record))
                n.stats.retried_sent += 1
                n.stats.sent += 1
                return "sent"
            if delivery.outcome is Outcome.TEMPORARY and not n.policy.gives_up_after(attempts):
                next_at = n.clock() + timedelta(seconds=n.policy.delay(attempts, n.rng()))
                await db.reschedule(session, mid, attempts, next_at, delivery.detail)
                return "unreachable" if delivery.connection_failed else "deferred"
            await db.drop_pending(session, mid)
            reason = (
                delivery.detail
                if delivery.outcome is Outcome.PERMANENT
                else f"gave up after {attempts} attempts: {delivery.detail}"
            )
            await db.record_message(session, record, status="failed", detail=reason, attempts=attempts, when=n.clock())
            n.dead_letter(session, row.cause_event, record.recipient_id, row.cause_topic, record.cause_event_id, reason)
            n.outbox.add(session, n.failed_event(record, reason, permanent=delivery.outcome is Outcome.PERMANENT))
            return "failed"


class Reminders:
    """Reminds delegates who chose to pay by card and have not paid after ``delay``."""

    def __init__(
        self,
        notifier: Notifier,
        sessionmaker: async_sessionmaker[AsyncSession],
        *,
        delay: timedelta,
        poll_seconds: float = 300.0,
        batch: int = 100,
    ) -> None:
        self.notifier, self.sessionmaker = notifier, sessionmaker
        self.delay, self.poll_seconds, self.batch = delay, poll_seconds, batch
        self.job = jobs.Job("notify.reminders", self.remind_due)

    async def run(self) -> None:
        """A pass every ``poll_seconds``, under the job's lease (one copy reminds at a time)."""
        while True:
            await jobs.run_all(engine_of(self.sessionmaker), [self.job])
            await asyncio.sleep(self.poll_seconds)

    async def remind_due(self) -> int:
        n = self.notifier
        async with self.sessionmaker() as session:
            rows = await db.unpaid_due(session, n.clock() - self.delay, self.batch)
        reminded = 0
        for row in rows:
            async with self.sessionmaker() as session, session.begin():
                if not await db.mark_reminded(session, row.delegate_id, n.clock()):
                    continue
                contact = await db.load_contact(session, row.delegate_id)
                cause = decode(row.event)
                if contact is None or not isinstance(cause.data, RegistrationCreatedFields):
                    continue
                for data in await n.deliver(session, reminder_plan(contact, cause.id, cause.data), cause):
                    n.outbox.add(session, data)
                reminded += 1
        return reminded
