"""Broadcasts: owe each recipient their message in the event's transaction, then send each once.

``record_broadcast`` is the consumer's command for a ``BroadcastRequested`` part: it keeps the
message and owes it to the part's recipients (less those whose message the ledger or the retry
queue already has), in the transaction that records the event in the inbox. Nothing is sent
there, so a crash can only cost a redelivery of the part, which owes nobody twice.

``BroadcastSender`` (the periodic job ``notify.broadcasts``, one copy at a time under its lease)
then works the owed rows: record owed → commit → send → record sent and no longer owed, one
recipient per transaction. A crash between the SMTP server's "250 accepted" and that commit is
the one window left: that recipient's message goes again, with the same Message-ID — at most
one message per crash, instead of a consumer batch. Temporary failures go to the usual retry
queue, permanent ones to the ledger, ``NotificationFailed`` and the dead-letter topic.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from schemas.base import CloudEvent, EventData, encode
from schemas.registration import BroadcastRequested
from services.common import jobs
from services.common.faults import crash_point_after
from services.notify.domain.broadcast import TEMPLATE, Broadcast, Owed, broadcast_of, message_id_of, plan_for
from services.notify.domain.delivery import Delivery, Envelope, MessageRecord, Outcome, Queued, Undeliverable
from services.notify.domain.rules import Contact
from services.notify.ports import NotifyUnit, Units

if TYPE_CHECKING:
    from services.notify.commands.dispatch import Notifier

log = logging.getLogger("congress.notify.broadcast")


async def record_broadcast(notifier: Notifier, event: CloudEvent[Any], unit: NotifyUnit) -> list[EventData]:
    """Keep the broadcast and owe its message to this part's recipients not yet served."""
    data: BroadcastRequested = event.data
    broadcast = broadcast_of(data)
    await unit.broadcasts.remember(broadcast, encode(event), type(data).topic(), notifier.clock())
    by_mid = {message_id_of(Owed(data.broadcast_id, d), notifier.message_id_domain): d for d in data.recipients}
    served = await unit.known_messages(by_mid)
    added = await unit.broadcasts.owe(
        data.broadcast_id, [d for mid, d in by_mid.items() if mid not in served], notifier.clock()
    )
    log.info(
        "broadcast %s part %d/%d: %d owed",
        data.broadcast_id,
        data.part,
        data.parts,
        added,
        extra={"event_id": event.id, "broadcast_id": data.broadcast_id},
    )
    return []


@dataclass(frozen=True)
class _Read:
    """What one read of the owed rows found: the rows, their broadcasts, contacts and served messages."""

    items: list[Owed]
    broadcasts: dict[str, tuple[Broadcast, bytes, str]]
    contacts: dict[str, Contact]
    served: set[str]


class BroadcastSender:
    """Sends what broadcasts owe, one recipient per transaction, oldest first."""

    def __init__(self, notifier: Notifier, units: Units, *, batch: int = 50) -> None:
        self.notifier, self.units, self.batch = notifier, units, batch
        self.job = jobs.Job("notify.broadcasts", self.send_owed)

    async def send_owed(self) -> int:
        """Work the owed rows until none is left; returns how many were settled."""
        settled = 0
        while True:
            read = await self._read()
            if not read.items:
                return settled
            for item in read.items:
                settled += await self._one(item, read)

    async def _read(self) -> _Read:
        domain = self.notifier.message_id_domain
        async with self.units() as unit:
            items = await unit.broadcasts.owed(self.batch)
            found: dict[str, tuple[Broadcast, bytes, str]] = {}
            for broadcast_id in {i.broadcast_id for i in items}:
                loaded = await unit.broadcasts.load(broadcast_id)
                if loaded is not None:
                    found[broadcast_id] = loaded
            contacts = await unit.load_contacts(i.delegate_id for i in items)
            served = await unit.known_messages(message_id_of(i, domain) for i in items)
        return _Read(items, found, contacts, served)

    async def _one(self, item: Owed, read: _Read) -> int:
        n = self.notifier
        mid = message_id_of(item, n.message_id_domain)
        loaded, contact = read.broadcasts.get(item.broadcast_id), read.contacts.get(item.delegate_id)
        if loaded is None or mid in read.served:
            async with self.units() as unit:
                await unit.broadcasts.settle(item)
            return 1
        broadcast, cause, topic = loaded
        record = MessageRecord(mid, broadcast.broadcast_id, TEMPLATE, item.delegate_id, "", "")
        if contact is None:
            return await self._give_up(item, record, cause, topic, "no contact details for this delegate")
        plan = plan_for(broadcast, contact)
        try:
            envelope, subject = n.builder.build(plan, mid)
        except Undeliverable as exc:
            return await self._give_up(item, record, cause, topic, str(exc), to=contact.email)
        record = MessageRecord(mid, broadcast.broadcast_id, TEMPLATE, item.delegate_id, envelope.recipient, subject)
        delivery = await n.attempt(envelope)
        crash_point_after("notify-broadcast-after-smtp")
        return await self._settle(item, record, envelope, delivery, cause, topic)

    async def _settle(
        self, item: Owed, record: MessageRecord, envelope: Envelope, delivery: Delivery, cause: bytes, topic: str
    ) -> int:
        n = self.notifier
        if delivery.outcome is Outcome.PERMANENT:
            return await self._give_up(item, record, cause, topic, delivery.detail, to=record.to)
        async with self.units() as unit:
            if not await unit.broadcasts.settle(item):
                return 0
            if delivery.outcome is Outcome.SENT:
                unit.stage_message(record, status="sent", detail=delivery.detail, attempts=1, when=n.clock())
                unit.stage(n.sent_event(record))
                n.stats.sent += 1
            else:
                next_at = n.clock() + timedelta(seconds=n.policy.delay(1, n.rng()))
                await unit.queue(Queued(record, envelope, cause, topic, 1, next_at, delivery.detail))
                n.stats.deferred += 1
        crash_point_after("notify-broadcast-after-record")
        log.info("broadcast %s to %s: %s", item.broadcast_id, item.delegate_id, delivery.outcome.value)
        return 1

    async def _give_up(
        self, item: Owed, record: MessageRecord, cause: bytes, topic: str, reason: str, *, to: str = ""
    ) -> int:
        n = self.notifier
        record = MessageRecord(record.message_id, record.cause_event_id, TEMPLATE, item.delegate_id, to, record.subject)
        async with self.units() as unit:
            if not await unit.broadcasts.settle(item):
                return 0
            unit.stage_message(record, status="failed", detail=reason, attempts=1, when=n.clock())
            n.dead_letter(unit, cause, item.broadcast_id, topic, item.broadcast_id, reason)
            unit.stage(n.failed_event(record, reason, permanent=True))
        return 1
