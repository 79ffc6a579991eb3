"""Sending queued messages: claimed in one short transaction, sent with none open, recorded in another.

The queue holds every finished message not yet sent: *owed* ones (attempts 0, due at once:
a consumer batch built them; ``owed.py`` sends them right after the batch's commit) and
deferred ones (a 4xx answer or an unreachable server). A sender never holds a transaction
across an SMTP exchange: it claims messages (``NotifyUnit.claim``: their next attempt moved to
the end of a lease, so no other sender or copy finds them due), commits, hands each to the
server over one of ``connections`` concurrent SMTP sessions, and ``Recorder`` records what the
server said — several senders' results in one transaction: sent and failed messages leave the
queue (``DELETE … RETURNING``) with their ledger row and ``NotificationSent``/``Failed``, deferred
ones are rescheduled with backoff. A sender waits for its message to be recorded before it sends
the next, so a crash between a server's "250" and the record resends at most one message per
connection, with its Message-ID, once the claim has expired (the next retry pass of any copy).
A send is cut off before its claim runs out, so no other sender can claim a message still being
sent. With several copies the pass runs under the ``notify.retries`` lease (``app.py``) too.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import timedelta

from schemas.abstracts import AbstractsEvent
from schemas.base import InvalidEvent, decode
from schemas.programme import PresentationMoved, SessionScheduled
from services.common import jobs
from services.common.faults import crash_point
from services.notify.commands.dispatch import Notifier
from services.notify.commands.recorder import Recorder
from services.notify.domain.delivery import Delivery, Outcome, Queued
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
    """Works the ``notify_pending`` queue over up to ``connections`` concurrent SMTP sessions."""

    def __init__(
        self,
        notifier: Notifier,
        units: Units,
        *,
        batch: int = 50,
        connections: int = 1,
        claim_seconds: float = 30.0,
    ) -> None:
        self.notifier, self.units, self.batch = notifier, units, batch
        self.connections = connections
        self.lease = timedelta(seconds=claim_seconds)
        self.margin = self.lease / 3
        """Of a claim's lease, what is kept for recording the send: a send is cut off this long before it ends."""
        self.slots = asyncio.Semaphore(connections)
        """One per SMTP connection: a sender holds one from its send until its message is recorded."""
        self.recorder = Recorder(notifier, units)
        self.job = jobs.Job("notify.retries", self.work_due)
        self.owed_busy: Callable[[], bool] = _never
        """Whether this process's owed sender still has released messages to try (``OwedSender`` sets it)."""

    async def claim(self, message_ids: Sequence[str] | None = None, limit: int | None = None) -> list[Queued]:
        """Claim due messages (these, or any) in a transaction of its own, for one lease."""
        now = self.notifier.clock()
        async with self.units() as unit:
            return await unit.claim(
                now=now, until=now + self.lease, message_ids=message_ids, limit=limit or len(message_ids or ()) or 1
            )

    async def claim_owed(self, owed: Sequence[Queued]) -> list[Queued]:
        """Claim owed messages this process holds (built by its batches), by id, for one lease: those still due
        come back with their claim; the others are another sender's now (or gone: an erasure)."""
        now = self.notifier.clock()
        until = now + self.lease
        async with self.units() as unit:
            claimed = await unit.claim_owed([q.record.message_id for q in owed], now=now, until=until)
        return [replace(q, next_attempt_at=until) for q in owed if q.record.message_id in claimed]

    async def work_due(self) -> int:
        """One pass over the due messages, claimed a few at a time; returns how many were attempted.

        None while the owed sender still has messages to try: it sends over the same connections, and the rows it
        owes are due too (the pass would claim them, read them back and open their causes for nothing); what else
        is due (deferred mail, a dead copy's rows) waits for the next pass after it."""
        if self.owed_busy():
            return 0
        attempted = 0
        while attempted < self.batch and not self.notifier.circuit_open():
            claimed = await self.claim(limit=2 * self.connections)
            if not claimed:
                break
            outcomes = await asyncio.gather(*(self.send_claimed(q) for q in claimed))
            attempted += sum(1 for outcome in outcomes if outcome is not None)
        return attempted

    async def send_one(self, mid: str) -> str | None:
        """Claim, send and record one queued message now (a reminder's step); None if not due or another holds it."""
        claimed = await self.claim([mid])
        return await self.send_claimed(claimed[0]) if claimed else None

    async def send_claimed(self, queued: Queued) -> str | None:
        """Send a claimed message once a connection is free, and record it."""
        async with self.slots:
            return await self.send_held(queued)

    async def send_held(self, queued: Queued) -> str | None:
        """Send a claimed message (the caller holds one of ``slots``) and wait until it is recorded.

        Returns the outcome, or None when it was not tried: its claim ran out while it waited
        (the retry pass takes it when due), or the server was unreachable a moment ago (put back,
        due when the circuit closes)."""
        n = self.notifier
        left = (queued.next_attempt_at - n.clock() - self.margin).total_seconds()
        if left <= 0:
            return None
        if n.circuit_open():
            return await self.recorder.record(queued, None)
        queued = replace(queued, record=replace(queued.record, about=self._about(queued)))
        try:
            with self.recorder.sending():
                async with asyncio.timeout(left):
                    delivery = await n.attempt(queued.envelope)
        except TimeoutError:
            delivery = Delivery(Outcome.TEMPORARY, "no answer before the claim ran out", connection_failed=True)
        except Exception:  # a bug of the mailer's: the message goes back on the queue untried, the bug is logged
            await self.recorder.record(queued, None)
            raise
        if delivery.outcome is Outcome.SENT:
            crash_point("notify-after-smtp")
        return await self.recorder.record(queued, delivery)

    @staticmethod
    def _about(queued: Queued) -> str | None:
        """The abstract a message is about: kept with it, or read from its cause, which only the abstracts' and
        the programme's events can name (any other cause is not decoded for it)."""
        if queued.record.about or queued.cause_topic not in _ABOUT_TOPICS:
            return queued.record.about
        return abstract_of(queued.cause_event, queued.record.recipient_id)


def _never() -> bool:
    return False


_ABOUT_TOPICS = frozenset({AbstractsEvent.topic(), SessionScheduled.topic(), PresentationMoved.topic()})
"""The topics of the causes ``abstract_of`` can find an abstract in."""
