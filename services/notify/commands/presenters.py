"""What notify does with a presenter-registration event: tell each presenting author, and the team once.

Called by ``Notifier.on_event`` inside the consumer's transaction, like every other event:
the messages go through ``Notifier.deliver`` (ledger, Message-ID from the cause, retry queue,
NotificationSent/Failed), so a redelivered event sends nothing. The programme team's address
is the congress file's ``contact.email``, written to in the congress's default language.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from schemas.base import CloudEvent, EventData
from services.notify.domain.presenters import plan_presenter_messages

if TYPE_CHECKING:
    from services.notify.commands.dispatch import Notifier


async def on_presenters_event(notifier: Notifier, event: CloudEvent[Any], session: AsyncSession) -> list[EventData]:
    congress = notifier.renderer.congress
    plans = plan_presenter_messages(
        event.data, event.id, team_email=str(congress.contact.email), team_language=congress.default_language
    )
    emitted: list[EventData] = []
    for plan in plans:
        emitted += await notifier.deliver(session, plan, event)
    return emitted
