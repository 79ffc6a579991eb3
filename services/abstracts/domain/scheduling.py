"""Programme scheduling rules: accepted abstracts grouped into sessions, sessions placed into (day, slot, room).

Standard library only. Grouping abstracts into sessions is ``grouping.py``. Placement obeys four
rules: the room suits the session's kind (and the day holds that kind), a room holds one
session at a time, no presenting author (email, case-insensitive) is in two sessions at the
same time, and — where it can be avoided — two sessions of one network do not run in parallel.
The search itself is a ``Placer`` (CP-SAT in ``adapters/solver.py``; ``greedy_place`` here is the
baseline it is measured against); the rules and the reasons a session is left out live here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time
from typing import Protocol
from zoneinfo import ZoneInfo

KINDS = ("paper", "symposium", "poster", "workshop", "roundtable")
GROUPED = frozenset({"paper", "poster"})
"""Kinds whose sessions hold several abstracts (and can take a moved presentation)."""


@dataclass(frozen=True)
class Presenter:
    name: str
    email: str
    language: str = "en"


@dataclass(frozen=True)
class Talk:
    """An accepted abstract to be presented, in its decided format."""

    abstract_id: str
    reference: str
    title: str
    network: str
    kind: str
    keywords: tuple[str, ...] = ()
    presenters: tuple[Presenter, ...] = ()

    @property
    def emails(self) -> frozenset[str]:
        return frozenset(p.email.casefold() for p in self.presenters)


@dataclass(frozen=True)
class Session:
    id: str
    kind: str
    network: str
    title: str
    talks: tuple[Talk, ...]

    @property
    def emails(self) -> frozenset[str]:
        return frozenset(e for t in self.talks for e in t.emails)


@dataclass(frozen=True)
class Room:
    code: str
    name: str
    capacity: int
    kinds: frozenset[str]


@dataclass(frozen=True)
class Slot:
    day: date
    index: int
    start: time
    end: time
    kinds: frozenset[str] = frozenset(KINDS)

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """Start and end as aware UTC datetimes (the slot's times are local to the congress)."""
        start = datetime.combine(self.day, self.start, tzinfo=tz).astimezone(UTC)
        return start, datetime.combine(self.day, self.end, tzinfo=tz).astimezone(UTC)


@dataclass(frozen=True, order=True)
class Place:
    day: date
    slot: int
    room: str

    @property
    def time(self) -> tuple[date, int]:
        return (self.day, self.slot)


@dataclass(frozen=True)
class Grid:
    rooms: tuple[Room, ...]
    slots: tuple[Slot, ...]

    def room(self, code: str) -> Room | None:
        return next((r for r in self.rooms if r.code == code), None)

    def slot(self, day: date, index: int) -> Slot | None:
        return next((s for s in self.slots if s.day == day and s.index == index), None)

    def places_for(self, kind: str) -> list[Place]:
        """Every (day, slot, room) that suits a session of this kind, in time then room order."""
        return [
            Place(s.day, s.index, r.code) for s in self.slots if kind in s.kinds for r in self.rooms if kind in r.kinds
        ]


@dataclass(frozen=True)
class Unplaced:
    session_id: str
    reason: str


@dataclass(frozen=True)
class Schedule:
    sessions: tuple[Session, ...]
    places: dict[str, Place]
    unplaced: tuple[Unplaced, ...] = field(default=())


class Placer(Protocol):
    """Places ``sessions``; those named in ``fixed`` are pinned where they are (their rooms taken, their
    presenters busy, their network counted at those times) and come back unchanged with the others.
    ``audience`` (session id -> expected seats) lets a placer keep sessions out of rooms too small for them."""

    def __call__(
        self,
        sessions: Sequence[Session],
        grid: Grid,
        fixed: Mapping[str, Place] | None = None,
        audience: Mapping[str, int] | None = None,
    ) -> dict[str, Place]: ...


def busy(sessions: Mapping[str, Session], places: Mapping[str, Place], when: tuple[date, int]) -> dict[str, str]:
    """Presenter email -> the session they are in at this time."""
    return {e: sid for sid, p in places.items() if p.time == when for e in sessions[sid].emails}


def place_problems(
    session: Session, place: Place, sessions: Mapping[str, Session], places: Mapping[str, Place], grid: Grid
) -> list[str]:
    """Why ``session`` may not go to ``place`` given where the others are (empty: it may)."""
    room, slot = grid.room(place.room), grid.slot(place.day, place.slot)
    if room is None or slot is None:
        return ["There is no such room or time in the programme."]
    problems = []
    if session.kind not in room.kinds:
        problems.append(
            f"{room.name} does not suit a {session.kind} session (it takes {', '.join(sorted(room.kinds))})."
        )
    if session.kind not in slot.kinds:
        problems.append(f"{place.day} holds no {session.kind} sessions.")
    others = {sid: p for sid, p in places.items() if sid != session.id}
    taken = [sid for sid, p in others.items() if p == place]
    if taken:
        problems.append(f"{room.name} is already taken at that time by {sessions[taken[0]].title} ({taken[0]}).")
    engaged = busy(sessions, others, place.time)
    for email in sorted(session.emails & engaged.keys()):
        problems.append(f"{email} presents in {engaged[email]} at the same time.")
    return problems


def transfer_problems(
    abstract_id: str,
    source: Session,
    target: Session,
    sessions: Mapping[str, Session],
    places: Mapping[str, Place],
    grid: Grid,
    limits: Mapping[str, int],
) -> list[str]:
    """Why one presentation may not move from ``source`` into ``target`` (empty: it may)."""
    if target.id == source.id:
        return [f"It is already in {source.id}."]
    if source.kind not in GROUPED:
        return [f"A {source.kind} is a session of its own: move the session instead."]
    if target.kind != source.kind:
        return [f"A {source.kind} can only join another {source.kind} session; {target.id} is a {target.kind} session."]
    if len(target.talks) >= limits[target.kind]:
        return [f"{target.id} is full ({len(target.talks)} presentations)."]
    talk = next(t for t in source.talks if t.abstract_id == abstract_id)
    emptied = replace(source, talks=tuple(t for t in source.talks if t.abstract_id != abstract_id))
    joined = replace(target, talks=(*target.talks, talk))
    if target.id not in places:
        return []
    after = {**sessions, source.id: emptied, target.id: joined}
    return place_problems(joined, places[target.id], after, places, grid)


def parallel_networks(
    session: Session, place: Place, sessions: Mapping[str, Session], places: Mapping[str, Place]
) -> list[str]:
    """Sessions of the same network at the same time (allowed when it cannot be avoided)."""
    if not session.network:
        return []
    return sorted(
        sid
        for sid, p in places.items()
        if sid != session.id and p.time == place.time and sessions[sid].network == session.network
    )


def network_clashes(sessions: Mapping[str, Session], places: Mapping[str, Place]) -> int:
    """How many sessions run in parallel with an earlier-listed session of their own network."""
    seen: Counter[tuple[str, date, int]] = Counter()
    for sid, p in sorted(places.items()):
        if sessions[sid].network:
            seen[(sessions[sid].network, p.day, p.slot)] += 1
    return sum(n - 1 for n in seen.values())


def explain(session: Session, grid: Grid, sessions: Mapping[str, Session], places: Mapping[str, Place]) -> str:
    """Why a session could not be placed, in a sentence an organiser can act on."""
    if not any(session.kind in r.kinds for r in grid.rooms):
        return f"No room suits a {session.kind} session: add one to programme.rooms."
    options = grid.places_for(session.kind)
    if not options:
        return f"No day holds {session.kind} sessions: add the kind to a day in programme.days."
    taken = set(places.values())
    free = [p for p in options if p not in taken]
    if not free:
        return f"Every room that suits a {session.kind} session is taken at every time ({len(options)} places)."
    clashing = sorted({e for p in free for e in session.emails & busy(sessions, places, p.time).keys()})
    return f"Its presenters ({', '.join(clashing)}) present elsewhere at every time a suitable room is free."


def assign_rooms(kinds: Mapping[str, str], rooms: Sequence[Room]) -> dict[str, str] | None:
    """Rooms for sessions that run at one time (session id -> kind), one each, every room suiting its session:
    a bipartite matching by augmenting paths, deterministic; None if there is none."""
    owner: dict[str, str] = {}

    def seat(sid: str, seen: set[str]) -> bool:
        for room in rooms:
            if kinds[sid] in room.kinds and room.code not in seen:
                seen.add(room.code)
                if room.code not in owner or seat(owner[room.code], seen):
                    owner[room.code] = sid
                    return True
        return False

    for sid in sorted(kinds, key=lambda s: (sum(kinds[s] in r.kinds for r in rooms), s)):
        if not seat(sid, set()):
            return None
    return {sid: code for code, sid in owner.items()}


def greedy_place(
    sessions: Sequence[Session],
    grid: Grid,
    fixed: Mapping[str, Place] | None = None,
    audience: Mapping[str, int] | None = None,  # the baseline does not size rooms (same signature as Placer)
) -> dict[str, Place]:
    """Baseline placer: biggest sessions first, each into the first free place that breaks no rule,
    preferring times with no session of its network. Sessions in ``fixed`` stay where they are."""
    by_id = {s.id: s for s in sessions}
    places: dict[str, Place] = {sid: p for sid, p in (fixed or {}).items() if sid in by_id}
    for session in sorted((s for s in sessions if s.id not in places), key=lambda s: (-len(s.talks), s.id)):
        fits = [p for p in grid.places_for(session.kind) if not place_problems(session, p, by_id, places, grid)]
        if fits:
            places[session.id] = min(fits, key=lambda p: (len(parallel_networks(session, p, by_id, places)), p))
    return places


def schedule(
    sessions: Sequence[Session],
    grid: Grid,
    placer: Placer,
    fixed: Mapping[str, Place] | None = None,
    audience: Mapping[str, int] | None = None,
) -> Schedule:
    """Place the sessions with ``placer``, check its answer against the rules, and explain what is left out.

    Sessions in ``fixed`` keep their places as given (an organiser put them there); only the others are
    placed, around them, and checked. ``audience`` (expected seats per session) goes to the placer."""
    by_id = {s.id: s for s in sessions}
    pinned = {sid: p for sid, p in (fixed or {}).items() if sid in by_id}
    proposed = placer(sessions, grid, pinned, audience) if audience else placer(sessions, grid, pinned)
    places: dict[str, Place] = dict(pinned)
    for sid in sorted(proposed, key=lambda s: (proposed[s], s)):
        if sid in by_id and sid not in pinned and not place_problems(by_id[sid], proposed[sid], by_id, places, grid):
            places[sid] = proposed[sid]
    unplaced = tuple(Unplaced(s.id, explain(s, grid, by_id, places)) for s in sessions if s.id not in places)
    return Schedule(tuple(sessions), places, unplaced)
