"""A release of decisions told to one person: ``DecisionsReleased`` lists all their abstracts of that release,
so an author with three abstracts decided together gets one message, not three (issue 14). A correction
(a decision changed after an earlier release) says so.

Pure: no I/O. The per-abstract ``AbstractDecided`` events of a release (they carry its ``release_id``) send
nothing themselves (``abstracts._decision``).
"""

from __future__ import annotations

from schemas.abstracts import DecisionsReleased, Outcome
from services.notify.domain.abstracts import AbstractsSettings, author_id
from services.notify.domain.rules import MessagePlan, Recipient, name_in_order

TEMPLATE = "decisions_released"


def plan_release_letter(data: DecisionsReleased, cause_event_id: str, settings: AbstractsSettings) -> MessagePlan:
    """The one message this person gets for this release."""
    networks = settings.networks
    to = Recipient(
        recipient_id=author_id(data.email),
        email=data.email,
        name=name_in_order(data.given_name, data.family_name, data.language) if data.family_name else "",
        language=data.language,
    )
    items = [
        {
            "item": item,
            "network": networks.get(item.network, item.network),
            "moved_to": networks.get(item.moved_to or "", item.moved_to or ""),
        }
        for item in data.abstracts
    ]
    context = {
        "event": data,
        "settings": settings,
        "items": items,
        "presenting": any(i.presenting and i.outcome is Outcome.ACCEPTED for i in data.abstracts),
        "addressed_as": "author",
    }
    return MessagePlan(
        template=TEMPLATE, cause_event_id=cause_event_id, recipient=to, context=context, key=to.recipient_id
    )
