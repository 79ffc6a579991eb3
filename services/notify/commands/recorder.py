"""Recording what the SMTP server said about claimed messages: several senders' results in one transaction.

Each sender hands its result to ``Recorder.record`` and waits: results that arrive while a
transaction is being written, or while the sends under way finish, go together in the next one
(a group commit). In it, sent and
failed messages leave the queue in one ``DELETE … RETURNING`` — only those still there get their
ledger row and ``NotificationSent``/``NotificationFailed`` (another sender that found its claim
expired and sent again records nothing twice) — and deferred or untried ones go back on the
queue in one executemany, each only while its claim is still the one it was given.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

from services.notify.commands.dispatch import Notifier
from services.notify.domain.delivery import Deferral, Delivery, Outcome, Queued
from services.notify.ports import NotifyUnit, Units

log = logging.getLogger("congress.notify")


@dataclass(frozen=True)
class _Result:
    queued: Queued
    delivery: Delivery | None
    """None: not tried (the server was unreachable a moment ago)."""
    done: asyncio.Future[str | None]


class Recorder:
    """Writes the results of sends, batched per transaction; each sender waits for its own.

    Before it writes, it lets the sends under way finish (at most ``gather_seconds``): a sender keeps its
    connection until its message is recorded, so they all end up waiting for the same transaction.
    """

    def __init__(self, notifier: Notifier, units: Units, *, gather_seconds: float = 0.05) -> None:
        self.notifier, self.units, self.gather_seconds = notifier, units, gather_seconds
        self._waiting: list[_Result] = []
        self._writer: asyncio.Task[None] | None = None
        self._in_flight = 0
        self._quiet = asyncio.Event()

    @contextlib.contextmanager
    def sending(self) -> Iterator[None]:
        """Around a send whose result will be recorded: the next transaction waits a moment for it."""
        self._in_flight += 1
        try:
            yield
        finally:
            self._in_flight -= 1
            if not self._in_flight:
                self._quiet.set()

    async def record(self, queued: Queued, delivery: Delivery | None) -> str | None:
        """Record one result; returns the outcome (sent, deferred, unreachable, failed; None if untried)."""
        done: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()
        self._waiting.append(_Result(queued, delivery, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_all(), name="notify-recorder")
        return await asyncio.shield(done)

    async def _write_all(self) -> None:
        while self._waiting:
            if self._in_flight:
                self._quiet.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._quiet.wait(), self.gather_seconds)
            group, self._waiting = self._waiting, []
            try:
                outcomes = await self._write(group)
            except Exception as exc:  # every sender of the group learns it; their claims expire and they are retried
                log.exception("recording %d sent messages failed", len(group))
                for result in group:
                    if not result.done.done():
                        result.done.set_exception(exc)
                continue
            for result, outcome in zip(group, outcomes, strict=True):
                if not result.done.done():
                    result.done.set_result(outcome)

    async def _write(self, group: list[_Result]) -> list[str | None]:
        gone = [r.queued.record.message_id for r in group if r.delivery is not None and self._leaves(r.delivery, r)]
        outcomes: list[str | None] = []
        async with self.units() as unit:
            settled = await unit.settle(gone)
            deferrals: list[Deferral] = []
            for result in group:
                outcome, deferral = self._outcome(unit, result, result.queued.record.message_id in settled)
                outcomes.append(outcome)
                if deferral is not None:
                    deferrals.append(deferral)
            await unit.defer(deferrals)
        return outcomes

    def _leaves(self, delivery: Delivery, result: _Result) -> bool:
        """Sent, or failed for good: the message leaves the queue."""
        if delivery.outcome is Outcome.SENT:
            return True
        attempts = result.queued.attempts + 1
        return delivery.outcome is Outcome.PERMANENT or self.notifier.policy.gives_up_after(attempts)

    def _outcome(self, unit: NotifyUnit, result: _Result, settled: bool) -> tuple[str | None, Deferral | None]:
        n, queued, delivery = self.notifier, result.queued, result.delivery
        record, mid, now = queued.record, queued.record.message_id, n.clock()
        if delivery is None:  # untried: back on the queue once the circuit has closed, no attempt counted
            later = now + timedelta(seconds=n.circuit_seconds)
            return None, Deferral(mid, queued.next_attempt_at, queued.attempts, later, queued.last_error)
        attempts = queued.attempts + 1
        if not self._leaves(delivery, result):
            next_at = now + timedelta(seconds=n.policy.delay(attempts, n.rng()))
            outcome = "unreachable" if delivery.connection_failed else "deferred"
            return outcome, Deferral(mid, queued.next_attempt_at, attempts, next_at, delivery.detail)
        sent = delivery.outcome is Outcome.SENT
        if not settled:  # another sender recorded it (its claim had run out): nothing to record twice
            log.warning("a claimed message was no longer queued when recorded", extra={"message_id": mid})
            return ("sent" if sent else "failed"), None
        if sent:
            log.info("sent %s", record.template, extra={"message_id": mid, "attempts": attempts})
            unit.stage_message(record, status="sent", detail=delivery.detail, attempts=attempts, when=now)
            unit.stage(n.sent_event(record))
            n.stats.retried_sent += 1 if attempts > 1 else 0
            n.stats.sent += 1
            return "sent", None
        permanent = delivery.outcome is Outcome.PERMANENT
        reason = delivery.detail if permanent else f"gave up after {attempts} attempts: {delivery.detail}"
        unit.stage_message(record, status="failed", detail=reason, attempts=attempts, when=now)
        n.dead_letter(unit, queued.cause_event, record.recipient_id, queued.cause_topic, record.cause_event_id, reason)
        unit.stage(n.failed_event(record, reason, permanent=permanent))
        return "failed", None
