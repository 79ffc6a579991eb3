"""Updating a draft: kept sessions and places, presentations leaving and joining, new sessions placed
around the fixed ones by both placers (rooms taken, presenters busy, networks counted)."""

from __future__ import annotations

from datetime import date, time

from services.abstracts.adapters.solver import CpSatPlacer
from services.abstracts.domain.scheduling import (
    Grid,
    Place,
    Slot,
    greedy_place,
    network_clashes,
    place_problems,
    schedule,
)
from services.abstracts.domain.updating import Limits, plan_update
from tests.unit.abstracts.test_scheduling import PAPER_ROOMS, POSTER_HALL, grid, session, talk

DAY1 = date(2027, 1, 5)
LIMITS = Limits(papers_per_session=3, posters_per_session=2, networks={"DU": "Data Use", "EL": "Leadership"})
THREE_SLOTS = tuple(Slot(DAY1, i, time(9 + 2 * i), time(10 + 2 * i)) for i in range(3))
ONE_ROOM = Grid(rooms=(PAPER_ROOMS[0],), slots=THREE_SLOTS)


def test_withdrawn_presentations_leave_and_an_emptied_session_goes() -> None:
    a = session("DU-P1", talk(1), talk(2), talk(3))
    b = session("EL-P1", talk(4, network="EL"), network="EL")
    places = {"DU-P1": Place(DAY1, 0, "R1"), "EL-P1": Place(DAY1, 1, "R1")}
    plan = plan_update([a, b], places, [talk(1), talk(3)], grid(), LIMITS)
    assert [(s.id, [t.abstract_id for t in s.talks]) for s in plan.sessions] == [("DU-P1", ["a1", "a3"])]
    assert plan.dropped == {"a2": "DU-P1", "a4": "EL-P1"} and plan.emptied == ("EL-P1",)
    assert plan.fixed == {"DU-P1": Place(DAY1, 0, "R1")} and plan.new == () and plan.joined == {}


def test_a_new_paper_joins_its_networks_session_with_room_best_keyword_fit_first() -> None:
    full = session("DU-P1", talk(1), talk(2), talk(3))
    equity = session("DU-P2", talk(4, keywords=("equity",)))
    trust = session("DU-P3", talk(5, keywords=("trust",)))
    other = session("EL-P1", talk(6, network="EL", keywords=("trust",)), network="EL")
    draft = [full, equity, trust, other]
    places = {s.id: Place(DAY1, i % 2, ("R1", "R2")[i // 2]) for i, s in enumerate(draft)}
    new = talk(7, keywords=("Trust", "policy"))
    plan = plan_update(draft, places, [*(t for s in draft for t in s.talks), new], grid(), LIMITS)
    assert plan.joined == {"a7": "DU-P3"} and plan.new == ()
    by_id = {s.id: s for s in plan.sessions}
    assert [t.abstract_id for t in by_id["DU-P3"].talks] == ["a5", "a7"]  # running order kept, the new one last
    assert plan.fixed == places  # nothing moves


def test_a_new_paper_does_not_join_a_session_at_a_time_its_presenter_is_busy() -> None:
    ana_elsewhere = session("EL-P1", talk(1, network="EL", who="ana@x.org"), network="EL")
    du = session("DU-P1", talk(2))
    places = {"EL-P1": Place(DAY1, 0, "R1"), "DU-P1": Place(DAY1, 0, "R2")}
    new = talk(3, who="Ana@X.org")
    plan = plan_update([ana_elsewhere, du], places, [*ana_elsewhere.talks, *du.talks, new], grid(), LIMITS)
    assert plan.joined == {} and plan.new == ("DU-P2",)  # a new session, numbered after the draft's
    result = schedule(plan.sessions, grid(), CpSatPlacer(2), plan.fixed)
    assert result.places["DU-P2"].time != (DAY1, 0) and result.unplaced == ()
    assert {k: result.places[k] for k in places} == places


def test_new_sessions_skip_ids_of_the_draft_and_of_what_was_published() -> None:
    du = session("DU-P1", talk(1), talk(2), talk(3))
    news = [talk(10 + i) for i in range(4)] + [talk(20, kind="symposium"), talk(30, kind="poster")]
    plan = plan_update([du], {}, [*du.talks, *news], grid(), LIMITS, taken={"DU-P2", "PO-1"})
    assert plan.new == ("DU-P3", "DU-P4", "PO-2", "SY-R-0020")
    assert plan.fixed == {}  # a draft session without a place is placed again with the new ones


def test_posters_join_a_poster_session_with_room_of_their_network_first() -> None:
    du = session("PO-1", talk(1, kind="poster"), kind="poster")
    el = session("PO-2", talk(2, network="EL", kind="poster"), kind="poster", network="EL")
    plan = plan_update([du, el], {}, [*du.talks, *el.talks, talk(3, network="EL", kind="poster")], grid(), LIMITS)
    assert plan.joined == {"a3": "PO-2"}
    mixed = plan_update([du], {}, [*du.talks, talk(4, network="EL", kind="poster")], grid(), LIMITS)
    assert mixed.joined == {"a4": "PO-1"} and mixed.sessions[0].network == ""  # mixed networks name none


def test_greedy_and_cp_sat_leave_fixed_sessions_and_avoid_their_rooms() -> None:
    fixed_session = session("EL-P1", talk(1, network="EL"), network="EL")
    new = session("DU-P1", talk(2))
    pinned = {"EL-P1": Place(DAY1, 0, "R1")}
    for placer in (greedy_place, CpSatPlacer(2)):
        places = placer([fixed_session, new], ONE_ROOM, pinned)
        assert places["EL-P1"] == pinned["EL-P1"], placer
        assert places["DU-P1"].time != (DAY1, 0), placer  # the one room is taken then


def test_fixed_presenters_are_busy_and_fixed_networks_count() -> None:
    g = grid(days=1, slots=2)
    fixed = [session("EL-P1", talk(1, network="EL", who="bo@x.org"), network="EL"), session("DU-P1", talk(2))]
    pinned = {"EL-P1": Place(DAY1, 0, "R1"), "DU-P1": Place(DAY1, 1, "R1")}
    bo = session("EQ-P1", talk(3, network="EQ", who="BO@x.org"), network="EQ")  # must avoid slot 0
    du = session("DU-P2", talk(4))  # would rather avoid slot 1 (DU-P1 is there)
    for placer in (greedy_place, CpSatPlacer(2)):
        result = schedule([*fixed, bo, du], g, placer, pinned)
        assert result.places["EQ-P1"].time == (DAY1, 1), placer
        assert result.places["DU-P2"].time == (DAY1, 0), placer
        by_id = {s.id: s for s in [*fixed, bo, du]}
        assert network_clashes(by_id, result.places) == 0
        for sid, place in result.places.items():
            others = {k: v for k, v in result.places.items() if k != sid}
            assert place_problems(by_id[sid], place, by_id, others, g) == []


def test_a_new_session_with_no_place_left_is_unplaced_with_its_reason() -> None:
    busy = [session(f"N{i}", talk(i, network=f"N{i}"), network=f"N{i}") for i in range(3)]
    pinned = {s.id: Place(DAY1, i, "R1") for i, s in enumerate(busy)}
    late = session("DU-P1", talk(9))
    for placer in (greedy_place, CpSatPlacer(2)):
        result = schedule([*busy, late], ONE_ROOM, placer, pinned)
        assert {k: result.places[k] for k in pinned} == pinned
        assert [(u.session_id, u.reason) for u in result.unplaced] == [
            ("DU-P1", "Every room that suits a paper session is taken at every time (3 places).")
        ]


def test_the_solver_matches_new_sessions_to_the_rooms_the_fixed_ones_leave() -> None:
    """At the one time, the fixed paper session holds the room that also suits symposia: the new paper
    session must take the paper-only room, and the symposium has none left."""
    rooms = (*PAPER_ROOMS, POSTER_HALL)
    g = Grid(rooms=rooms, slots=(Slot(DAY1, 0, time(9), time(10)),))
    held = session("EL-P1", talk(1, network="EL"), network="EL")
    paper, sym = session("DU-P1", talk(2)), session("SY", talk(3, network="EQ"), kind="symposium", network="EQ")
    pinned = {"EL-P1": Place(DAY1, 0, "R1")}
    found, outcome = CpSatPlacer(2).place([held, paper, sym], g, pinned)
    assert found == {"EL-P1": Place(DAY1, 0, "R1"), "DU-P1": Place(DAY1, 0, "R2")}
    assert outcome.status == "OPTIMAL"
    assert [u.session_id for u in schedule([held, paper, sym], g, CpSatPlacer(2), pinned).unplaced] == ["SY"]
