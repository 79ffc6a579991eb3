"""A delegate's personal agenda: the sessions of the published programme they mean to attend.

Pure: no I/O. Registration keeps a replica of the published programme (one ``ProgrammeSession`` per session,
the latest version it heard of); a delegate marks and unmarks sessions of it. This module decides what a
programme event changes in the replica (``newer``), whether a mark is allowed and what it emits
(``mark``/``unmark`` → ``AgendaChanged`` or nothing), which marked sessions overlap (``clashes``) and how the
agenda reads day by day in the congress timezone (``by_day``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from schemas.registration import AgendaChanged
from services.registration.domain.registration import LIVE, Registration


@dataclass(frozen=True)
class ProgrammeSession:
    """One session of the published programme as registration keeps it (its latest version)."""

    session_id: str
    version: int
    """The programme version of this state (``SEQUENCE`` of the calendar entry)."""
    title: str
    kind: str
    network: str
    starts_at: datetime
    ends_at: datetime
    room_name: str
    chair: str | None
    talks: tuple[str, ...]
    """The presentations' titles in running order."""
    cancelled: bool
    changed_at: datetime
    """When the programme event that put it in this state happened (``LAST-MODIFIED``)."""


class AgendaRefused(Exception):
    """A mark the rules do not allow (an unknown or cancelled session, a registration that is not live)."""


def newer(stored: ProgrammeSession | None, version: int) -> bool:
    """Whether an event of programme ``version`` about a session changes the replica: the first event, or a
    later version. A redelivered or late event of the same or an older version changes nothing."""
    return stored is None or version > stored.version


def mark(
    congress_id: str, registration: Registration, session: ProgrammeSession | None, already: bool, now: datetime
) -> AgendaChanged | None:
    """The event a mark emits, or None when the session is marked already (nothing changes)."""
    if registration.status not in LIVE:
        raise AgendaRefused("only a live registration keeps an agenda")
    if session is None:
        raise AgendaRefused("this session is not in the published programme")
    if session.cancelled:
        raise AgendaRefused("this session was cancelled")
    return None if already else _changed(congress_id, registration, session.session_id, True, now)


def unmark(
    congress_id: str, registration: Registration, session_id: str, already: bool, now: datetime
) -> AgendaChanged | None:
    """The event an unmark emits, or None when the session was not marked (nothing changes)."""
    return _changed(congress_id, registration, session_id, False, now) if already else None


def _changed(
    congress_id: str, registration: Registration, session_id: str, attending: bool, now: datetime
) -> AgendaChanged:
    return AgendaChanged(
        congress_id=congress_id,
        registration_id=registration.id,
        delegate_id=registration.delegate_id,
        session_id=session_id,
        attending=attending,
        changed_at=now,
    )


def clashes(sessions: Iterable[ProgrammeSession]) -> dict[str, frozenset[str]]:
    """Session id → the other marked sessions whose times overlap it (cancelled sessions clash with nothing).

    Two sessions overlap when one starts before the other ends; back to back (one ends as the next starts)
    is no clash. Sorted by start, each session is compared only with those still running when it starts.
    """
    live = sorted((s for s in sessions if not s.cancelled), key=lambda s: (s.starts_at, s.ends_at, s.session_id))
    found: dict[str, set[str]] = {}
    running: list[ProgrammeSession] = []
    for session in live:
        running = [r for r in running if r.ends_at > session.starts_at]
        for other in running:
            found.setdefault(session.session_id, set()).add(other.session_id)
            found.setdefault(other.session_id, set()).add(session.session_id)
        running.append(session)
    return {sid: frozenset(others) for sid, others in found.items()}


@dataclass(frozen=True)
class AgendaItem:
    """One session of a delegate's agenda as the page shows it."""

    session: ProgrammeSession
    starts: datetime
    """Start in the congress timezone."""
    ends: datetime
    clashes_with: tuple[str, ...]
    """Titles of the marked sessions it overlaps."""


def by_day(
    sessions: Sequence[ProgrammeSession], timezone: str, *, among: frozenset[str] | None = None
) -> list[tuple[date, list[AgendaItem]]]:
    """The sessions grouped by their day in the congress timezone, each day in time order, with the clashes
    between the sessions ``among`` names (default: all of them; the programme page passes the marked ones)."""
    tz = ZoneInfo(timezone)
    overlapping = clashes(s for s in sessions if among is None or s.session_id in among)
    titles = {s.session_id: s.title for s in sessions}
    days: dict[date, list[AgendaItem]] = {}
    for s in sorted(sessions, key=lambda s: (s.starts_at, s.session_id)):
        starts, ends = s.starts_at.astimezone(tz), s.ends_at.astimezone(tz)
        others = tuple(sorted(titles[o] for o in overlapping.get(s.session_id, ())))
        days.setdefault(starts.date(), []).append(AgendaItem(s, starts, ends, others))
    return sorted(days.items())
