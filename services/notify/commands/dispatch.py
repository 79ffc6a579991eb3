"""What notify does with an event: remember contacts, plan messages, send each once per cause.

``Notifier.on_event`` is the consumer's handler: it runs inside the transaction
that records the event in the inbox, and the SMTP send happens before that commit.
So a redelivered event sends nothing, and the only way to send twice is a crash
between the server's "250 accepted" and the commit; the resend then carries the
same Message-ID. A temporary failure does not hold the partition: the finished
message goes to the ``notify_pending`` queue (committed with the inbox entry) and
the retry task works it with backoff. A permanent failure emits
``NotificationFailed`` and puts the causing event on the dead-letter topic.

A batch is worked as a batch: ``begin_batch`` (the consumer's ``before_handlers`` hook)
reads what its events need in two statements and starts building and sending its mail in
the background (``ahead.py``); each handler awaits the answer for its own Message-ID, and
what the handlers write is staged and written once per batch at the commit (``staging.py``).
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.headerregistry import Address
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from schemas import topics
from schemas.abstracts import AbstractsEvent
from schemas.access import LinkSentFields
from schemas.base import CloudEvent, EventData, encode
from schemas.notify import NotificationFailed, NotificationSent
from schemas.programme import ProgrammeEvent
from schemas.registration import PresenterEvent
from services.common.faults import crash_point
from services.common.outbox import Outbox, flush_at_outermost_commit
from services.common.sealing import SealBroken
from services.notify.adapters import db, staging
from services.notify.adapters.compose import Attachment, Envelope, InvalidAddress, compose
from services.notify.adapters.files import MissingDocument
from services.notify.adapters.opened import opened_links
from services.notify.adapters.render import Renderer
from services.notify.commands import batch as batching
from services.notify.commands.abstracts import on_abstracts_event
from services.notify.commands.ahead import SendAhead
from services.notify.commands.links import on_link_sent
from services.notify.commands.presenters import on_presenters_event
from services.notify.commands.programme import on_programme_event
from services.notify.domain.abstracts import AbstractsSettings
from services.notify.domain.programme import ProgrammeSettings
from services.notify.domain.rules import (
    RULES,
    Contact,
    Delivery,
    MessagePlan,
    Outcome,
    Recipient,
    RetryPolicy,
    UnknownRecipient,
    awaits_payment,
    contact_from,
    newer_contact,
    plan_messages,
    settles_payment,
)
from services.notify.ports import Clock, Documents, Mailer

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
    renderer: Renderer
    mailer: Mailer
    documents: Documents
    outbox: Outbox
    sender: Address
    message_id_domain: str
    links: Mapping[str, str] = field(default_factory=dict)
    link_secret: str = ""
    """Opens the links producers sealed for notify (the congress secret; ``opened.py``)."""
    abstracts: AbstractsSettings = field(default_factory=AbstractsSettings)
    programme: ProgrammeSettings = field(default_factory=ProgrammeSettings)
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    attachment_max_bytes: int = 5_000_000
    circuit_seconds: float = 5.0
    consumer_name: str = "notify"
    clock: Clock = utc_now
    rng: Callable[[], float] = random.random
    stats: NotifyStats = field(default_factory=NotifyStats)
    _circuit_until: datetime | None = None
    send_ahead: bool = True
    """Build and send a batch's mail in the background while its handlers run (ahead.py)."""
    smtp_senders: int = 1
    _ahead: SendAhead | None = None

    def __post_init__(self) -> None:
        if self.send_ahead:
            self._ahead = SendAhead(self.build, self.attempt, senders=self.smtp_senders)

    # ---- the consumer's hooks ----------------------------------------------------------------------------

    async def begin_batch(self, events: Sequence[CloudEvent[Any]], session: AsyncSession) -> None:
        """Before a batch's handlers: read its contacts and ledger entries in two statements, start sending ahead."""
        flush_at_outermost_commit(session)  # NotificationSent rows: one statement for the batch
        writes = await batching.read_batch(session, events, self.message_id_domain, self.abstracts)
        if self._ahead is not None and not self.circuit_open():
            plans = batching.plans_ahead(events, writes, self.links, self.message_id_domain, self.abstracts)
            await self._ahead.start(plans)

    async def close(self) -> None:
        if self._ahead is not None:
            await self._ahead.close()

    async def on_event(self, event: CloudEvent[Any], session: AsyncSession) -> list[EventData]:
        """The consumer's handler; what it stages for the database is undone when it fails (like its savepoint)."""
        writes = staging.staged(session)
        before = writes.snapshot()
        try:
            return await self._on_event(event, session)
        except BaseException:
            staging.staged(session).restore(before)
            raise

    async def _on_event(self, event: CloudEvent[Any], session: AsyncSession) -> list[EventData]:
        data = event.data
        if isinstance(data, LinkSentFields):
            return await on_link_sent(self, event, session)
        if isinstance(data, AbstractsEvent):
            return await on_abstracts_event(self, event, session)
        if isinstance(data, ProgrammeEvent):
            return await on_programme_event(self, event, session)
        if isinstance(data, PresenterEvent):
            return await on_presenters_event(self, event, session)
        await self._remember(session, event)
        if type(data) not in RULES:
            return []
        contact = await self._contact(session, data.delegate_id)
        try:
            plans = plan_messages(data, event.id, contact, self.links)
        except UnknownRecipient as exc:
            template = RULES[type(data)][0].template
            recipient = Recipient(recipient_id=data.delegate_id, email="")
            plan = MessagePlan(template=template, cause_event_id=event.id, recipient=recipient, context={})
            return await self.give_up(session, plan, event, str(exc), subject="")
        emitted: list[EventData] = []
        for plan in plans:
            emitted += await self.deliver(session, plan, event)
        return emitted

    async def _remember(self, session: AsyncSession, event: CloudEvent[Any]) -> None:
        """Keep the delegate's contact details and whether a card payment is outstanding (staged for the commit)."""
        data = event.data
        incoming = contact_from(data)
        if incoming is not None and newer_contact(await self._contact(session, incoming.delegate_id), incoming):
            staging.stage_contact(session, incoming)
        if awaits_payment(data):
            row = {
                "delegate_id": data.delegate_id,
                "cause_event_id": event.id,
                "event": encode(event),
                "created_at": event.time,
                "reminded_at": None,
            }
            staging.stage_unpaid(session, data.delegate_id, row)
        elif settles_payment(data):
            staging.stage_unpaid(session, data.delegate_id, None)

    async def _contact(self, session: AsyncSession, delegate_id: str) -> Contact | None:
        """The contact as stored or as this batch left it; read once per batch (begin_batch reads them all)."""
        writes = staging.staged(session)
        if delegate_id not in writes.contacts:
            contact = await db.load_contact(session, delegate_id)
            writes.contacts[delegate_id] = contact
            if contact is not None:
                writes.stored.add(delegate_id)
        return writes.contacts[delegate_id]

    async def _known(self, session: AsyncSession, mid: str) -> bool:
        writes = staging.staged(session)
        if mid not in writes.checked:
            if await db.known_message(session, mid):
                writes.known.add(mid)
            writes.checked.add(mid)
        return mid in writes.known

    # ---- one message ---------------------------------------------------------------------------------------

    async def deliver(self, session: AsyncSession, plan: MessagePlan, cause: CloudEvent[Any]) -> list[EventData]:
        """Send ``plan`` unless this cause already produced it; events to emit come back."""
        mid = plan.message_id(self.message_id_domain)
        if await self._known(session, mid):
            return []
        extra = {"event_id": cause.id, "delegate_id": plan.recipient.recipient_id, "template": plan.template}
        ahead = await self._ahead.answer(mid, plan.recipient) if self._ahead is not None else None
        if ahead is not None:
            envelope, subject, delivery = ahead.envelope, ahead.subject, ahead.delivery
        else:
            try:
                envelope, subject = self.build(plan, mid)
            except (InvalidAddress, MissingDocument, SealBroken) as exc:
                return await self.give_up(session, plan, cause, str(exc), subject="")
            delivery = await self.attempt(envelope)
        record = db.MessageRecord(
            message_id=mid,
            cause_event_id=plan.cause_event_id,
            template=plan.template,
            recipient_id=plan.recipient.recipient_id,
            to=envelope.recipient,
            subject=subject,
            about=plan.about,
        )
        if delivery.outcome is Outcome.SENT:
            crash_point("notify-after-smtp")
            staging.stage_message(session, record, status="sent", detail=delivery.detail, attempts=1, when=self.clock())
            self._count("sent", plan.template)
            log.info("sent %s", plan.template, extra={**extra, "message_id": mid})
            return [self.sent_event(record)]
        if delivery.outcome is Outcome.TEMPORARY:
            await self._defer(session, record, envelope, cause, delivery)
            log.warning("deferred %s: %s", plan.template, delivery.detail, extra=extra)
            return []
        return await self.give_up(session, plan, cause, delivery.detail, subject=subject, record=record)

    def build(self, plan: MessagePlan, mid: str) -> tuple[Envelope, str]:
        attachments, documents = self._documents(plan)
        opened = opened_links(self.link_secret, plan.context)
        context = {**plan.context, **opened, "recipient": plan.recipient, "documents": documents}
        rendered = self.renderer.render(plan.template, plan.recipient.language, context)
        envelope = compose(
            rendered=rendered,
            sender=self.sender,
            to_name=plan.recipient.name,
            to_address=plan.recipient.email,
            message_id=mid,
            date=self.clock(),
            attachments=attachments,
            extra_headers=(("X-Congress-Template", plan.template), ("X-Congress-Cause", plan.cause_event_id)),
        )
        return envelope, rendered.subject

    def _documents(self, plan: MessagePlan) -> tuple[tuple[Attachment, ...], list[dict[str, Any]]]:
        attachments: list[Attachment] = []
        shown: list[dict[str, Any]] = []
        for doc in plan.documents:
            if doc.location.startswith(("http://", "https://")):
                shown.append({"filename": doc.filename, "attached": False, "link": doc.location})
                continue
            content = self.documents.read(doc.location, self.attachment_max_bytes)
            if content is None:
                shown.append({"filename": doc.filename, "attached": False, "link": doc.fallback_link})
            else:
                attachments.append(Attachment(filename=doc.filename, content=content))
                shown.append({"filename": doc.filename, "attached": True, "link": None})
        return tuple(attachments), shown

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

    async def _defer(
        self,
        session: AsyncSession,
        record: db.MessageRecord,
        envelope: Envelope,
        cause: CloudEvent[Any],
        delivery: Delivery,
    ) -> None:
        next_at = self.clock() + timedelta(seconds=self.policy.delay(1, self.rng()))
        await db.add_pending(
            session,
            record,
            {
                "sender": envelope.sender,
                "message": envelope.message,
                "smtputf8": envelope.smtputf8,
                "cause_event": encode(cause),
                "cause_topic": type(cause.data).topic(),
                "attempts": 1,
                "next_attempt_at": next_at,
                "last_error": delivery.detail,
            },
        )
        staging.staged(session).known.add(record.message_id)
        self._count("deferred", record.template)

    async def give_up(
        self,
        session: AsyncSession,
        plan: MessagePlan,
        cause: CloudEvent[Any],
        reason: str,
        *,
        subject: str,
        record: db.MessageRecord | None = None,
    ) -> list[EventData]:
        mid = plan.message_id(self.message_id_domain)
        record = record or db.MessageRecord(
            message_id=mid,
            cause_event_id=plan.cause_event_id,
            template=plan.template,
            recipient_id=plan.recipient.recipient_id,
            to=plan.recipient.email,
            subject=subject,
            about=plan.about,
        )
        staging.stage_message(session, record, status="failed", detail=reason, attempts=1, when=self.clock())
        self.dead_letter(session, encode(cause), cause.subject, type(cause.data).topic(), cause.id, reason)
        return [self.failed_event(record, reason, permanent=True)]

    # ---- shared with the retry and reminder tasks ----------------------------------------------------------

    def dead_letter(
        self, session: AsyncSession, value: bytes, key: str, topic: str, event_id: str, reason: str
    ) -> None:
        self.outbox.add_raw(
            session,
            topic=topics.DEADLETTER,
            key=key.encode(),
            value=value,
            event_id=event_id,
            headers=[
                ("content-type", "application/cloudevents+json; charset=utf-8"),
                ("dlq.reason", f"notification failed: {reason}"[:2000]),
                ("dlq.consumer", self.consumer_name),
                ("dlq.topic", topic),
                ("dlq.time", self.clock().isoformat()),
            ],
        )

    def failed_event(self, record: db.MessageRecord, reason: str, *, permanent: bool) -> NotificationFailed:
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

    def sent_event(self, record: db.MessageRecord) -> NotificationSent:
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
