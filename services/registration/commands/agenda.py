"""A delegate's personal agenda: the programme replica kept from ``congress.programme``, marks, the calendar feed.

The replica changes only from programme events (``on_scheduled``/``on_cancelled``, in the consumer's unit of
work: a redelivered or older version changes nothing). A mark or an unmark changes the delegate's marks and
stages ``AgendaChanged`` in one unit of work, so the abstracts service counts exactly the marks that exist.
The calendar feed is reached by a token the delegate can regenerate or revoke; only its SHA-256 is stored, and
it is in no event and no log line.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from schemas.programme import SessionCancelled, SessionScheduled
from services.common.ics import CalendarEntry, calendar_document
from services.registration.commands.records import Deps, NotAllowed
from services.registration.domain import agenda as domain
from services.registration.domain.agenda import AgendaItem, AgendaRefused, ProgrammeSession
from services.registration.ports import Tx

TOKEN_BYTES = 32
"""256 random bits per feed token: unguessable, and long enough that its hash needs no salt."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


async def on_scheduled(tx: Tx, data: SessionScheduled, at: datetime) -> bool:
    """Keep a scheduled session's newest version; False when the event is a replay or older."""
    if not domain.newer(await tx.agenda.session(data.session_id), data.programme_version):
        return False
    session = ProgrammeSession(
        session_id=data.session_id,
        version=data.programme_version,
        title=data.title,
        kind=data.kind.value,
        network=data.network,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        room_name=data.room_name,
        chair=data.chair,
        talks=tuple(p.title for p in data.presentations),
        cancelled=False,
        changed_at=at,
    )
    await tx.agenda.put_session(session)
    return True


async def on_cancelled(tx: Tx, data: SessionCancelled, at: datetime) -> bool:
    """Mark a session cancelled (agendas that hold it show it so); a session never seen is not kept."""
    stored = await tx.agenda.session(data.session_id)
    if stored is None or not domain.newer(stored, data.programme_version):
        return False
    await tx.agenda.put_session(replace(stored, version=data.programme_version, cancelled=True, changed_at=at))
    return True


async def mark(deps: Deps, registration_id: str, session_id: str) -> bool:
    """The delegate marks a session; True when it was not marked before (``AgendaChanged`` staged).
    Raises ``NotAllowed`` for an unknown or cancelled session or a registration that is not live."""
    async with deps.units.begin() as tx:
        row = await tx.registrations.get(registration_id, for_update=True)  # one delegate's marks in turn
        if row is None:
            raise NotAllowed("this registration no longer exists")
        session = await tx.agenda.session(session_id)
        already = await tx.agenda.is_marked(registration_id, session_id)
        try:
            event = domain.mark(deps.congress.id, row, session, already, deps.clock())
        except AgendaRefused as exc:
            raise NotAllowed(str(exc)) from exc
        if event is not None:
            await tx.agenda.mark(registration_id, session_id, event.changed_at)
            tx.stage(event)
        return event is not None


async def unmark(deps: Deps, registration_id: str, session_id: str) -> bool:
    """The delegate unmarks a session; True when it was marked (``AgendaChanged`` with ``attending=False``)."""
    async with deps.units.begin() as tx:
        row = await tx.registrations.get(registration_id, for_update=True)
        if row is None:
            raise NotAllowed("this registration no longer exists")
        already = await tx.agenda.is_marked(registration_id, session_id)
        event = domain.unmark(deps.congress.id, row, session_id, already, deps.clock())
        if event is not None:
            await tx.agenda.unmark(registration_id, session_id)
            tx.stage(event)
        return event is not None


@dataclass(frozen=True)
class ProgrammeView:
    """The published programme for a signed-in delegate: every live session, which they marked, their clashes."""

    days: list[tuple[date, list[AgendaItem]]]
    marked: frozenset[str]


async def programme(deps: Deps, registration_id: str) -> ProgrammeView:
    async with deps.units.read() as tx:
        sessions = await tx.agenda.programme()
        marked = frozenset(s.session_id for s in await tx.agenda.marked(registration_id))
    days = domain.by_day(sessions, deps.congress.timezone, among=marked)
    return ProgrammeView(days, marked)


@dataclass(frozen=True)
class MyAgenda:
    """A delegate's marked sessions by day in the congress timezone, clashes named, and whether a feed exists."""

    days: list[tuple[date, list[AgendaItem]]]
    clashing: int
    has_feed: bool


async def my_agenda(deps: Deps, registration_id: str) -> MyAgenda:
    async with deps.units.read() as tx:
        sessions = await tx.agenda.marked(registration_id)
        has_feed = await tx.agenda.has_feed(registration_id)
    days = domain.by_day(sessions, deps.congress.timezone)
    return MyAgenda(days, len(domain.clashes(sessions)), has_feed)


async def new_feed(deps: Deps, registration_id: str) -> str:
    """A new calendar-feed token for the delegate (any earlier one stops working); shown once, stored hashed."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    async with deps.units.begin() as tx:
        await tx.agenda.set_feed(registration_id, token_hash(token), deps.clock())
    return token


async def revoke_feed(deps: Deps, registration_id: str) -> None:
    async with deps.units.begin() as tx:
        await tx.agenda.drop_feed(registration_id)


async def feed(deps: Deps, token: str) -> bytes | None:
    """The iCalendar document of the agenda whose feed has this token, or None (unknown or revoked)."""
    async with deps.units.read() as tx:
        owner = await tx.agenda.feed_owner(token_hash(token))
        if owner is None:
            return None
        row = await tx.registrations.get(owner)
        sessions = await tx.agenda.marked(owner) if row is not None and not row.erased else []
    return agenda_calendar(deps, sessions)


def agenda_calendar(deps: Deps, sessions: Sequence[ProgrammeSession]) -> bytes:
    """One event per marked session: UID from the session id, SEQUENCE its programme version, cancelled ones
    with ``STATUS:CANCELLED`` (so a calendar that had it shows it cancelled, not silently gone)."""
    congress = deps.congress
    entries = [
        CalendarEntry(
            uid=f"session-{s.session_id}@{congress.id}",
            sequence=s.version,
            summary=s.title,
            starts_at=s.starts_at,
            ends_at=s.ends_at,
            location=s.room_name,
            modified=s.changed_at,
            description="\n".join(s.talks),
            cancelled=s.cancelled,
        )
        for s in sessions
    ]
    name = f"{congress.short_name} — my agenda"
    return calendar_document(entries, name=name, timezone=congress.timezone, stamp=deps.clock())
