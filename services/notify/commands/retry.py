"""Sending queued messages: owed ones once their batch committed, deferred ones again with backoff.

The queue holds every finished message not yet sent: *owed* ones (attempts 0, due at once:
a consumer batch built them; ``owed.py`` sends them right after the batch's commit) and
deferred ones (a 4xx answer or an unreachable server). Each message is tried in its own short
transaction: taken (locked), handed to the server, then dropped and recorded (ledger row,
``NotificationSent``) in that transaction's commit — a crash between the server's "250" and the
commit resends that one message, with its Message-ID, on the next pass. A pass holds
neither the database nor other delegates' mail for long. With several copies, the
pass runs under the ``notify.retries`` lease (``app.py``), and a queued message is taken
only while still due (another copy may have tried it meanwhile).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta

from schemas.abstracts import AbstractsEvent
from schemas.base import InvalidEvent, decode
from schemas.programme import PresentationMoved, SessionScheduled
from services.common import jobs
from services.common.faults import crash_point
from services.notify.commands.dispatch import Notifier
from services.notify.domain.delivery import Outcome
from services.notify.domain.programme import first_presentation
from services.notify.ports import Units

log = logging.getLogger("congress.notify")


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

    def __init__(self, notifier: Notifier, units: Units, *, batch: int = 50) -> None:
        self.notifier, self.units, self.batch = notifier, units, batch
        self.job = jobs.Job("notify.retries", self.work_due)

    async def work_due(self) -> int:
        """One pass over the due messages; returns how many were attempted."""
        async with self.units() as unit:
            due = await unit.due(self.notifier.clock(), self.batch)
        attempted = 0
        for mid in due:
            outcome = await self._retry_one(mid)
            if outcome is None:
                continue
            attempted += 1
            if outcome == "unreachable":
                break  # the server is down: the rest wait for their own next attempt
        return attempted

    async def send_one(self, mid: str) -> str | None:
        """Take, send and record one queued message now (the owed sender's step); None if another holds it."""
        return await self._retry_one(mid)

    async def _retry_one(self, mid: str) -> str | None:
        n = self.notifier
        async with self.units() as unit:
            queued = await unit.take(mid, due_by=n.clock())
            if queued is None:
                return None
            about = queued.record.about or abstract_of(queued.cause_event, queued.record.recipient_id)
            record = replace(queued.record, about=about)
            delivery = await n.attempt(queued.envelope)
            attempts = queued.attempts + 1
            if delivery.outcome is Outcome.SENT:
                crash_point("notify-after-smtp")
                log.info("sent %s", record.template, extra={"message_id": mid, "attempts": attempts})
                await unit.drop(mid)
                unit.stage_message(record, status="sent", detail=delivery.detail, attempts=attempts, when=n.clock())
                unit.stage(n.sent_event(record))
                n.stats.retried_sent += 1 if attempts > 1 else 0
                n.stats.sent += 1
                return "sent"
            if delivery.outcome is Outcome.TEMPORARY and not n.policy.gives_up_after(attempts):
                next_at = n.clock() + timedelta(seconds=n.policy.delay(attempts, n.rng()))
                await unit.reschedule(mid, attempts, next_at, delivery.detail)
                return "unreachable" if delivery.connection_failed else "deferred"
            await unit.drop(mid)
            reason = (
                delivery.detail
                if delivery.outcome is Outcome.PERMANENT
                else f"gave up after {attempts} attempts: {delivery.detail}"
            )
            unit.stage_message(record, status="failed", detail=reason, attempts=attempts, when=n.clock())
            n.dead_letter(
                unit, queued.cause_event, record.recipient_id, queued.cause_topic, record.cause_event_id, reason
            )
            unit.stage(n.failed_event(record, reason, permanent=delivery.outcome is Outcome.PERMANENT))
            return "failed"
