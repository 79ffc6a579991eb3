"""The consumer of ``congress.programme``: registration's replica of the published programme, for agendas.

Consumer group ``registration-programme`` (the kernel's inbox makes each event count once; events about a
session are keyed by its id, so they arrive in order per session). ``SessionScheduled`` puts a session's new
version, ``SessionCancelled`` marks it cancelled; a redelivered or older version changes nothing
(``commands.agenda``). ``PresentationMoved`` needs nothing here: the session it moved to is re-published
as a ``SessionScheduled`` of the same publication. ``ProgrammePublished`` changes nothing either.
A session chair the organisers named with an address earns the chair's role (and ribbon), and loses it when a
later version names another chair or none, or the session is cancelled (``call_for_papers.follow_session_chair``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from schemas.base import CloudEvent, EventData
from schemas.programme import SessionCancelled, SessionScheduled
from services.common.consumer import Handler
from services.registration.commands import agenda
from services.registration.commands.call_for_papers import follow_session_chair, take_back_roles
from services.registration.commands.records import Deps
from services.registration.domain import roles

CONSUMER = "registration-programme"
"""Consumer group (and inbox name) of registration's programme consumer."""


def make_handlers(deps: Deps) -> Mapping[type[EventData], Handler]:
    async def on_session_scheduled(event: CloudEvent[SessionScheduled], session: object) -> None:
        tx = deps.units.joined(session)
        await agenda.on_scheduled(tx, event.data, event.time)
        await follow_session_chair(deps, tx, event.data, event.id)

    async def on_session_cancelled(event: CloudEvent[SessionCancelled], session: object) -> None:
        tx = deps.units.joined(session)
        await agenda.on_cancelled(tx, event.data, event.time)
        await take_back_roles(deps, tx, roles.chairing(event.data.session_id), event.id)

    handlers: dict[type[EventData], Any] = {
        SessionScheduled: on_session_scheduled,
        SessionCancelled: on_session_cancelled,
    }
    return handlers
