"""The abstracts service's event subscriptions: registration's word on presenters and delegates' interest,
decoded once, to a command.

Registration emits ``PresenterUnregistered`` after its presenter deadline for an accepted abstract
none of whose presenting authors holds a confirmed registration, and ``PresenterRegistered`` when
one registers later. ``AgendaChanged`` (a session marked or unmarked), ``RegistrationConfirmed``,
``RegistrationCancelled`` and ``RegistrationErased`` feed the expected audience that sizes rooms
(``commands/audience.py``). The kernel consumer of ``congress.registration`` hands each of those two to
its command in the batch's transaction (the unit of work ``unit_on`` wraps around it); every other
event on the topic is ignored.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from schemas.base import CloudEvent, EventData
from schemas.registration import (
    AgendaChanged,
    PresenterRegistered,
    PresenterUnregistered,
    RegistrationCancelled,
    RegistrationConfirmed,
    RegistrationErased,
)
from services.abstracts.commands import audience, presenters
from services.abstracts.ports import Unit
from services.common.consumer import Handler

CONSUMER = "abstracts-presenters"
"""Consumer group (and inbox name) of the abstracts service's registration consumer."""

UnitOn = Callable[[Any], Unit]
"""The unit of work on the session the kernel consumer gives a handler (built by ``app.py``)."""


def handlers(unit_on: UnitOn) -> Mapping[type[EventData], Handler]:
    """The registration events the abstracts service acts on."""

    async def on_presenter_unregistered(event: CloudEvent[PresenterUnregistered], session: Any) -> None:
        data = event.data
        await presenters.mark_unregistered(unit_on(session), data.abstract_id, data.reference, event.id, event.time)

    async def on_presenter_registered(event: CloudEvent[PresenterRegistered], session: Any) -> None:
        await presenters.clear_mark(unit_on(session), event.data.abstract_id, event.id)

    return {
        PresenterUnregistered: on_presenter_unregistered,
        PresenterRegistered: on_presenter_registered,
        **interest_handlers(unit_on),
    }


def interest_handlers(unit_on: UnitOn) -> Mapping[type[EventData], Handler]:
    """Agenda marks and registrations, counted for the expected audience of each session."""

    async def on_agenda_changed(event: CloudEvent[AgendaChanged], session: Any) -> None:
        data = event.data
        unit = unit_on(session)
        await audience.record_agenda_change(
            unit, data.delegate_id, data.session_id, data.attending, data.changed_at, event.id
        )

    async def on_registration_confirmed(event: CloudEvent[RegistrationConfirmed], session: Any) -> None:
        data = event.data
        await audience.record_registration(
            unit_on(session), data.delegate_id, True, data.registration_version, event.id
        )

    async def on_registration_cancelled(event: CloudEvent[RegistrationCancelled], session: Any) -> None:
        data = event.data
        await audience.record_registration(
            unit_on(session), data.delegate_id, False, data.registration_version, event.id
        )

    async def on_registration_erased(event: CloudEvent[RegistrationErased], session: Any) -> None:
        await audience.forget_delegate(unit_on(session), event.data.delegate_id, event.id)

    return {
        AgendaChanged: on_agenda_changed,
        RegistrationConfirmed: on_registration_confirmed,
        RegistrationCancelled: on_registration_cancelled,
        RegistrationErased: on_registration_erased,
    }
