"""Programme scheduling: grouping, each placement rule, determinism, reasons for what is left out, the config."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from services.abstracts.adapters.solver import CpSatPlacer
from services.abstracts.domain.grouping import balanced_sizes, group
from services.abstracts.domain.scheduling import (
    Grid,
    Place,
    Presenter,
    Room,
    Session,
    Slot,
    Talk,
    assign_rooms,
    greedy_place,
    network_clashes,
    place_problems,
    schedule,
)
from services.abstracts.programme_config import load_programme, parse_programme
from services.common.congress import ConfigError, Congress, load_congress

DAY1, DAY2 = date(2027, 1, 5), date(2027, 1, 6)
PAPER_ROOMS = (
    Room("R1", "Room 301", 120, frozenset({"paper", "symposium"})),
    Room("R2", "Room 302", 80, frozenset({"paper"})),
)
POSTER_HALL = Room("PH", "Hall D", 400, frozenset({"poster"}))


def grid(days: int = 2, slots: int = 2, rooms: tuple[Room, ...] = (*PAPER_ROOMS, POSTER_HALL)) -> Grid:
    times = tuple(
        Slot(date(2027, 1, 5 + d), i, time(9 + 2 * i), time(10 + 2 * i, 30)) for d in range(days) for i in range(slots)
    )
    return Grid(rooms=rooms, slots=times)


def talk(n: int, network: str = "DU", kind: str = "paper", keywords: tuple[str, ...] = (), who: str = "") -> Talk:
    email = who or f"p{n}@example.org"
    return Talk(f"a{n}", f"R-{n:04}", f"Title {n}", network, kind, keywords, (Presenter(f"P {n}", email),))


def session(sid: str, *talks: Talk, kind: str = "paper", network: str = "DU") -> Session:
    return Session(sid, kind, network, sid, talks)


def test_balanced_sizes() -> None:
    assert balanced_sizes(0, 4) == []
    assert balanced_sizes(4, 4) == [4]
    assert balanced_sizes(5, 4) == [3, 2]
    assert balanced_sizes(9, 4) == [3, 3, 3]
    assert balanced_sizes(10, 4) == [4, 3, 3]


def test_papers_grouped_by_network_then_keywords() -> None:
    talks = [
        talk(1, keywords=("equity",)),
        talk(2, keywords=("data use", "Leadership")),
        talk(3, keywords=("Equity", "policy")),
        talk(4, keywords=("leadership",)),
        talk(5, network="EL"),
    ]
    sessions = group(talks, {"DU": "Data Use"}, 2, 20)
    assert [(s.id, [t.reference for t in s.talks]) for s in sessions] == [
        ("DU-P1", ["R-0001", "R-0003"]),
        ("DU-P2", ["R-0002", "R-0004"]),
        ("EL-P1", ["R-0005"]),
    ]
    assert sessions[0].title == "Data Use: equity"  # the shared keyword names the session
    assert sessions[2].title == "EL: papers 1"


def test_symposia_workshops_roundtables_alone_posters_together() -> None:
    talks = [talk(1, kind="symposium"), talk(2, kind="workshop"), talk(3, kind="roundtable")]
    talks += [talk(10 + i, network="DU" if i < 3 else "EL", kind="poster") for i in range(5)]
    sessions = group(talks, {}, 4, 3)
    assert [(s.id, s.kind, len(s.talks), s.network) for s in sessions] == [
        ("PO-1", "poster", 3, "DU"),
        ("PO-2", "poster", 2, "EL"),
        ("SY-R-0001", "symposium", 1, "DU"),
        ("WS-R-0002", "workshop", 1, "DU"),
        ("RT-R-0003", "roundtable", 1, "DU"),
    ]
    assert sessions[2].title == "Title 1"


def test_a_room_must_suit_the_kind() -> None:
    sym = session("SY", talk(1), kind="symposium")
    problems = place_problems(sym, Place(DAY1, 0, "R2"), {"SY": sym}, {}, grid())
    assert problems == ["Room 302 does not suit a symposium session (it takes paper)."]
    assert place_problems(sym, Place(DAY1, 0, "R1"), {"SY": sym}, {}, grid()) == []


def test_a_day_may_hold_only_some_kinds() -> None:
    g = Grid(rooms=PAPER_ROOMS, slots=(Slot(DAY1, 0, time(9), time(17), frozenset({"workshop"})),))
    paper = session("P", talk(1))
    assert place_problems(paper, Place(DAY1, 0, "R1"), {"P": paper}, {}, g) == ["2027-01-05 holds no paper sessions."]


def test_a_room_holds_one_session_at_a_time() -> None:
    a, b = session("A", talk(1)), session("B", talk(2), network="EL")
    problems = place_problems(b, Place(DAY1, 0, "R1"), {"A": a, "B": b}, {"A": Place(DAY1, 0, "R1")}, grid())
    assert problems == ["Room 301 is already taken at that time by A (A)."]


def test_a_presenter_is_in_one_session_at_a_time_by_email_ignoring_case() -> None:
    a = session("A", talk(1, who="Ana@Example.org"))
    b = session("B", talk(2, who="ana@example.ORG"), network="EL")
    sessions, places = {"A": a, "B": b}, {"A": Place(DAY1, 0, "R1")}
    assert place_problems(b, Place(DAY1, 0, "R2"), sessions, places, grid()) == [
        "ana@example.org presents in A at the same time."
    ]
    assert place_problems(b, Place(DAY1, 1, "R2"), sessions, places, grid()) == []
    placed = schedule([a, b], grid(days=1, slots=2), CpSatPlacer(2)).places
    assert placed["A"].time != placed["B"].time


def test_same_network_not_in_parallel_when_avoidable() -> None:
    sessions = [session(f"DU{i}", talk(i)) for i in range(2)] + [
        session(f"EL{i}", talk(10 + i), network="EL") for i in range(2)
    ]
    result = schedule(sessions, grid(days=1, slots=2), CpSatPlacer(2))
    assert len(result.places) == 4 and result.unplaced == ()
    assert network_clashes({s.id: s for s in sessions}, result.places) == 0


def test_same_network_in_parallel_when_unavoidable() -> None:
    sessions = [session(f"DU{i}", talk(i)) for i in range(4)]
    result = schedule(sessions, grid(days=1, slots=2), CpSatPlacer(2))
    assert len(result.places) == 4  # placing every session outweighs the clash
    assert network_clashes({s.id: s for s in sessions}, result.places) == 2


def test_unplaceable_sessions_are_reported_with_the_reason() -> None:
    no_room = session("WS", talk(1), kind="workshop")
    papers = [session(f"P{i}", talk(10 + i), network=f"N{i}") for i in range(5)]
    same_person = [session(f"Q{i}", talk(20 + i, who="busy@example.org"), network=f"M{i}") for i in range(3)]
    g = grid(days=1, slots=2)
    result = schedule([no_room, *papers], g, CpSatPlacer(2))
    reasons = {u.session_id: u.reason for u in result.unplaced}
    assert reasons["WS"] == "No room suits a workshop session: add one to programme.rooms."
    assert list(reasons.values()).count("Every room that suits a paper session is taken at every time (4 places).") == 1
    clash = schedule(same_person, g, CpSatPlacer(2))
    assert len(clash.places) == 2
    assert [u.reason for u in clash.unplaced] == [
        "Its presenters (busy@example.org) present elsewhere at every time a suitable room is free."
    ]


def test_placement_is_deterministic_and_at_least_as_good_as_greedy() -> None:
    talks = [
        talk(i, network=("DU", "EL", "EQ")[i % 3], keywords=("data",) if i % 2 else ("equity",), who=f"p{i % 7}@x.org")
        for i in range(40)
    ]
    talks += [talk(100 + i, kind="poster", network="DU") for i in range(6)]
    sessions = group(talks, {}, 4, 20)
    g = grid(days=2, slots=3)
    first = schedule(sessions, g, CpSatPlacer(3))
    again = schedule(list(sessions), g, CpSatPlacer(3))
    assert first.places == again.places and first.unplaced == again.unplaced
    by_id = {s.id: s for s in sessions}
    baseline = greedy_place(sessions, g)
    assert len(first.places) >= len(baseline)
    if len(first.places) == len(baseline):
        assert network_clashes(by_id, first.places) <= network_clashes(by_id, baseline)
    for sid, place in first.places.items():  # every rule holds in the answer
        others = {k: v for k, v in first.places.items() if k != sid}
        assert place_problems(by_id[sid], place, by_id, others, g) == []


def test_slot_bounds_are_utc() -> None:
    start, end = Slot(DAY1, 0, time(9), time(10, 30)).bounds(ZoneInfo("Asia/Tokyo"))
    assert start == datetime(2027, 1, 5, 0, 0, tzinfo=UTC) and end == datetime(2027, 1, 5, 1, 30, tzinfo=UTC)


def test_example_programme_section() -> None:
    config = load_programme(load_congress())
    g = config.grid()
    assert {"paper", "poster", "symposium", "workshop", "roundtable"} <= {k for r in g.rooms for k in r.kinds}
    assert len({s.day for s in g.slots}) >= 4
    assert config.papers_per_session in (3, 4)


def test_programme_days_within_the_congress() -> None:
    congress = load_congress()
    section = congress.section("programme")
    late = section | {"days": [*section["days"], {"date": "2027-02-01", "slots": [{"start": "09:00", "end": "10:00"}]}]}
    broken = Congress.model_validate(congress.model_dump() | {"programme": late})
    with pytest.raises(ConfigError, match=r"2027-02-01 not within the congress"):
        load_programme(broken)


def test_programme_section_errors_name_the_path() -> None:
    bad = {
        "rooms": [{"code": "R1", "name": "x", "capacity": 10, "kinds": ["lecture"]}],
        "days": [{"date": "2027-01-05", "slots": [{"start": "10:00", "end": "09:00"}]}],
    }
    with pytest.raises(ConfigError) as caught:
        parse_programme(bad)
    assert "programme.days.0.slots.0" in str(caught.value) and "ends (09:00:00) before it starts" in str(caught.value)
    with pytest.raises(ConfigError) as unknown:
        parse_programme(bad | {"days": [{"date": "2027-01-05", "slots": [{"start": "09:00", "end": "10:00"}]}]})
    assert "unknown session kinds lecture" in str(unknown.value)


def test_cp_sat_places_what_greedy_cannot() -> None:
    """Greedy puts the bigger paper session in the first room that suits it, which the symposium needed."""
    rooms = (
        Room("R1", "Room 301", 120, frozenset({"paper", "symposium"})),
        Room("R2", "Room 302", 80, frozenset({"paper"})),
    )
    g = Grid(rooms=rooms, slots=(Slot(DAY1, 0, time(9), time(10, 30)),))
    sessions = [session("P", talk(1), talk(2)), session("SY", talk(3), kind="symposium", network="EL")]
    assert set(greedy_place(sessions, g)) == {"P"}
    result = schedule(sessions, g, CpSatPlacer(2))
    assert result.places == {"P": Place(DAY1, 0, "R2"), "SY": Place(DAY1, 0, "R1")}
    found, outcome = CpSatPlacer(2).place(sessions, g)
    assert found == result.places
    assert outcome.status == "OPTIMAL" and outcome.improved and outcome.placed_bound == 2


def test_rooms_are_matched_within_a_time() -> None:
    rooms = (Room("A", "A", 10, frozenset({"paper", "poster"})), Room("B", "B", 10, frozenset({"paper"})))
    assert assign_rooms({"po": "poster", "p": "paper"}, rooms) == {"po": "A", "p": "B"}
    assert assign_rooms({"po": "poster", "po2": "poster"}, rooms) is None
