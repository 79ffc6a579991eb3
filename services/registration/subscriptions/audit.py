"""The consumer of ``congress.audit``: every service's audit records that name a delegate, kept for that
delegate's history on the organisers' pages (``commands.history``).

Consumer group ``registration-audit`` (its own inbox: exactly once); records without a delegate id are
passed over.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from schemas.audit import OrganiserActed
from schemas.base import CloudEvent, EventData
from services.common.consumer import Handler
from services.registration.commands import history
from services.registration.commands.records import Deps

CONSUMER = "registration-audit"
"""Consumer group (and inbox name) of registration's audit consumer."""


def make_handlers(deps: Deps) -> Mapping[type[EventData], Handler]:
    async def on_organiser_acted(event: CloudEvent[OrganiserActed], session: object) -> None:
        await history.keep(deps.units.joined(session), event.data)

    handlers: dict[type[EventData], Any] = {OrganiserActed: on_organiser_acted}
    return handlers
