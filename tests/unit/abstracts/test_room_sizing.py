"""Rooms sized by interest: the expected-audience rule, and the placer keeping sessions out of rooms too small
for them (where today's placer did not) without giving up placements, clashes or the spread."""

from __future__ import annotations

from datetime import date, time

from services.abstracts.adapters.solver import CpSatPlacer, score
from services.abstracts.domain.audience import (
    AudienceRule,
    Basis,
    Interest,
    expected_audience,
    from_marks,
    network_shares,
    overflow,
)
from services.abstracts.domain.scheduling import Grid, Place, Presenter, Room, Session, Slot, Talk, schedule

RULE = AudienceRule(marks_threshold=3, attendance_ratio=0.5)
PAPER = frozenset({"paper"})


def talk(n: int, network: str) -> Talk:
    return Talk(f"a{n}", f"R-{n}", f"T{n}", network, "paper", (), (Presenter(f"P{n}", f"p{n}@example.org"),))


def session(sid: str, network: str, *numbers: int) -> Session:
    return Session(sid, "paper", network, sid, tuple(talk(n, network) for n in numbers))


SESSIONS = [session("DU-P1", "DU", 1, 2, 3), session("DU-P2", "DU", 4), session("EL-P1", "EL", 5, 6, 7, 8)]


def test_before_enough_marks_registrations_times_network_share_times_ratio() -> None:
    assert network_shares(SESSIONS) == {"DU": 0.5, "EL": 0.5}
    interest = Interest(confirmed=200, markers=2, marks={"DU-P1": 2}, markable=frozenset({"DU-P1"}))
    expected = expected_audience(SESSIONS, interest, RULE)
    assert {sid: e.seats for sid, e in expected.items()} == {"DU-P1": 50, "DU-P2": 50, "EL-P1": 50}
    assert {e.basis for e in expected.values()} == {Basis.REGISTRATIONS}


def test_a_mixed_session_counts_each_of_its_networks_and_rounds_up() -> None:
    mixed = Session("PO-1", "poster", "", "Posters", (talk(9, "DU"), talk(10, "EQ")))
    sessions = [*SESSIONS, mixed]  # DU 5, EL 4, EQ 1 of 10
    expected = expected_audience(sessions, Interest(confirmed=33), RULE)
    assert expected["PO-1"].seats == 10  # 33 × 0.6 × 0.5 = 9.9
    assert expected["EL-P1"].seats == 7  # 33 × 0.4 × 0.5 = 6.6


def test_once_enough_delegates_marked_the_marks_scaled_to_every_confirmed_delegate() -> None:
    marks = {"DU-P1": 3, "EL-P1": 1}
    interest = Interest(confirmed=40, markers=4, marks=marks, markable=frozenset({"DU-P1", "EL-P1", "DU-P2"}))
    expected = expected_audience(SESSIONS, interest, RULE)
    assert {sid: (e.seats, e.basis) for sid, e in expected.items()} == {
        "DU-P1": (30, Basis.MARKS),
        "DU-P2": (0, Basis.MARKS),
        "EL-P1": (10, Basis.MARKS),
    }


def test_a_session_nobody_could_mark_yet_keeps_the_registration_estimate() -> None:
    interest = Interest(confirmed=40, markers=4, marks={"DU-P1": 3}, markable=frozenset({"DU-P1"}))
    expected = expected_audience(SESSIONS, interest, RULE)
    assert expected["DU-P2"] == expected_audience(SESSIONS, Interest(confirmed=40), RULE)["DU-P2"]
    assert expected["DU-P1"].basis is Basis.MARKS


def test_marks_are_never_scaled_down() -> None:
    assert from_marks(5, confirmed=3, markers=10) == 5
    assert from_marks(5, confirmed=0, markers=0) == 5


def test_overflow_counts_only_seats_beyond_capacity() -> None:
    grid = Grid((Room("S", "Small", 20, PAPER), Room("B", "Big", 100, PAPER)), ())
    places = {"x": Place(date(2027, 1, 6), 0, "S"), "y": Place(date(2027, 1, 6), 0, "B")}
    assert overflow({"x": 35, "y": 90}, places, grid) == 15
    assert overflow({}, places, grid) == 0


# Two paper rooms, small listed first; two times. Two popular sessions (80 and 70 seats expected) and two
# small ones: today's placer matches rooms by session id in room order, so the popular DU-P1 lands in the
# 20-seat room; sized by interest, every session fits.
SMALL_FIRST = (Room("S", "Room 12", 20, PAPER), Room("B", "Hall B", 100, PAPER))
TWO_TIMES = tuple(Slot(date(2027, 1, 6), i, time(9 + 2 * i), time(10 + 2 * i)) for i in range(2))
POPULAR = [session("DU-P1", "DU", 1), session("EL-P1", "EL", 2), session("DU-P2", "DU", 3), session("EL-P2", "EL", 4)]
AUDIENCE = {"DU-P1": 80, "EL-P1": 70, "DU-P2": 15, "EL-P2": 10}


def test_the_placer_keeps_popular_sessions_out_of_small_rooms_where_today_it_overflowed() -> None:
    grid = Grid(SMALL_FIRST, TWO_TIMES)
    today = schedule(POPULAR, grid, CpSatPlacer(2))
    assert overflow(AUDIENCE, today.places, grid) > 0
    sized = schedule(POPULAR, grid, CpSatPlacer(2), audience=AUDIENCE)
    assert overflow(AUDIENCE, sized.places, grid) == 0
    by_id = {s.id: s for s in POPULAR}
    assert score(by_id, sized.places)[:3] == score(by_id, today.places)[:3]  # nothing placed, clashed or spread worse


def test_room_sizing_never_trades_a_placement_or_a_clash_for_seats() -> None:
    # one 100-seat room, one time: only one session can run; sizing must not leave the room empty or drop one
    grid = Grid((Room("B", "Hall B", 100, PAPER), Room("S", "Room 12", 20, PAPER)), TWO_TIMES[:1])
    found, outcome = CpSatPlacer(2).place(POPULAR[:2], grid, audience={"DU-P1": 300, "EL-P1": 300})
    assert len(found) == 2  # both placed although both overflow
    assert outcome.sizing is not None
    assert outcome.sizing.overflow == outcome.sizing.bound == 480
    assert outcome.sizing.status == "OPTIMAL"


def test_room_sizing_respects_fixed_sessions_rooms() -> None:
    grid = Grid(SMALL_FIRST, TWO_TIMES)
    held = {"DU-P1": Place(TWO_TIMES[0].day, 0, "B")}
    result = schedule(POPULAR, grid, CpSatPlacer(2), held, audience=AUDIENCE)
    assert result.places["DU-P1"] == held["DU-P1"]
    assert result.places["EL-P1"].slot == 1
    assert result.places["EL-P1"].room == "B"
    assert overflow(AUDIENCE, result.places, grid) == 0
