"""Registration's word on presenters: mark an accepted abstract that has no registered presenter, or clear
the mark when one registers. The draft programme shows the marks; nothing is moved."""

from __future__ import annotations

import logging
from datetime import datetime

from services.abstracts.ports import Unit

log = logging.getLogger("congress.abstracts.presenters")


async def mark_unregistered(unit: Unit, abstract_id: str, reference: str, event_id: str, at: datetime) -> None:
    """Mark the abstract (again: the newer report replaces the older)."""
    await unit.marks.mark(abstract_id, reference, event_id, at)
    log.info("no registered presenter", extra={"event_id": event_id, "abstract_id": abstract_id})


async def clear_mark(unit: Unit, abstract_id: str, event_id: str) -> None:
    await unit.marks.unmark(abstract_id)
    log.info("presenter registered", extra={"event_id": event_id, "abstract_id": abstract_id})
