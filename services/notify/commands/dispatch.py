"""Dispatching a batch's messages: plan once, build each, record it as owed; the sender sends after the commit.

``begin_batch`` runs before a consumer batch's handlers, in their transaction: it reads the
batch's contacts and ledger entries in two statements and plans every message once
(``domain/batch.py``). ``handle`` is each event's command: it stages what the event teaches
(contact, unpaid marker) and, for each planned message not already in the ledger or the
queue, builds it and stages it as *owed* (a row of the retry queue, due now). Nothing
leaves the process before the batch's transaction — inbox entries, owed rows — commits.
Then the sender (``owed.py``) sends each owed message and records it (ledger row,
``NotificationSent``) in a short transaction of its own. A crash between the server's
"250 accepted" and that commit resends only the message being sent (same Message-ID), on
the next pass over the queue. A message that cannot be built fails for good at once
(``NotificationFailed``, the cause dead-lettered); the sender handles 4xx and 5xx answers
as the retry queue always did.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from schemas.abstracts import AbstractsEvent
from schemas.base import CloudEvent, EventData, encode
from schemas.notify import NotificationFailed, NotificationSent
from schemas.personal import ERASED
from schemas.programme import ProgrammeEvent
from schemas.registration import BroadcastRequested
from services.notify.commands.abstracts import on_stored_abstracts_event, remember_abstract
from services.notify.commands.broadcast import record_broadcast
from services.notify.commands.programme import on_programme_event
from services.notify.domain.batch import Planned, PlanSettings, plan_batch, plan_event
from services.notify.domain.delivery import (
    Delivery,
    Envelope,
    MessageRecord,
    Outcome,
    Queued,
    RetryPolicy,
    Undeliverable,
)
from services.notify.domain.programme import ProgrammeSettings
from services.notify.domain.rules import MessagePlan, Unpaid, awaits_payment, settles_payment
from services.notify.ports import Clock, Mailer, MessageBuilder, NotifyUnit

log = logging.getLogger("congress.notify")


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class NotifyStats:
    sent: int = 0
    deferred: int = 0
    retried_sent: int = 0
    failed: int = 0
    by_template: dict[str, int] = field(default_factory=dict)


@dataclass
class Notifier:
    """The dispatch use case and what every other notify command shares: deliver, give up, count."""

    builder: MessageBuilder
    mailer: Mailer
    message_id_domain: str
    plans: PlanSettings = field(default_factory=PlanSettings)
    programme: ProgrammeSettings = field(default_factory=ProgrammeSettings)
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    circuit_seconds: float = 5.0
    consumer_name: str = "notify"
    clock: Clock = utc_now
    rng: Callable[[], float] = random.random
    stats: NotifyStats = field(default_factory=NotifyStats)
    _circuit_until: datetime | None = None

    # ---- a batch ---------------------------------------------------------------------------------------------

    async def begin_batch(self, events: Sequence[CloudEvent[Any]], unit: NotifyUnit) -> None:
        """Read the batch's contacts and ledger entries (two statements), plan its messages once."""
        batch = unit.batch
        pairs = [(e.id, e.data) for e in events]
        batch.group(pairs)
        ids = {d for _, data in pairs if isinstance(d := getattr(data, "delegate_id", None), str)}
        unread = ids - batch.contacts.keys()
        found = await unit.load_contacts(unread)
        batch.contacts.update({delegate_id: found.get(delegate_id) for delegate_id in unread})
        batch.planned.update(plan_batch(pairs, batch, self.plans))
        mids = {p.message_id(self.message_id_domain) for planned in batch.planned.values() for p in planned.plans}
        unchecked = mids - batch.checked
        batch.known |= await unit.known_messages(unchecked)
        batch.checked |= unchecked

    async def handle(self, event: CloudEvent[Any], unit: NotifyUnit) -> list[EventData]:
        """One event's command; what it stages is undone when it fails (like its savepoint)."""
        undo = unit.checkpoint()
        try:
            return await self._handle(event, unit)
        except BaseException:
            undo()
            raise

    async def _handle(self, event: CloudEvent[Any], unit: NotifyUnit) -> list[EventData]:
        data = event.data
        if isinstance(data, BroadcastRequested):
            return await record_broadcast(self, event, unit)
        if isinstance(data, ProgrammeEvent):
            return await on_programme_event(self, event, unit)
        planned = unit.batch.planned.get(event.id) or await self._plan_now(event, unit)
        if planned is None:  # needs what notify stored first
            return await on_stored_abstracts_event(self, event, unit)
        if isinstance(data, AbstractsEvent):
            await remember_abstract(unit, data)
        self._remember(event, planned, unit)
        if planned.unknown is not None:
            return await self.give_up(unit, planned.unknown, event, planned.reason, subject="")
        emitted: list[EventData] = []
        for plan in planned.plans:
            emitted += await self.deliver(unit, plan, event)
        return emitted

    async def _plan_now(self, event: CloudEvent[Any], unit: NotifyUnit) -> Planned | None:
        """An event that came without ``begin_batch``: planned the same way, on its own."""
        delegate_id = getattr(event.data, "delegate_id", None)
        if isinstance(delegate_id, str) and delegate_id not in unit.batch.contacts:
            unit.batch.contacts[delegate_id] = (await unit.load_contacts([delegate_id])).get(delegate_id)
        return plan_event(event.id, event.data, dict(unit.batch.contacts), unit.batch, self.plans)

    def _remember(self, event: CloudEvent[Any], planned: Planned, unit: NotifyUnit) -> None:
        """Stage the newer contact the event reveals and whether a card payment is outstanding."""
        if planned.contact is not None and planned.contact.email != ERASED:  # an erased person is not remembered again
            unit.batch.contacts[planned.contact.delegate_id] = planned.contact
            unit.stage_contact(planned.contact)
        data = event.data
        if awaits_payment(data):
            unit.stage_unpaid(data.delegate_id, Unpaid(data.delegate_id, event.id, encode(event), event.time))
        elif settles_payment(data):
            unit.stage_unpaid(data.delegate_id, None)

    async def _known(self, unit: NotifyUnit, mid: str) -> bool:
        batch = unit.batch
        if mid not in batch.checked:
            batch.known |= await unit.known_messages([mid])
            batch.checked.add(mid)
        return mid in batch.known

    # ---- one message ---------------------------------------------------------------------------------------

    async def deliver(self, unit: NotifyUnit, plan: MessagePlan, cause: CloudEvent[Any]) -> list[EventData]:
        """Owe ``plan`` (sent after the commit) unless this cause already produced it; events to emit come back."""
        mid = plan.message_id(self.message_id_domain)
        if await self._known(unit, mid):
            return []
        try:
            envelope, subject = self.builder.build(plan, mid)
        except Undeliverable as exc:
            return await self.give_up(unit, plan, cause, str(exc), subject="")
        record = MessageRecord(
            message_id=mid,
            cause_event_id=plan.cause_event_id,
            template=plan.template,
            recipient_id=plan.recipient.recipient_id,
            to=envelope.recipient,
            subject=subject,
            about=plan.about,
        )
        cause_topic = type(cause.data).topic()
        unit.owe(Queued(record, envelope, encode(cause), cause_topic, 0, self.clock(), "owed: sent after the commit"))
        unit.batch.known.add(mid)
        unit.batch.checked.add(mid)
        return []

    def _record(self, unit: NotifyUnit, record: MessageRecord, *, status: str, detail: str) -> None:
        unit.stage_message(record, status=status, detail=detail, attempts=1, when=self.clock())
        unit.batch.known.add(record.message_id)
        unit.batch.checked.add(record.message_id)

    def circuit_open(self) -> bool:
        return self._circuit_until is not None and self.clock() < self._circuit_until

    async def attempt(self, envelope: Envelope) -> Delivery:
        """Hand the message to the server, unless it was unreachable a moment ago (then defer at once)."""
        now = self.clock()
        if self._circuit_until is not None and now < self._circuit_until:
            return Delivery(Outcome.TEMPORARY, "deferred: SMTP server unreachable a moment ago", connection_failed=True)
        delivery = await self.mailer.send(envelope)
        if delivery.connection_failed:
            self._circuit_until = now + timedelta(seconds=self.circuit_seconds)
        return delivery

    async def give_up(
        self,
        unit: NotifyUnit,
        plan: MessagePlan,
        cause: CloudEvent[Any],
        reason: str,
        *,
        subject: str,
        record: MessageRecord | None = None,
    ) -> list[EventData]:
        record = record or MessageRecord(
            message_id=plan.message_id(self.message_id_domain),
            cause_event_id=plan.cause_event_id,
            template=plan.template,
            recipient_id=plan.recipient.recipient_id,
            to=plan.recipient.email,
            subject=subject,
            about=plan.about,
        )
        self._record(unit, record, status="failed", detail=reason)
        self.dead_letter(unit, encode(cause), cause.subject, type(cause.data).topic(), cause.id, reason)
        return [self.failed_event(record, reason, permanent=True)]

    # ---- shared with the retry and reminder commands ------------------------------------------------------

    def dead_letter(self, unit: NotifyUnit, value: bytes, key: str, topic: str, event_id: str, reason: str) -> None:
        unit.stage_dead_letter(
            value=value,
            key=key,
            event_id=event_id,
            headers=[
                ("content-type", "application/cloudevents+json; charset=utf-8"),
                ("dlq.reason", f"notification failed: {reason}"[:2000]),
                ("dlq.consumer", self.consumer_name),
                ("dlq.topic", topic),
                ("dlq.time", self.clock().isoformat()),
            ],
        )

    def failed_event(self, record: MessageRecord, reason: str, *, permanent: bool) -> NotificationFailed:
        self._count("failed", record.template)
        log.error(
            "failed %s: %s",
            record.template,
            reason,
            extra={"event_id": record.cause_event_id, "delegate_id": record.recipient_id},
        )
        return NotificationFailed(
            recipient_id=record.recipient_id,
            template=record.template,
            cause_event_id=record.cause_event_id,
            message_id=record.message_id,
            to=record.to,
            reason=reason[:2000],
            permanent=permanent,
            abstract_id=record.about,
        )

    def sent_event(self, record: MessageRecord) -> NotificationSent:
        return NotificationSent(
            recipient_id=record.recipient_id,
            template=record.template,
            cause_event_id=record.cause_event_id,
            message_id=record.message_id,
            to=record.to,
            subject=record.subject,
            abstract_id=record.about,
        )

    def _count(self, what: str, template: str) -> None:
        setattr(self.stats, what, getattr(self.stats, what) + 1)
        if what == "sent":
            self.stats.by_template[template] = self.stats.by_template.get(template, 0) + 1
