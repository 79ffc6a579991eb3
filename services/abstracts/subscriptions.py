"""The programme team sees which presentations have no registered presenter.

Registration emits ``PresenterUnregistered`` after its presenter deadline for an accepted abstract
none of whose presenting authors holds a confirmed registration, and ``PresenterRegistered`` when
one registers later. This consumer of ``congress.registration`` keeps the mark
(``adapters/presenter_marks.py``) that the organisers' draft programme shows; it handles those two
events only, so the consumer ignores every other event on the topic.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncSession

from schemas.base import CloudEvent, EventData
from schemas.registration import PresenterRegistered, PresenterUnregistered
from services.abstracts.adapters import presenter_marks as store
from services.common.consumer import Handler

log = logging.getLogger("congress.abstracts.presenters")

CONSUMER = "abstracts-presenters"
"""Consumer group (and inbox name) of the abstracts service's registration consumer."""


async def on_presenter_unregistered(event: CloudEvent[PresenterUnregistered], session: AsyncSession) -> None:
    await store.mark(session, event.data.abstract_id, event.data.reference, event.id, event.time)
    log.info("no registered presenter", extra={"event_id": event.id, "abstract_id": event.data.abstract_id})


async def on_presenter_registered(event: CloudEvent[PresenterRegistered], session: AsyncSession) -> None:
    await store.unmark(session, event.data.abstract_id)
    log.info("presenter registered", extra={"event_id": event.id, "abstract_id": event.data.abstract_id})


def handlers() -> Mapping[type[EventData], Handler]:
    """The registration events the abstracts service acts on."""
    return {PresenterUnregistered: on_presenter_unregistered, PresenterRegistered: on_presenter_registered}


async def unregistered(session: AsyncSession) -> set[str]:
    """Ids of the abstracts marked as having no registered presenter."""
    return await store.marked(session)
