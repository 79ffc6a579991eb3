"""Updating a draft programme that organisers have worked on, disturbing as little as possible.

Standard library only. The draft's sessions stay where they are, with their chairs and running
order; presentations whose abstract is no longer accepted leave (a session left empty goes);
newly accepted papers and posters join a session of their kind that has room — a paper only one
of its own network, the best keyword fit first, and never one whose time clashes with one of its
presenters — and what is left is grouped into new sessions (symposia, roundtables and workshops are
sessions of their own). Only the new sessions (and draft sessions that never had a place) are then
placed, around the others held fixed (``scheduling.schedule(..., fixed=...)``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace

from services.abstracts.domain import grouping
from services.abstracts.domain.scheduling import GROUPED, Grid, Place, Session, Talk, place_problems


@dataclass(frozen=True)
class Update:
    """What an update does to the draft, before the new sessions are placed."""

    sessions: tuple[Session, ...]
    """Every session after the update: the kept ones in draft order, then the new ones."""
    fixed: dict[str, Place]
    """The kept sessions that have a place: they keep it."""
    joined: dict[str, str]
    """Abstract id → the existing session a newly accepted abstract joined."""
    new: tuple[str, ...]
    """Ids of the sessions made for newly accepted abstracts."""
    dropped: dict[str, str]
    """Abstract id → the session it left because it is no longer accepted."""
    emptied: tuple[str, ...]
    """Sessions removed because no presentation was left in them."""


@dataclass(frozen=True)
class Limits:
    """How many presentations a session of a grouped kind holds, and the network names for new titles."""

    papers_per_session: int
    posters_per_session: int
    networks: Mapping[str, str]

    def of(self, kind: str) -> int:
        return self.papers_per_session if kind == "paper" else self.posters_per_session


def prune(draft: Sequence[Session], accepted: AbstractSet[str]) -> tuple[list[Session], dict[str, str], list[str]]:
    """The draft's sessions without presentations no longer accepted; what left where; sessions emptied."""
    kept: list[Session] = []
    dropped: dict[str, str] = {}
    emptied: list[str] = []
    for session in draft:
        talks = tuple(t for t in session.talks if t.abstract_id in accepted)
        dropped.update({t.abstract_id: session.id for t in session.talks if t.abstract_id not in accepted})
        if talks:
            kept.append(replace(session, talks=talks) if len(talks) != len(session.talks) else session)
        else:
            emptied.append(session.id)
    return kept, dropped, emptied


def refreshed(sessions: Sequence[Session], accepted: Sequence[Talk]) -> list[Session]:
    """Symposium sessions with their talk as accepted now: an organiser may have changed its papers, chair or
    discussant (or its title) since the draft was made; the session keeps its id, place and chair."""
    fresh = {t.abstract_id: t for t in accepted}
    out = []
    for session in sessions:
        if session.kind == "symposium" and session.talks and session.talks[0].abstract_id in fresh:
            talk = fresh[session.talks[0].abstract_id]
            if talk.kind == session.kind and talk != session.talks[0]:
                session = replace(session, title=talk.title, talks=(talk,))
        out.append(session)
    return out


def best_session(
    talk: Talk, sessions: Mapping[str, Session], places: Mapping[str, Place], grid: Grid, limits: Limits
) -> Session | None:
    """The existing session a new paper or poster joins: its kind, room left, a paper's own network,
    no presenter busy elsewhere at its time; same network first, then the best keyword fit, then draft order."""
    order = {sid: i for i, sid in enumerate(sessions)}

    def allowed(s: Session) -> bool:
        if s.kind != talk.kind or len(s.talks) >= limits.of(s.kind):
            return False
        if s.kind == "paper" and s.network != talk.network:
            return False
        joined = joined_session(s, talk)
        return s.id not in places or not place_problems(joined, places[s.id], {**sessions, s.id: joined}, places, grid)

    candidates = [s for s in sessions.values() if allowed(s)]
    if not candidates:
        return None
    words = {s.id: [k for t in s.talks for k in t.keywords] for s in candidates}
    return max(
        candidates,
        key=lambda s: (s.network == talk.network, grouping.similarity(words[s.id], talk.keywords), -order[s.id]),
    )


def joined_session(session: Session, talk: Talk) -> Session:
    """The session with the talk added last; a poster session of mixed networks names none."""
    network = session.network if session.network == talk.network else ""
    return replace(session, network=network, talks=(*session.talks, talk))


def plan_update(
    draft: Sequence[Session],
    places: Mapping[str, Place],
    accepted: Sequence[Talk],
    grid: Grid,
    limits: Limits,
    taken: AbstractSet[str] = frozenset(),
) -> Update:
    """The draft brought up to date with the accepted abstracts (see the module's docstring).

    ``taken`` names session ids a new session must not reuse (those published before), so a new
    session is never mistaken for an old one."""
    kept, dropped, emptied = prune(draft, {t.abstract_id for t in accepted})
    sessions = {s.id: s for s in refreshed(kept, accepted)}
    present = {t.abstract_id for s in draft for t in s.talks}
    arriving = sorted((t for t in accepted if t.abstract_id not in present), key=lambda t: t.reference)
    joined: dict[str, str] = {}
    leftover: list[Talk] = []
    for talk in arriving:
        target = best_session(talk, sessions, places, grid, limits) if talk.kind in GROUPED else None
        if target is None:
            leftover.append(talk)
            continue
        sessions[target.id] = joined_session(target, talk)
        joined[talk.abstract_id] = target.id
    used = {s.id for s in draft} | set(taken)
    made = grouping.group(leftover, limits.networks, limits.papers_per_session, limits.posters_per_session, used)
    fixed = {sid: p for sid, p in places.items() if sid in sessions}
    return Update(
        sessions=(*sessions.values(), *made),
        fixed=fixed,
        joined=joined,
        new=tuple(s.id for s in made),
        dropped=dropped,
        emptied=tuple(emptied),
    )
