"""What a re-publish emits: only changed sessions, a move per abstract whose session or time changed, cancellations."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from schemas.programme import (
    Presentation,
    PresentationMoved,
    Presenter,
    SessionCancelled,
    SessionKind,
    SessionScheduled,
)
from services.abstracts.domain.publication import changes


def talk(n: int) -> Presentation:
    return Presentation(
        abstract_id=f"a{n}", reference=f"R-{n}", title=f"T{n}", presenters=(Presenter(name="N", email="n@x.org"),)
    )


def session(sid: str, hour: int, *talks: int, room: str = "R1", **over: Any) -> SessionScheduled:
    fields: dict[str, Any] = {
        "congress_id": "c",
        "session_id": sid,
        "title": sid,
        "kind": SessionKind.PAPER,
        "network": "DU",
        "day": date(2027, 1, 6),
        "starts_at": datetime(2027, 1, 6, hour, tzinfo=UTC),
        "ends_at": datetime(2027, 1, 6, hour + 1, tzinfo=UTC),
        "timezone": "Asia/Tokyo",
        "room_code": room,
        "room_name": room,
        "presentations": tuple(talk(n) for n in talks),
        "programme_version": 1,
    }
    return SessionScheduled(**(fields | over))


def as_published(*sessions: SessionScheduled) -> dict[str, dict[str, Any]]:
    return {s.session_id: s.model_dump(mode="json") for s in sessions}


def test_first_publication_schedules_everything() -> None:
    new = [session("A", 1, 1), session("B", 3, 2)]
    assert changes({}, new, 1) == new


def test_nothing_changed_nothing_emitted_even_with_a_new_version() -> None:
    old = as_published(session("A", 1, 1, 2))
    assert changes(old, [session("A", 1, 1, 2, programme_version=2)], 2) == []


def test_a_moved_presentation_and_a_moved_session() -> None:
    old = as_published(session("A", 1, 1, 2), session("B", 3, 3), session("C", 5, 4))
    new = [session("A", 1, 1), session("B", 3, 3, 2), session("C", 7, 4, room="R2")]
    events = changes(old, new, 2)
    assert [(type(e).__name__, e.session_id) for e in events] == [
        ("SessionScheduled", "A"),
        ("SessionScheduled", "B"),
        ("SessionScheduled", "C"),
        ("PresentationMoved", "B"),
        ("PresentationMoved", "C"),
    ]
    moved = [e for e in events if isinstance(e, PresentationMoved)]
    assert (moved[0].abstract_id, moved[0].old.session_id, moved[0].new.session_id) == ("a2", "A", "B")
    assert moved[1].old.starts_at.hour == 5 and moved[1].new.starts_at.hour == 7 and moved[1].new.room_code == "R2"
    assert all(m.programme_version == 2 for m in moved)
    # The session a presentation arrived in says where from (notify tells its presenters once, of the move);
    # a session that moved whole keeps its presentations unmarked (its own event tells them).
    scheduled = {e.session_id: e for e in events if isinstance(e, SessionScheduled)}
    assert [(p.abstract_id, p.moved_from) for p in scheduled["B"].presentations] == [("a3", None), ("a2", "A")]
    assert [p.moved_from for p in scheduled["C"].presentations] == [None]


def test_what_is_kept_as_published_never_says_moved_from() -> None:
    old = as_published(session("A", 1, 1, 2), session("B", 3, 3))
    new = [session("A", 1, 1), session("B", 3, 3, 2)]
    changes(old, new, 2)
    assert all(p.moved_from is None for s in new for p in s.presentations)  # the draft's events are untouched
    assert changes(as_published(*new), [session("A", 1, 1), session("B", 3, 3, 2)], 3) == []


def test_a_session_that_is_gone_is_cancelled_and_a_chair_change_is_a_change() -> None:
    old = as_published(session("A", 1, 1), session("B", 3, 2))
    new = [session("A", 1, 1, 2, chair="Dr Chair")]
    events = changes(old, new, 3)
    assert [type(e).__name__ for e in events] == ["SessionScheduled", "PresentationMoved", "SessionCancelled"]
    cancelled = events[-1]
    assert isinstance(cancelled, SessionCancelled) and cancelled.session_id == "B" and cancelled.programme_version == 3
    assert cancelled.moved_out == ("a2",)  # its presenter hears of the move, not of a cancellation
    gone = changes(as_published(session("A", 1, 1), session("B", 3, 2)), [session("A", 1, 1)], 2)[-1]
    assert isinstance(gone, SessionCancelled) and gone.moved_out == ()  # a2 is no longer in the programme
