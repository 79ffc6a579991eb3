"""The organisers' draft programme: each session with its running order, its place (if it has one), its chair
(a name, or a person with an address) and, when it has no place, why. Generating makes a fresh draft; an update
keeps what is there."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from services.abstracts.domain.scheduling import Place, Schedule, Session
from services.abstracts.domain.updating import Update


@dataclass(frozen=True)
class Entry:
    """One session of the draft."""

    session: Session
    position: int
    place: Place | None = None
    chair: str | None = None
    unplaced_reason: str | None = None
    chair_email: str | None = None
    """The chair's address when the organisers named them as a person (role, ribbon and slot email follow)."""
    chair_language: str = "en"


def state(entries: Sequence[Entry]) -> tuple[dict[str, Session], dict[str, Place]]:
    """The draft's sessions and the places of those that have one, by session id."""
    sessions = {e.session.id: e.session for e in entries}
    places = {e.session.id: e.place for e in entries if e.place is not None}
    return sessions, places


def generated(result: Schedule) -> list[Entry]:
    """A fresh draft from a schedule: sessions in its order, no chairs."""
    reasons = {u.session_id: u.reason for u in result.unplaced}
    return [
        Entry(s, position, result.places.get(s.id), None, reasons.get(s.id))
        for position, s in enumerate(result.sessions)
    ]


def updated(entries: Sequence[Entry], plan: Update, result: Schedule) -> list[Entry]:
    """The draft after an update: kept sessions keep their position and chair, new ones come after."""
    old = {e.session.id: e for e in entries}
    reasons = {u.session_id: u.reason for u in result.unplaced}
    last = max((e.position for e in entries), default=-1)
    made = {sid: last + 1 + i for i, sid in enumerate(plan.new)}
    return [
        Entry(
            s,
            old[s.id].position if s.id in old else made[s.id],
            result.places.get(s.id),
            old[s.id].chair if s.id in old else None,
            reasons.get(s.id),
            old[s.id].chair_email if s.id in old else None,
            old[s.id].chair_language if s.id in old else "en",
        )
        for s in plan.sessions
    ]
