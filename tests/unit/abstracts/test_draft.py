"""The draft programme's entries: a fresh draft in the schedule's order; an update keeps each kept session's
running order and chair and puts new sessions after; the store's row shape round-trips an entry."""

from __future__ import annotations

from datetime import date

from services.abstracts.adapters.programme_db import entry_of, row_of
from services.abstracts.domain import draft
from services.abstracts.domain.scheduling import Place, Schedule, Unplaced
from services.abstracts.domain.updating import Update
from tests.unit.abstracts.test_scheduling import session, talk

DAY = date(2027, 1, 5)


def test_a_fresh_draft_follows_the_schedule_and_says_why_a_session_has_no_place() -> None:
    a, b = session("DU-P1", talk(1)), session("DU-P2", talk(2))
    result = Schedule((a, b), {"DU-P1": Place(DAY, 0, "R1")}, (Unplaced("DU-P2", "No room suits it."),))
    assert draft.generated(result) == [
        draft.Entry(a, 0, Place(DAY, 0, "R1")),
        draft.Entry(b, 1, None, None, "No room suits it."),
    ]
    sessions, places = draft.state(draft.generated(result))
    assert list(sessions) == ["DU-P1", "DU-P2"] and places == {"DU-P1": Place(DAY, 0, "R1")}


def test_an_update_keeps_running_order_and_chairs_and_puts_new_sessions_after() -> None:
    kept, gone, new = session("DU-P1", talk(1)), session("DU-P2", talk(2)), session("DU-P3", talk(3))
    joined = session("DU-P1", talk(1), talk(4))
    entries = [draft.Entry(kept, 3, Place(DAY, 0, "R1"), "Ana"), draft.Entry(gone, 7, Place(DAY, 1, "R1"), "Bo")]
    plan = Update(
        sessions=(joined, new),
        fixed={"DU-P1": Place(DAY, 0, "R1")},
        joined={"a4": "DU-P1"},
        new=("DU-P3",),
        dropped={"a2": "DU-P2"},
        emptied=("DU-P2",),
    )
    result = Schedule((joined, new), {"DU-P1": Place(DAY, 0, "R1"), "DU-P3": Place(DAY, 1, "R1")})
    assert draft.updated(entries, plan, result) == [
        draft.Entry(joined, 3, Place(DAY, 0, "R1"), "Ana"),
        draft.Entry(new, 8, Place(DAY, 1, "R1"), None),
    ]


def test_the_draft_table_row_round_trips_an_entry() -> None:
    placed = draft.Entry(session("DU-P1", talk(1), talk(2)), 4, Place(DAY, 2, "R1"), "Jürgen Müller")
    unplaced = draft.Entry(session("DU-P2", talk(3)), 5, None, None, "Every room is taken.")
    assert [entry_of(row_of(e)) for e in (placed, unplaced)] == [placed, unplaced]
