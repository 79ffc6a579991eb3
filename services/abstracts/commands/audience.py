"""Delegates' interest, recorded from registration's events, and the expected audience it gives each session.

Registration emits ``AgendaChanged`` when a delegate marks or unmarks a session (keyed by delegate, no
personal field), ``RegistrationConfirmed`` / ``RegistrationCancelled`` as registrations come and go, and
``RegistrationErased`` when a delegate's data is erased. Each is recorded idempotently (the newer state
wins; the kernel's inbox drops a redelivered event), and the programme commands turn the counts into
expected seats per session (``domain/audience.py``) for the placer and the organisers' page.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from services.abstracts.domain.audience import AudienceRule, Expected, expected_audience
from services.abstracts.domain.scheduling import Session
from services.abstracts.ports import Unit

log = logging.getLogger("congress.abstracts.audience")


async def record_agenda_change(
    unit: Unit, delegate_id: str, session_id: str, attending: bool, changed_at: datetime, event_id: str
) -> None:
    """A delegate marked (``attending``) or unmarked a session; an older state than the stored one is ignored."""
    kept = await unit.audience.record_mark(delegate_id, session_id, attending, changed_at)
    log.info("agenda mark", extra={"event_id": event_id, "session_id": session_id, "kept": kept})


async def record_registration(unit: Unit, delegate_id: str, confirmed: bool, version: int, event_id: str) -> None:
    """A registration was confirmed or cancelled; an older version than the stored one is ignored."""
    kept = await unit.audience.record_registration(delegate_id, confirmed, version)
    log.info("registration for audience", extra={"event_id": event_id, "confirmed": confirmed, "kept": kept})


async def forget_delegate(unit: Unit, delegate_id: str, event_id: str) -> None:
    """The delegate's data was erased: their marks and registration state go too."""
    await unit.audience.forget(delegate_id)
    log.info("delegate forgotten for audience", extra={"event_id": event_id})


async def expected(unit: Unit, sessions: Sequence[Session], rule: AudienceRule) -> dict[str, Expected]:
    """Each session's expected audience now: marks of the published sessions once enough delegates marked."""
    interest = await unit.audience.interest()
    published = frozenset(await unit.programme.published())
    return expected_audience(sessions, replace(interest, markable=published), rule)


def seats(audience: dict[str, Expected]) -> dict[str, int]:
    """Session id -> expected seats, for the placer."""
    return {sid: e.seats for sid, e in audience.items()}
