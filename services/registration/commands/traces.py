"""Noting what other services did for a delegate (badge, prints, check-in, emails) for the organisers' page."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from schemas.base import CloudEvent
from services.common.text import clean_for_display
from services.registration.ports import Tx


async def note(
    tx: Tx, event: CloudEvent[Any], delegate_id: str, kind: str, detail: str, *, at: datetime | None = None
) -> bool:
    """Keep one trace in the consumer's transaction (when: ``at``, else the event's time); False for a replay."""
    return await tx.traces.note(event.id, delegate_id, kind, at or event.time, clean_for_display(detail)[:500])
