"""The consumer of ``congress.programme``: registration's replica of the published programme, for agendas.

Consumer group ``registration-programme`` (the kernel's inbox makes each event count once; events about a
session are keyed by its id, so they arrive in order per session). ``SessionScheduled`` puts a session's new
version, ``SessionCancelled`` marks it cancelled; a redelivered or older version changes nothing
(``commands.agenda``). ``PresentationMoved`` needs nothing here: the session it moved to is re-published
as a ``SessionScheduled`` of the same publication. ``ProgrammePublished`` changes nothing either.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from schemas.base import CloudEvent, EventData
from schemas.programme import SessionCancelled, SessionScheduled
from services.common.consumer import Handler
from services.registration.commands import agenda
from services.registration.commands.records import Deps

CONSUMER = "registration-programme"
"""Consumer group (and inbox name) of registration's programme consumer."""


def make_handlers(deps: Deps) -> Mapping[type[EventData], Handler]:
    async def on_session_scheduled(event: CloudEvent[SessionScheduled], session: object) -> None:
        await agenda.on_scheduled(deps.units.joined(session), event.data, event.time)

    async def on_session_cancelled(event: CloudEvent[SessionCancelled], session: object) -> None:
        await agenda.on_cancelled(deps.units.joined(session), event.data, event.time)

    handlers: dict[type[EventData], Any] = {
        SessionScheduled: on_session_scheduled,
        SessionCancelled: on_session_cancelled,
    }
    return handlers
