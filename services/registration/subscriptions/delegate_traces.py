"""The consumer of ``congress.badges`` and ``congress.notify``: what other services did for a delegate, noted.

Consumer group ``registration-traces`` (the kernel's inbox makes it exactly once; the event id is unique in the
table as well). Each event becomes one trace (``commands.traces``) that the organisers' registration page shows:
the badge issued (its registration version), each print, the check-in, each email sent to a delegate (messages
about an abstract, to authors and reviewers, are not a registration's).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from schemas.badges import BadgeIssued, BadgePrinted, DelegateCheckedIn
from schemas.base import CloudEvent, EventData
from schemas.notify import NotificationSent
from services.common.consumer import Handler
from services.registration.commands import traces
from services.registration.commands.records import Deps

CONSUMER = "registration-traces"
"""Consumer group (and inbox name) of registration's badges and notify consumer."""


def make_handlers(deps: Deps) -> Mapping[type[EventData], Handler]:
    async def on_badge_issued(event: CloudEvent[BadgeIssued], session: object) -> None:
        detail = f"version {event.data.registration_version}"
        await traces.note(deps.units.joined(session), event, event.data.delegate_id, "badge", detail)

    async def on_badge_printed(event: CloudEvent[BadgePrinted], session: object) -> None:
        detail = f"print {event.data.print_count} at station {event.data.station_id}"
        tx = deps.units.joined(session)
        await traces.note(tx, event, event.data.delegate_id, "printed", detail, at=event.data.printed_at)

    async def on_checked_in(event: CloudEvent[DelegateCheckedIn], session: object) -> None:
        detail = f"at station {event.data.station_id}"
        tx = deps.units.joined(session)
        await traces.note(tx, event, event.data.delegate_id, "checked_in", detail, at=event.data.checked_in_at)

    async def on_notification_sent(event: CloudEvent[NotificationSent], session: object) -> None:
        if event.data.abstract_id is None:
            detail = f"{event.data.subject} ({event.data.template})"
            await traces.note(deps.units.joined(session), event, event.data.recipient_id, "email", detail)

    handlers: dict[type[EventData], Any] = {
        BadgeIssued: on_badge_issued,
        BadgePrinted: on_badge_printed,
        DelegateCheckedIn: on_checked_in,
        NotificationSent: on_notification_sent,
    }
    return handlers
