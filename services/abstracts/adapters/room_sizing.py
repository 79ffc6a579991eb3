"""The placer's second CP-SAT stage: rooms sized by expected audience (seats overflowing minimised).

Lexicographic, not weighted: the first stage (``solver.CpSatPlacer``) maximises its goal — sessions
placed, then fewer network clashes, then the fewest sessions at the busiest time — and this stage keeps
that goal at the value the first stage reached (``goal >= reached``, a hard constraint on the same model)
while it minimises the seats overflowing: over the placed sessions, expected audience − room capacity
where positive. So no placement the first stage would have rejected for a lower goal can win here, and
presenters stay hard as before.

Rooms are chosen per *class*, the rooms with the same kinds and capacity (interchangeable for every
goal): one boolean per (session, time, class), exactly one class when the session runs at that time,
and no more sessions of a class at a time than its rooms free then. Rooms within a class are then given
in code order. The first stage's answer is the hint, so this stage starts from a feasible placement.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from ortools.graph.python import min_cost_flow
from ortools.sat.python import cp_model

from services.abstracts.domain.scheduling import Place, Room, Session

Time = tuple[date, int]

Class = tuple[frozenset[str], int]
"""Rooms' kinds and capacity."""


@dataclass(frozen=True)
class Sizing:
    """How the room-sizing stage went."""

    status: str
    """OPTIMAL when no placement with the first stage's goal overflows fewer seats."""
    overflow: int
    """Seats overflowing in the answer."""
    bound: int
    """No placement reaching the first stage's goal overflows fewer seats than this."""

    @property
    def gap(self) -> float:
        """(answer − bound) / answer: 0 when proven optimal."""
        return (self.overflow - self.bound) / self.overflow if self.overflow else 0.0


@dataclass(frozen=True)
class Stage:
    """The first stage's model and what it reached, for the second."""

    model: cp_model.CpModel
    goal: cp_model.LinearExprT
    reached: int
    sessions: Sequence[Session]
    at: Mapping[tuple[int, Time], cp_model.IntVar]
    chosen: Mapping[str, Place]
    """The first stage's answer (session id -> place, rooms matched)."""
    values: Mapping[cp_model.IntVar, int]
    """The first stage's other variables (clashes, the busiest time) as it left them: with ``chosen`` a complete
    hint, so CP-SAT starts this stage from a feasible answer instead of searching for one."""


def classes(rooms: Sequence[Room]) -> dict[Class, list[Room]]:
    """Rooms grouped by (kinds, capacity), each group in code order."""
    grouped: dict[Class, list[Room]] = defaultdict(list)
    for room in sorted(rooms, key=lambda r: r.code):
        grouped[(room.kinds, room.capacity)].append(room)
    return dict(grouped)


def solver_for(budget: float) -> cp_model.CpSolver:
    """One worker, a fixed seed, a deterministic budget: the same answer on every run."""
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 7
    solver.parameters.max_deterministic_time = max(budget, 0.01)
    return solver


@dataclass
class Model:
    """The second stage's model: the first stage's, its goal held, and the room classes picked."""

    stage: Stage
    of_time: dict[Time, dict[Class, list[Room]]]
    picks: dict[tuple[int, Time, Class], cp_model.IntVar]

    def variables(self) -> list[cp_model.IntVar]:
        return [*self.stage.at.values(), *self.picks.values(), *self.stage.values]

    def places(self, value: Mapping[cp_model.IntVar, int]) -> dict[str, Place]:
        """Session id -> place: each class's sessions at a time get its rooms in code order."""
        sessions = self.stage.sessions
        seated: dict[tuple[Time, Class], list[str]] = defaultdict(list)
        for (i, t, key), pick in sorted(self.picks.items(), key=lambda item: (item[0][1], sessions[item[0][0]].id)):
            if value[pick]:
                seated[t, key].append(sessions[i].id)
        return {
            sid: Place(t[0], t[1], room.code)
            for (t, key), members in seated.items()
            for sid, room in zip(members, self.of_time[t][key], strict=False)
        }


def build(stage: Stage, free_rooms: Callable[[Time], list[Room]], audience: Mapping[str, int]) -> Model:
    """Add the room classes, the held goal and the overflow objective to the first stage's model."""
    model, sessions = stage.model, stage.sessions
    model.add(stage.goal >= stage.reached)
    sized = Model(stage, {t: classes(free_rooms(t)) for t in sorted({t for _, t in stage.at})}, {})
    overflowing = []
    for (i, t), var in stage.at.items():
        fits = []
        for key in sized.of_time[t]:
            if sessions[i].kind in key[0]:
                pick = model.new_bool_var(f"r{i}_{t[0]}_{t[1]}_{key[1]}_{len(sized.picks)}")
                sized.picks[i, t, key] = pick
                fits.append(pick)
                overflowing.append(max(0, audience.get(sessions[i].id, 0) - key[1]) * pick)
        model.add(sum(fits) == var)
    for t, grouped in sized.of_time.items():
        for key, rooms in grouped.items():
            running = [v for (_, u, k), v in sized.picks.items() if u == t and k == key]
            if len(running) > len(rooms):
                model.add(sum(running) <= len(rooms))
    if all(s.id in stage.chosen for s in sessions):  # all placed: each stays placed (the same goal, stated per
        for i in range(len(sessions)):  # session so that the LP relaxation sees it)
            model.add_exactly_one(v for (j, _), v in stage.at.items() if j == i)
    model.minimize(sum(overflowing))
    return sized


def first_hint(sized: Model) -> dict[cp_model.IntVar, int]:
    """The first stage's answer as values of every variable of the second."""
    stage = sized.stage
    value = {var: int(value) for var, value in stage.values.items()}
    for (i, t), var in stage.at.items():
        chosen = stage.chosen.get(stage.sessions[i].id)
        value[var] = int(chosen is not None and chosen.time == t)
    for (i, t, key), pick in sized.picks.items():
        chosen = stage.chosen.get(stage.sessions[i].id)
        here = chosen is not None and chosen.time == t
        value[pick] = int(here and chosen is not None and chosen.room in {r.code for r in sized.of_time[t][key]})
    return value


def relaxed_bound(sized: Model, audience: Mapping[str, int], placed: int) -> int:
    """Seats overflowing at the least when ``placed`` sessions each take a free room of a suitable class at one
    of their times, forgetting presenters, networks and the busiest time: a min-cost flow (a lower bound)."""
    flow = min_cost_flow.SimpleMinCostFlow()
    sessions = sized.stage.sessions
    slots = {key: n for n, key in enumerate(sorted({(t, k[1], tuple(sorted(k[0]))) for (_, t, k) in sized.picks}))}
    first, sink = len(sessions) + 1, len(sessions) + len(slots) + 1
    for i in range(len(sessions)):
        flow.add_arc_with_capacity_and_unit_cost(0, i + 1, 1, 0)
    for i, t, key in sized.picks:
        cost = max(0, audience.get(sessions[i].id, 0) - key[1])
        flow.add_arc_with_capacity_and_unit_cost(i + 1, first + slots[t, key[1], tuple(sorted(key[0]))], 1, cost)
    for (t, capacity, kinds), n in slots.items():
        rooms = len(sized.of_time[t][frozenset(kinds), capacity])
        flow.add_arc_with_capacity_and_unit_cost(first + n, sink, rooms, 0)
    flow.set_node_supply(0, placed)
    flow.set_node_supply(sink, -placed)
    return int(flow.optimal_cost()) if flow.solve() == flow.OPTIMAL else 0


def size_rooms(
    stage: Stage, free_rooms: Callable[[Time], list[Room]], audience: Mapping[str, int], work: float
) -> tuple[dict[str, Place], Sizing]:
    """Re-solve ``stage.model`` with its goal held and seats overflowing minimised, from the first stage's
    answer (which it returns, rooms matched by class, when CP-SAT finds nothing better within a fifth of ``work``).
    The bound is the better of CP-SAT's and ``relaxed_bound``'s."""
    sized = build(stage, free_rooms, audience)
    model, variables = stage.model, sized.variables()
    model.clear_hints()  # type: ignore[no-untyped-call]  # OR-Tools leaves this one unannotated
    best = first_hint(sized)
    for var in variables:
        model.add_hint(var, best[var])
    found = sum(max(0, audience.get(sid, 0) - capacity(free_rooms, p)) for sid, p in stage.chosen.items())
    bound = relaxed_bound(sized, audience, len(stage.chosen))
    solver = solver_for(work / 5)  # the rest is the neighbourhood search's (room_search.py)
    status = solver.solve(model)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) and round(solver.objective_value) <= found:
        best, found = {var: solver.value(var) for var in variables}, round(solver.objective_value)
        bound = max(bound, math.ceil(solver.best_objective_bound - 1e-6))
    bound = min(bound, found)
    return sized.places(best), Sizing("OPTIMAL" if found == bound else "FEASIBLE", found, bound)


def capacity(free_rooms: Callable[[Time], list[Room]], place: Place) -> int:
    return next((r.capacity for r in free_rooms(place.time) if r.code == place.room), 0)
