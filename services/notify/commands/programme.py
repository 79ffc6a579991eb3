"""The programme context's command: read whom notify told about which session, remember, then send once each.

Called for every programme event inside the consumer's transaction: the messages go through
``Notifier.deliver`` (ledger, Message-ID from the cause, retry queue, NotificationSent/Failed),
so a redelivered event sends nothing. What a message needs is read before the event's own
state is remembered: a changed session is told as changed to those told about an earlier version, and a chair
the new version no longer names is told so.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from schemas.base import CloudEvent, EventData
from schemas.programme import ProgrammeEvent, SessionCancelled, SessionScheduled
from services.notify.domain.programme import Known, chair_told, plan_programme_messages, role_told
from services.notify.ports import NotifyUnit

if TYPE_CHECKING:
    from services.notify.commands.dispatch import Notifier


async def on_programme_event(notifier: Notifier, event: CloudEvent[Any], unit: NotifyUnit) -> list[EventData]:
    data: ProgrammeEvent = event.data
    known = await _known(unit, event)
    if isinstance(data, SessionScheduled):
        await unit.programme.remember_session(data, [*role_told(data, known.roles), *chair_told(data)])
    elif isinstance(data, SessionCancelled):
        await unit.programme.forget_session(data.session_id)
    emitted: list[EventData] = []
    for plan in plan_programme_messages(data, event.id, notifier.programme, known, at=event.time):
        emitted += await notifier.deliver(unit, plan, event)
    return emitted


async def _known(unit: NotifyUnit, event: CloudEvent[Any]) -> Known:
    data = event.data
    if isinstance(data, SessionScheduled):
        group = unit.batch.schedules.get(event.id)
        sessions = {data.session_id} | {s.session_id for g in (group or {}).values() for s in g}
        roles = await unit.abstracts.roles_of(p.abstract_id for p in data.presentations)
        seen, kept = await unit.programme.load_session(data.session_id)  # its chair, should this version change it
        earlier = await unit.programme.told_about(sessions)
        return Known(told=earlier, group=group, roles=roles, presenters=kept, session=seen)
    if isinstance(data, SessionCancelled):
        seen, told = await unit.programme.load_session(data.session_id)
        return Known(presenters=told, session=seen)
    return Known()
