"""What notify does with a programme event: remember whom it told about which session, then send once each.

Called by ``Notifier.on_event`` inside the consumer's transaction, like every other
event: the messages go through ``Notifier.deliver`` (ledger, Message-ID from the cause,
retry queue, NotificationSent/Failed), so a redelivered event sends nothing. What a
message needs is read before the event's own state is remembered: a changed session
is told as changed to those told about an earlier version.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from schemas.base import CloudEvent, EventData
from schemas.programme import ProgrammeEvent, SessionCancelled, SessionScheduled
from services.notify.adapters import programme as store
from services.notify.adapters import staging
from services.notify.domain.programme import Known, plan_programme_messages

if TYPE_CHECKING:
    from services.notify.commands.dispatch import Notifier


async def on_programme_event(notifier: Notifier, event: CloudEvent[Any], session: AsyncSession) -> list[EventData]:
    data: ProgrammeEvent = event.data
    known = await _known(session, event)
    if isinstance(data, SessionScheduled):
        await store.remember_session(session, data)
    elif isinstance(data, SessionCancelled):
        await store.forget_session(session, data.session_id)
    emitted: list[EventData] = []
    for plan in plan_programme_messages(data, event.id, notifier.programme, known):
        emitted += await notifier.deliver(session, plan, event)
    return emitted


async def _known(session: AsyncSession, event: CloudEvent[Any]) -> Known:
    data = event.data
    if isinstance(data, SessionScheduled):
        group = staging.staged(session).schedules.get(event.id)
        sessions = {data.session_id} | {s.session_id for g in (group or {}).values() for s in g}
        return Known(told=await store.told_about(session, sessions), group=group)
    if isinstance(data, SessionCancelled):
        seen, told = await store.load_session(session, data.session_id)
        return Known(presenters=told, session=seen)
    return Known()
