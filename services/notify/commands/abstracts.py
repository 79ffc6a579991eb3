"""What notify does with an abstracts event: remember what later events need, then send its messages once each.

Called by ``Notifier.on_event`` inside the consumer's transaction, like every other
event: the messages go through ``Notifier.deliver`` (ledger, Message-ID from the cause,
send-ahead, retry queue, NotificationSent/Failed), so a redelivered event sends nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from schemas.abstracts import (
    AbstractContent,
    AbstractDecided,
    AbstractsEvent,
    AbstractWithdrawn,
    ReviewerAssignedFields,
    ReviewerUnassigned,
)
from schemas.base import CloudEvent, EventData
from services.notify.adapters import abstracts as store
from services.notify.adapters import staging
from services.notify.domain.abstracts import (
    Known,
    abstract_seen,
    assignment_from,
    plan_abstract_messages,
)
from services.notify.domain.rules import MessagePlan, Recipient, UnknownRecipient

if TYPE_CHECKING:
    from services.notify.commands.dispatch import Notifier


async def on_abstracts_event(notifier: Notifier, event: CloudEvent[Any], session: AsyncSession) -> list[EventData]:
    data: AbstractsEvent = event.data
    known = await _known(session, event)
    await _remember(session, data)
    try:
        plans = plan_abstract_messages(data, event.id, notifier.abstracts, known)
    except UnknownRecipient as exc:
        recipient = Recipient(recipient_id=getattr(data, "reviewer_id", data.abstract_id), email="")
        plan = MessagePlan(
            template="review_unassigned",
            cause_event_id=event.id,
            recipient=recipient,
            context={},
            key=recipient.recipient_id,
            about=data.abstract_id,
        )
        return await notifier.give_up(session, plan, event, str(exc), subject="")
    emitted: list[EventData] = []
    for plan in plans:
        emitted += await notifier.deliver(session, plan, event)
    return emitted


async def _known(session: AsyncSession, event: CloudEvent[Any]) -> Known:
    data = event.data
    if isinstance(data, ReviewerUnassigned):
        return Known(assignment=await store.load_assignment(session, data.abstract_id, data.reviewer_id))
    if isinstance(data, (AbstractDecided, AbstractWithdrawn)):
        return Known(abstract=await store.load_abstract(session, data.abstract_id))
    if isinstance(data, ReviewerAssignedFields):
        return Known(invitations=staging.staged(session).invitations.get(event.id))
    return Known()


async def _remember(session: AsyncSession, data: AbstractsEvent) -> None:
    if isinstance(data, AbstractContent):
        await store.save_abstract(session, data.abstract_id, abstract_seen(data), data.content_version)
    elif isinstance(data, ReviewerAssignedFields):
        await store.save_assignment(session, assignment_from(data))
    elif isinstance(data, ReviewerUnassigned):
        await store.forget_assignment(session, data.abstract_id, data.reviewer_id)
