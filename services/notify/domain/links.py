"""A fresh link asked for in place of an expired one (``LinkSent`` of abstracts or badges): one message
to the address the event names, which is the one on record; the link is opened at render."""

from __future__ import annotations

from schemas.abstracts import AbstractsLinkSent
from schemas.access import LinkSentFields
from schemas.badges import BadgesLinkSent
from schemas.base import EventData
from schemas.organisers import OrganiserInvited
from services.notify.domain.rules import MessagePlan, Recipient

ACCESS_TEMPLATE = "access_link"
LINK_EVENTS: tuple[type[EventData], ...] = (AbstractsLinkSent, BadgesLinkSent, OrganiserInvited)


def access_plan(data: LinkSentFields, cause_event_id: str) -> MessagePlan:
    to = Recipient(recipient_id=data.subject_id, email=data.email, name=data.recipient_name, language=data.language)
    return MessagePlan(template=ACCESS_TEMPLATE, cause_event_id=cause_event_id, recipient=to, context={"event": data})
