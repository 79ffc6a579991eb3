"""What a publication of the programme emits, pure: each placed session's ``SessionScheduled``, and the
differences from what was published before.

The first publication emits ``SessionScheduled`` for every placed session; a re-publish compares the draft
with what was last published and emits only the differences (``SessionScheduled`` for a new or changed
session, ``PresentationMoved`` for each abstract whose session or time changed, ``SessionCancelled`` for a
session that is gone); the command then adds ``ProgrammePublished``.
"""

from __future__ import annotations

from typing import Any

from schemas.programme import (
    Placement,
    Presentation,
    PresentationMoved,
    Presenter,
    ProgrammePublished,
    SessionCancelled,
    SessionKind,
    SessionScheduled,
)
from services.abstracts.domain import scheduling
from services.abstracts.domain.draft import Entry
from services.abstracts.domain.errors import NotAllowed
from services.common.congress import Congress

Row = dict[str, Any]
EventData = SessionScheduled | PresentationMoved | SessionCancelled | ProgrammePublished


def scheduled(
    grid: scheduling.Grid,
    congress: Congress,
    s: scheduling.Session,
    place: scheduling.Place,
    version: int,
    chair: str | None = None,
    chair_person: tuple[str, str] | None = None,
) -> SessionScheduled:
    """The event for a session at its place, times in UTC; ``chair_person``: the (email, language) of the chair
    the organisers named with an address (the event seals their name and address with their own key)."""
    slot, room = grid.slot(place.day, place.slot), grid.room(place.room)
    if slot is None or room is None:  # the configuration lost the room or time since the draft was made
        raise NotAllowed(f"{s.id} is at a room or time the programme no longer has; generate or move it first")
    starts_at, ends_at = slot.bounds(congress.tz)
    hosts = next((t for t in s.talks if t.papers), None)  # a symposium's talk: its chair and discussant
    return SessionScheduled(
        congress_id=congress.id,
        session_id=s.id,
        title=s.title,
        kind=SessionKind(s.kind),
        network=s.network,
        day=place.day,
        starts_at=starts_at,
        ends_at=ends_at,
        timezone=congress.timezone,
        room_code=room.code,
        room_name=room.name,
        chair=chair or (hosts.chair.name if hosts and hosts.chair else None),
        discussant=hosts.discussant.name if hosts and hosts.discussant else None,
        chair_email=chair_person[0] if chair_person and chair else None,
        chair_language=chair_person[1] if chair_person and chair else "en",
        presentations=tuple(p for t in s.talks for p in presentations(t)),
        programme_version=version,
    )


def person_of(entry: Entry) -> tuple[str, str] | None:
    """The (email, language) of the draft entry's chair, when the organisers gave an address (None: a name only,
    or none)."""
    if not entry.chair or not entry.chair_email:
        return None
    return entry.chair_email, entry.chair_language


def presentations(talk: scheduling.Talk) -> tuple[Presentation, ...]:
    """A talk's presentations: itself, or a symposium's papers in running order (numbered from 1)."""
    if not talk.papers:
        return (
            Presentation(
                abstract_id=talk.abstract_id,
                reference=talk.reference,
                title=talk.title,
                presenters=_presenters(talk.presenters),
            ),
        )
    return tuple(
        Presentation(
            abstract_id=talk.abstract_id,
            reference=talk.reference,
            title=paper.title,
            presenters=_presenters(paper.presenters),
            paper=number,
        )
        for number, paper in enumerate(talk.papers, start=1)
    )


def _presenters(people: tuple[scheduling.Presenter, ...]) -> tuple[Presenter, ...]:
    return tuple(Presenter(name=p.name, email=p.email, language=p.language) for p in people)


def _placement(event: SessionScheduled) -> Placement:
    return Placement(
        session_id=event.session_id,
        day=event.day,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        room_code=event.room_code,
        room_name=event.room_name,
    )


def _same(old: Row, new: SessionScheduled) -> bool:
    was = SessionScheduled.model_validate(old).model_dump(mode="json", exclude={"programme_version"})
    return was == new.model_dump(mode="json", exclude={"programme_version"})


def _marked(event: SessionScheduled, came_from: dict[str, str]) -> SessionScheduled:
    """The session's event as emitted: presentations that arrived from another session say where from."""
    if not any(p.abstract_id in came_from for p in event.presentations):
        return event
    return event.model_copy(
        update={
            "presentations": tuple(
                p.model_copy(update={"moved_from": came_from[p.abstract_id]}) if p.abstract_id in came_from else p
                for p in event.presentations
            )
        }
    )


def changes(old: dict[str, Row], new: list[SessionScheduled], version: int) -> list[EventData]:
    """The events a publication emits, given what was published before (empty ``old``: the first one)."""
    events: list[EventData] = [e for e in new if e.session_id not in old or not _same(old[e.session_id], e)]
    before = {
        p.abstract_id: (_placement(s), p)
        for s in (SessionScheduled.model_validate(raw) for raw in old.values())
        for p in s.presentations
    }
    came_from: dict[str, str] = {}
    """Abstract id → the session it left, for presentations this publication moves between sessions."""
    for event in new:
        placement = _placement(event)
        for p in event.presentations:
            was = before.get(p.abstract_id)
            if was is not None and was[0].session_id != event.session_id:
                came_from[p.abstract_id] = was[0].session_id
            if was is not None and was[0] != placement:
                events.append(
                    PresentationMoved(
                        congress_id=event.congress_id,
                        session_id=event.session_id,
                        abstract_id=p.abstract_id,
                        reference=p.reference,
                        title=p.title,
                        presenters=p.presenters,
                        old=was[0],
                        new=placement,
                        timezone=event.timezone,
                        programme_version=version,
                    )
                )
    events = [_marked(e, came_from) if isinstance(e, SessionScheduled) else e for e in events]
    kept = {e.session_id for e in new}
    placed = {p.abstract_id for e in new for p in e.presentations}
    for session_id, raw in old.items():
        if session_id not in kept:
            events.append(
                SessionCancelled(
                    congress_id=raw["congress_id"],
                    session_id=session_id,
                    title=raw["title"],
                    reason="Its presentations moved to other sessions or it is no longer in the programme.",
                    programme_version=version,
                    moved_out=tuple(p["abstract_id"] for p in raw["presentations"] if p["abstract_id"] in placed),
                )
            )
    return events
