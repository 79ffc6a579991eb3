"""The organisers' broadcasts as notify sees them: one message per (broadcast, delegate), ever.

Pure. A ``BroadcastRequested`` part owes its recipients a message; each is planned here from
the broadcast and the delegate's stored contact, with a Message-ID derived from the broadcast
and the delegate (never from the event), so a second event for the same broadcast — a retried
request, a redelivery — names the same message and the ledger already has it.
"""

from __future__ import annotations

from dataclasses import dataclass

from schemas.registration import BroadcastRequested
from services.common.broadcast_mail import Version
from services.notify.domain.rules import Contact, MessagePlan, Recipient, message_id

TEMPLATE = "broadcast"
"""The ledger's and NotificationSent's template name; their ``cause_event_id`` is the broadcast id."""


@dataclass(frozen=True)
class Broadcast:
    broadcast_id: str
    versions: tuple[Version, ...]
    default_language: str
    segment: str


@dataclass(frozen=True)
class Owed:
    """A recipient still owed a broadcast's message."""

    broadcast_id: str
    delegate_id: str


def broadcast_of(data: BroadcastRequested) -> Broadcast:
    return Broadcast(
        broadcast_id=data.broadcast_id,
        versions=tuple(Version(v.language, v.subject, v.body_markdown) for v in data.versions),
        default_language=data.default_language,
        segment=data.segment,
    )


def plan_for(broadcast: Broadcast, contact: Contact) -> MessagePlan:
    """The message to one recipient, in their language where the broadcast has a version."""
    recipient = Recipient(
        recipient_id=contact.delegate_id, email=contact.email, name=contact.name, language=contact.language
    )
    return MessagePlan(
        template=TEMPLATE,
        cause_event_id=broadcast.broadcast_id,
        recipient=recipient,
        context={"broadcast": broadcast},
        key=contact.delegate_id,
    )


def message_id_of(item: Owed, domain: str) -> str:
    """The Message-ID the recipient's message has, whoever plans it."""
    return message_id(item.broadcast_id, TEMPLATE, domain, item.delegate_id)
