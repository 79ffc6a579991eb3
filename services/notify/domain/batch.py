"""A consumer batch's messages, planned once: what each event sends, to whom, and the contact it leaves.

Before a batch's handlers run, notify reads what the batch needs (its contacts and ledger
entries) and plans every message here, once, in the events' order: the contact an event
leaves behind is the one the next event sees. That one plan is what each handler builds and
owes (sent after the batch commits, ``commands/owed.py``); nothing plans a message a second
time. Events whose messages depend on what notify stored about an abstract or a session (a
decision, a withdrawal, an unassignment, the programme events) are planned by their own
handler after its reads (``planned_by_handler``).
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from schemas.abstracts import (
    AbstractDecided,
    AbstractsEvent,
    AbstractWithdrawn,
    DecisionsReleased,
    ReviewerAssignedFields,
    ReviewerUnassigned,
)
from schemas.access import LinkSentFields
from schemas.base import EventData
from schemas.programme import ProgrammeEvent, SessionScheduled
from schemas.registration import PresenterEvent
from services.notify.domain.abstracts import AbstractsSettings, Known, group_invitations, plan_abstract_messages
from services.notify.domain.links import access_plan
from services.notify.domain.presenters import plan_presenter_messages
from services.notify.domain.programme import group_schedules
from services.notify.domain.releases import plan_release_letter
from services.notify.domain.rules import (
    RULES,
    Contact,
    MessagePlan,
    Recipient,
    UnknownRecipient,
    contact_from,
    newer_contact,
    plan_messages,
)


@dataclass(frozen=True)
class PlanSettings:
    """What the plans need beyond the events: links, the abstracts settings, the programme team's address."""

    links: Mapping[str, str] = field(default_factory=dict)
    abstracts: AbstractsSettings = field(default_factory=AbstractsSettings)
    team_email: str | None = None
    team_language: str = "en"


@dataclass(frozen=True)
class Planned:
    """What one event causes: its messages, the newer contact it reveals, or the message it cannot address."""

    plans: tuple[MessagePlan, ...] = ()
    contact: Contact | None = None
    """To store: newer than the contact known when the event's turn came."""
    unknown: MessagePlan | None = None
    """The event needs a stored contact that notify does not have: this message fails for good."""
    reason: str = ""


@dataclass
class Batch:
    """What one transaction read and decided: contacts, the ledger entries, the batch's groups and plans."""

    contacts: dict[str, Contact | None] = field(default_factory=dict)
    """Contacts as read or as this batch left them, by delegate id (None = known absent)."""
    known: set[str] = field(default_factory=set)
    """Message-IDs in the ledger or the retry queue (read, or staged in this transaction)."""
    checked: set[str] = field(default_factory=set)
    """Message-IDs whose presence was already read (known or not)."""
    invitations: dict[str, tuple[ReviewerAssignedFields, ...]] = field(default_factory=dict)
    """By ReviewerAssigned event id: the batch's assignments of its reviewer it leads, or () when covered."""
    schedules: dict[str, dict[str, tuple[SessionScheduled, ...]]] = field(default_factory=dict)
    """By SessionScheduled event id: recipient id → the batch's sessions it tells them about."""
    planned: dict[str, Planned] = field(default_factory=dict)
    """By event id: its messages, planned once for the batch."""

    def snapshot(self) -> tuple[Any, ...]:
        return dict(self.contacts), set(self.known), set(self.checked)

    def restore(self, snap: tuple[Any, ...]) -> None:
        self.contacts, self.known, self.checked = snap

    def group(self, events: Sequence[tuple[str, EventData]]) -> None:
        """One invitation per reviewer and one "you present" message per presenter per batch."""
        self.invitations.update(group_invitations(events))
        self.schedules.update(group_schedules(events))


def planned_by_handler(data: EventData) -> bool:
    """Whether the event's messages need what notify stored (read by its handler first)."""
    return isinstance(data, (ProgrammeEvent, ReviewerUnassigned, AbstractDecided, AbstractWithdrawn))


def plan_batch(events: Sequence[tuple[str, EventData]], batch: Batch, settings: PlanSettings) -> dict[str, Planned]:
    """Every event's messages in order (those ``planned_by_handler`` left out); reads no contact it lacks."""
    contacts = dict(batch.contacts)
    out: dict[str, Planned] = {}
    for event_id, data in events:
        planned = plan_event(event_id, data, contacts, batch, settings)
        if planned is not None:
            out.setdefault(event_id, planned)
    return out


def plan_event(
    event_id: str,
    data: EventData,
    contacts: MutableMapping[str, Contact | None],
    batch: Batch,
    settings: PlanSettings,
) -> Planned | None:
    """One event's messages given the contacts as the batch left them (updated with the one it reveals)."""
    if planned_by_handler(data):
        return None
    if isinstance(data, LinkSentFields):
        return Planned(plans=(access_plan(data, event_id),))
    if isinstance(data, PresenterEvent):
        plans = plan_presenter_messages(
            data, event_id, team_email=settings.team_email, team_language=settings.team_language
        )
        return Planned(plans=tuple(plans))
    if isinstance(data, DecisionsReleased):
        return Planned(plans=(plan_release_letter(data, event_id, settings.abstracts),))
    if isinstance(data, AbstractsEvent):
        known = (
            Known(invitations=batch.invitations.get(event_id)) if isinstance(data, ReviewerAssignedFields) else Known()
        )
        return Planned(plans=tuple(plan_abstract_messages(data, event_id, settings.abstracts, known)))
    return _registration(event_id, data, contacts, settings)


def _registration(
    event_id: str, data: EventData, contacts: MutableMapping[str, Contact | None], settings: PlanSettings
) -> Planned:
    incoming = contact_from(data)
    remember = None
    if incoming is not None and newer_contact(contacts.get(incoming.delegate_id), incoming):
        remember = contacts[incoming.delegate_id] = incoming
    if type(data) not in RULES:
        return Planned(contact=remember)
    delegate_id: str = getattr(data, "delegate_id", "")
    try:
        plans = plan_messages(data, event_id, contacts.get(delegate_id), settings.links)
    except UnknownRecipient as exc:
        template = RULES[type(data)][0].template
        unknown = MessagePlan(
            template=template,
            cause_event_id=event_id,
            recipient=Recipient(recipient_id=delegate_id, email=""),
            context={},
        )
        return Planned(contact=remember, unknown=unknown, reason=str(exc))
    return Planned(plans=tuple(plans), contact=remember)
