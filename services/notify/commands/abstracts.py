"""The abstracts context's commands: remember what later events need, and send what stored data decides.

Submissions, revisions and reviewer invitations are planned with the batch (``domain/batch.py``);
their command only remembers what later events of the same abstract will need
(``remember_abstract``). A decision, a withdrawal or an unassignment needs what notify stored
first (the format asked for, the submitter's name, the assignment): those are read, the event's
own state remembered, then its messages planned and delivered here
(``on_stored_abstracts_event``), through ``Notifier.deliver`` like every other message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from schemas.abstracts import (
    AbstractContent,
    AbstractDecided,
    AbstractRevised,
    AbstractsEvent,
    AbstractWithdrawn,
    ReviewerAssignedFields,
    ReviewerUnassigned,
)
from schemas.base import CloudEvent, EventData
from services.notify.domain.abstracts import Known, abstract_seen, assignment_from, plan_abstract_messages
from services.notify.domain.rules import MessagePlan, Recipient, UnknownRecipient
from services.notify.domain.symposium_roles import role_holders
from services.notify.ports import NotifyUnit

if TYPE_CHECKING:
    from services.notify.commands.dispatch import Notifier


async def on_stored_abstracts_event(notifier: Notifier, event: CloudEvent[Any], unit: NotifyUnit) -> list[EventData]:
    data: AbstractsEvent = event.data
    known = await _known(unit, data)
    await remember_abstract(unit, data)
    try:
        plans = plan_abstract_messages(data, event.id, notifier.plans.abstracts, known)
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
        return await notifier.give_up(unit, plan, event, str(exc), subject="")
    emitted: list[EventData] = []
    for plan in plans:
        emitted += await notifier.deliver(unit, plan, event)
    return emitted


async def _known(unit: NotifyUnit, data: AbstractsEvent) -> Known:
    if isinstance(data, ReviewerUnassigned):
        return Known(assignment=await unit.abstracts.load_assignment(data.abstract_id, data.reviewer_id))
    if isinstance(data, (AbstractDecided, AbstractWithdrawn)):
        return Known(abstract=await unit.abstracts.load_abstract(data.abstract_id))
    return Known()


async def remember_abstract(unit: NotifyUnit, data: AbstractsEvent) -> None:
    """Keep what later events of this abstract carry no more (its format and submitter, the assignments)."""
    if isinstance(data, AbstractContent):
        await unit.abstracts.save_abstract(data.abstract_id, abstract_seen(data), data.content_version)
        if isinstance(data, AbstractRevised) and data.accepted_format is not None:
            await unit.abstracts.save_roles(data.abstract_id, role_holders(data))  # an organiser changed them
    elif isinstance(data, AbstractDecided):
        await unit.abstracts.save_roles(data.abstract_id, role_holders(data))
    elif isinstance(data, ReviewerAssignedFields):
        await unit.abstracts.save_assignment(assignment_from(data))
    elif isinstance(data, ReviewerUnassigned):
        await unit.abstracts.forget_assignment(data.abstract_id, data.reviewer_id)
