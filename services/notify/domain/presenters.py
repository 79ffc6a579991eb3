"""Which presenter-registration event causes which message, to whom (pure: no I/O).

Registration emits ``PresenterRegistrationReminder`` on each reminder day and
``PresenterUnregistered`` once the deadline has passed, each once per abstract and cause, for
accepted abstracts none of whose presenting authors holds a confirmed registration. Each
presenting author of the abstract gets one message per event (keyed, like every author's, by a
digest of the address); ``PresenterUnregistered`` also goes once to the congress's contact
address, for the programme team. The deadline is shown as its last minute in the congress
timezone, in the recipient's locale. Everything the messages need is in the events.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from schemas.base import EventData
from schemas.registration import PresenterEvent, PresenterRegistrationReminder, PresenterUnregistered, PresentingAuthor
from services.notify.domain.abstracts import author_id
from services.notify.domain.rules import MessagePlan, Recipient, name_in_order

PRESENTER_EVENTS: tuple[type[EventData], ...] = (PresenterRegistrationReminder, PresenterUnregistered)
REMINDER = "presenter_registration_reminder"
UNREGISTERED = "presenter_unregistered"
UNREGISTERED_TEAM = "presenter_unregistered_team"
PRESENTER_TEMPLATES: tuple[str, ...] = (REMINDER, UNREGISTERED, UNREGISTERED_TEAM)
TEAM_KEY = "programme-team"


def presenter_recipient(person: PresentingAuthor) -> Recipient:
    return Recipient(
        recipient_id=author_id(person.email),
        email=person.email,
        name=name_in_order(person.given_name, person.family_name, person.language),
        language=person.language,
    )


def plan_presenter_messages(
    data: PresenterEvent, cause_event_id: str, *, team_email: str | None = None, team_language: str = "en"
) -> list[MessagePlan]:
    """One message per presenting author; for ``PresenterUnregistered`` also one to ``team_email`` (if any)."""
    if not isinstance(data, PRESENTER_EVENTS):
        return []
    context: dict[str, Any] = {
        "event": data,
        "presenters": [
            {"name": name_in_order(p.given_name, p.family_name, p.language), "email": p.email} for p in data.presenters
        ],
        # the deadline ends at midnight: its last minute reads as the same day in every locale
        "last_moment": data.deadline_at - timedelta(minutes=1),
    }
    template = REMINDER if isinstance(data, PresenterRegistrationReminder) else UNREGISTERED
    plans: dict[str, MessagePlan] = {}
    for person in data.presenters:
        to = presenter_recipient(person)
        plans.setdefault(
            to.recipient_id,
            MessagePlan(
                template=template,
                cause_event_id=cause_event_id,
                recipient=to,
                context={**context, "addressed_as": "author"},
                key=to.recipient_id,
                about=data.abstract_id,
            ),
        )
    out = list(plans.values())
    if isinstance(data, PresenterUnregistered) and team_email:
        team = Recipient(recipient_id=TEAM_KEY, email=team_email, language=team_language)
        out.append(
            MessagePlan(
                template=UNREGISTERED_TEAM,
                cause_event_id=cause_event_id,
                recipient=team,
                context={**context, "addressed_as": "team"},
                key=TEAM_KEY,
                about=data.abstract_id,
            )
        )
    return out
