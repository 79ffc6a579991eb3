"""Which programme event causes which message, to whom: presenters hear where and when they present.

Pure: no I/O. ``SessionScheduled`` tells each presenter of each presentation where and
when it is; a later version of a session (a re-publish that changed it) is a new cause
and gets the "your session changed" wording for presenters notify told about that session
before (``Known.told``, from notify's own tables, ``adapters/programme.py``). A
presenter's presentations in one batch make one message (``group_schedules``), as the
reviewer invitations do; a session's chair named with an address hears of it too, with the session
as its calendar entry (``session_chair``). ``PresentationMoved`` to another session tells the presenters the
old and new place, and the new session's event leaves that presentation out (it says
``moved_from``); a move of a whole session (same session, new time or room) is told once, by
the session's own event with the "changed" wording. ``SessionCancelled`` tells the presenters
notify told about the session (it carries no presenters itself). ``ProgrammePublished``
sends nothing.

Presenters have no id: ``recipient_id`` is the authors' one, a digest of the address.
Times are shown in the event's ``timezone`` (the congress's), in the recipient's locale.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from schemas.base import EventData
from schemas.programme import (
    Presentation,
    PresentationMoved,
    Presenter,
    ProgrammeEvent,
    ProgrammePublished,
    SessionCancelled,
    SessionScheduled,
)
from services.common.ics import CalendarEntry
from services.notify.domain.abstracts import author_id
from services.notify.domain.programme_calendar import SlotCalendar
from services.notify.domain.rules import MessagePlan, Recipient
from services.notify.domain.session_chair import (
    CHAIRED,
    UNCHAIRED,
    cancelled_entry,
    chair_recipient,
    former_chair,
    session_entry,
)
from services.notify.domain.symposium_roles import RoleHolder, to_tell

PROGRAMME_EVENTS: tuple[type[EventData], ...] = (
    SessionScheduled,
    PresentationMoved,
    SessionCancelled,
    ProgrammePublished,
)
SCHEDULED = "presentation_scheduled"
CHANGED = "session_changed"
MOVED = "presentation_moved"
CANCELLED = "session_cancelled"
PROGRAMME_TEMPLATES: tuple[str, ...] = (SCHEDULED, CHANGED, MOVED, CANCELLED, CHAIRED, UNCHAIRED)


@dataclass(frozen=True)
class ProgrammeSettings:
    """Where the full programme is, when the configuration says; None: the emails say it in plain words."""

    programme_url: str | None = None


def programme_settings(
    *,
    notify_url: str | None = None,
    programme: Mapping[str, Any] | None = None,
    abstracts: Mapping[str, Any] | None = None,
    abstracts_public_url: str | None = None,
) -> ProgrammeSettings:
    """Read leniently, first usable wins: NOTIFY_PROGRAMME_URL, the file's ``programme.url``/``public_url``,
    then the abstracts service's public URL (env or ``abstracts.public_url``) + ``/programme``."""
    programme, abstracts = programme or {}, abstracts or {}
    candidates = [notify_url, programme.get("url"), programme.get("public_url")]
    for base in (abstracts_public_url, abstracts.get("public_url")):
        if _is_url(base):
            candidates.append(f"{str(base).rstrip('/')}/programme")
    return ProgrammeSettings(programme_url=next((str(c).strip() for c in candidates if _is_url(c)), None))


def _is_url(value: Any) -> bool:
    return isinstance(value, str) and value.strip().startswith(("http://", "https://")) and " " not in value.strip()


@dataclass(frozen=True)
class Slot:
    """One presentation of the recipient in one session, as a scheduled message lists it."""

    session: SessionScheduled
    presentation: Presentation
    changed: bool
    """The recipient was told about this session in an earlier programme version."""

    @property
    def others(self) -> list[str]:
        """The session's other presentations' titles, in running order."""
        return [p.title for p in self.session.presentations if p.abstract_id != self.presentation.abstract_id]


@dataclass(frozen=True)
class Told:
    """A presenter notify told about a session (kept so that a cancellation can reach them)."""

    session_id: str
    recipient_id: str
    email: str
    name: str
    language: str
    presentations: tuple[tuple[str, str, str], ...] = ()
    """(abstract id, reference, title) of their presentations in the session."""
    chairs: bool = False
    """They chair the session (named with an address: ``session_chair``), besides any presentations."""


@dataclass(frozen=True)
class SessionSeen:
    """What notify keeps of a session's latest scheduled version, for its cancellation."""

    session_id: str
    version: int
    title: str
    day: date
    starts_at: datetime
    ends_at: datetime
    timezone: str
    room_name: str


@dataclass(frozen=True)
class Known:
    """What notify remembers (or decided for the batch) that a programme event does not carry."""

    told: frozenset[tuple[str, str]] = frozenset()
    """(session id, recipient id) pairs told about in an earlier version."""
    group: Mapping[str, tuple[SessionScheduled, ...]] | None = None
    """By recipient id: the batch's sessions this event tells them about; a presenter absent is told by another
    event of the batch. None: no grouping, each presenter hears about this event's session."""
    presenters: tuple[Told, ...] = ()
    """Those notify told about the session's latest version it keeps (for a cancellation, or a chair's change)."""
    session: SessionSeen | None = None
    roles: tuple[RoleHolder, ...] = ()
    """The chairs and discussants of the session's symposia (``symposium_roles``)."""


def presenter_recipient(p: Presenter) -> Recipient:
    return Recipient(recipient_id=author_id(p.email), email=p.email, name=p.name, language=p.language)


def presenters_of(data: SessionScheduled) -> list[Presenter]:
    """Each presenter of the session once (by address), in running order."""
    seen: dict[str, Presenter] = {}
    for presentation in data.presentations:
        for p in presentation.presenters:
            seen.setdefault(author_id(p.email), p)
    return list(seen.values())


def told_of(data: SessionScheduled) -> list[Told]:
    """The presenters a scheduled session tells, as notify keeps them."""
    out = []
    for p in presenters_of(data):
        rid = author_id(p.email)
        mine = tuple(
            (x.abstract_id, x.reference, x.title)
            for x in data.presentations
            if any(author_id(q.email) == rid for q in x.presenters)
        )
        out.append(Told(data.session_id, rid, p.email, p.name, p.language, mine))
    return out


def session_seen(data: SessionScheduled) -> SessionSeen:
    return SessionSeen(
        session_id=data.session_id,
        version=data.programme_version,
        title=data.title,
        day=data.day,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        timezone=data.timezone,
        room_name=data.room_name,
    )


def group_schedules(events: Sequence[tuple[str, EventData]]) -> dict[str, dict[str, tuple[SessionScheduled, ...]]]:
    """By event id: recipient id → the batch's sessions of that presenter it tells (the first event naming them
    leads; a session scheduled twice in the batch counts in its latest version)."""
    by_presenter: dict[str, dict[str, SessionScheduled]] = {}
    lead: dict[str, str] = {}
    for event_id, data in events:
        if not isinstance(data, SessionScheduled):
            continue
        for p in presenters_of(data):
            rid = author_id(p.email)
            lead.setdefault(rid, event_id)
            sessions = by_presenter.setdefault(rid, {})
            if data.session_id not in sessions or sessions[data.session_id].programme_version <= data.programme_version:
                sessions[data.session_id] = data
    groups: dict[str, dict[str, tuple[SessionScheduled, ...]]] = {
        event_id: {} for event_id, data in events if isinstance(data, SessionScheduled)
    }
    for rid, event_id in lead.items():
        groups[event_id][rid] = tuple(by_presenter[rid].values())
    return groups


def plan_programme_messages(
    data: ProgrammeEvent,
    cause_event_id: str,
    settings: ProgrammeSettings,
    known: Known = Known(),
    *,
    at: datetime | None = None,
) -> list[MessagePlan]:
    """The messages one programme event causes, each with its slots as calendar entries (``calendar``);
    ``at``: when the event happened (the entries' LAST-MODIFIED)."""
    base: dict[str, Any] = {"event": data, "settings": settings, "addressed_as": "author"}
    slots_ics = SlotCalendar(data.congress_id, settings.programme_url, at)

    def plan(
        template: str, to: Recipient, about: str | None, calendar: tuple[CalendarEntry, ...] = (), **context: Any
    ) -> MessagePlan:
        return MessagePlan(
            template=template,
            cause_event_id=cause_event_id,
            recipient=to,
            context={**base, **context},
            calendar=calendar,
            key=to.recipient_id,
            about=about,
        )

    if isinstance(data, SessionScheduled):
        plans = []
        for p in presenters_of(data):
            to = presenter_recipient(p)
            sessions = (data,) if known.group is None else known.group.get(to.recipient_id, ())
            slots = slots_for(to.recipient_id, sessions, known.told)
            if slots:
                template = CHANGED if any(s.changed for s in slots) else SCHEDULED
                calendar = tuple(slots_ics.of_slot(s) for s in slots)
                plans.append(plan(template, to, first_presentation(data, to.recipient_id), calendar, slots=slots))
        presenting = {author_id(p.email) for p in presenters_of(data)}
        for holder in to_tell(known.roles, presenting):
            if (slot := role_slot(data, holder, known.told)) is not None:
                template = CHANGED if slot.changed else SCHEDULED
                calendar = (slots_ics.of_slot(slot),)
                plans.append(
                    plan(template, holder.recipient, holder.abstract_id, calendar, slots=[slot], role=holder.role)
                )
        if (chair := chair_recipient(data)) is not None:  # a session chair named with an address
            entry = session_entry(data, settings.programme_url, at)
            changed = (data.session_id, chair.recipient_id) in known.told
            plans.append(plan(CHAIRED, chair, None, (entry,), changed=changed))
        if (gone := former_chair(data, known.presenters, known.session)) is not None:  # replaced, or none now
            to, seen = gone
            released = cancelled_entry(data, seen.starts_at, seen.ends_at, seen.room_name, at)
            plans.append(plan(UNCHAIRED, to, None, (released,), session=seen))
        return plans
    if isinstance(data, PresentationMoved):
        if data.old.session_id == data.new.session_id:
            return []  # the whole session moved: its SessionScheduled of this publication tells them
        people: dict[str, Presenter] = {}
        for p in data.presenters:
            people.setdefault(author_id(p.email), p)
        moved = (slots_ics.of_move(data),)
        return [plan(MOVED, presenter_recipient(p), data.abstract_id, moved) for p in people.values()]
    if isinstance(data, SessionCancelled):
        plans = []
        for told in known.presenters:
            mine = tuple(x for x in told.presentations if x[0] not in data.moved_out)
            if told.presentations and not mine and not told.chairs:
                continue  # all theirs moved to other sessions: a PresentationMoved tells them, not this
            to = Recipient(told.recipient_id, told.email, told.name, told.language)
            kept = replace(told, presentations=mine)
            calendar = slots_ics.of_cancelled(data, mine, known.session)
            if told.chairs and known.session is not None:  # the session's chair: its own entry too
                seen = known.session
                calendar = (*calendar, cancelled_entry(data, seen.starts_at, seen.ends_at, seen.room_name, at))
            plans.append(plan(CANCELLED, to, mine[0][0] if mine else None, calendar, told=kept, session=known.session))
        return plans
    return []


def role_slot(data: SessionScheduled, holder: RoleHolder, told: frozenset[tuple[str, str]]) -> Slot | None:
    """The symposium's first paper in this session, as the slot its chair or discussant is told of."""
    rid = holder.recipient.recipient_id
    first = next((x for x in data.presentations if x.abstract_id == holder.abstract_id), None)
    return None if first is None else Slot(session=data, presentation=first, changed=(data.session_id, rid) in told)


def role_told(data: SessionScheduled, holders: Iterable[RoleHolder]) -> list[Told]:
    """The chairs and discussants a scheduled session tells, kept like its presenters (for a cancellation)."""
    out = []
    for h in to_tell(holders, {author_id(p.email) for p in presenters_of(data)}):
        if (slot := role_slot(data, h, frozenset())) is not None:
            x = slot.presentation
            to = h.recipient
            out.append(
                Told(
                    data.session_id,
                    to.recipient_id,
                    to.email,
                    to.name,
                    to.language,
                    ((x.abstract_id, x.reference, x.title),),
                )
            )
    return out


def chair_told(data: SessionScheduled) -> list[Told]:
    """The session's chair (a person), kept with its presenters so that a later version, a cancellation or
    another chair reaches them (``merged``: one row with their presentations when they also present)."""
    to = chair_recipient(data)
    return [] if to is None else [Told(data.session_id, to.recipient_id, to.email, to.name, to.language, chairs=True)]


def merged(told: Iterable[Told]) -> list[Told]:
    """One per (session, person): a chair who also presents, or who also chairs a symposium in it, is one row
    with all their presentations and the chair's mark."""
    out: dict[tuple[str, str], Told] = {}
    for t in told:
        key = (t.session_id, t.recipient_id)
        if (had := out.get(key)) is None:
            out[key] = t
            continue
        mine = had.presentations + tuple(p for p in t.presentations if p not in had.presentations)
        out[key] = replace(had, presentations=mine, chairs=had.chairs or t.chairs)
    return list(out.values())


def first_presentation(data: SessionScheduled, recipient_id: str) -> str | None:
    """The abstract a scheduled message is about: the recipient's first in the causing event's session."""
    return next(
        (x.abstract_id for x in data.presentations if any(author_id(q.email) == recipient_id for q in x.presenters)),
        None,
    )


def slots_for(recipient_id: str, sessions: Iterable[SessionScheduled], told: frozenset[tuple[str, str]]) -> list[Slot]:
    """The recipient's presentations in these sessions, in day and time order (but those moved in from another
    session: their PresentationMoved tells of them)."""
    slots = [
        Slot(session=s, presentation=x, changed=(s.session_id, recipient_id) in told)
        for s in sessions
        for x in s.presentations
        if x.moved_from is None and any(author_id(q.email) == recipient_id for q in x.presenters)
    ]
    return sorted(slots, key=lambda s: (s.session.starts_at, s.session.session_id))
