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

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from ortools.sat.python import cp_model

from services.abstracts.domain.scheduling import Grid, Place, Room, Session

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


def classes(rooms: Sequence[Room]) -> dict[Class, list[Room]]:
    """Rooms grouped by (kinds, capacity), each group in code order."""
    grouped: dict[Class, list[Room]] = defaultdict(list)
    for room in sorted(rooms, key=lambda r: r.code):
        grouped[(room.kinds, room.capacity)].append(room)
    return dict(grouped)


def size_rooms(
    stage: Stage,
    free_rooms: Callable[[Time], list[Room]],
    audience: Mapping[str, int],
    solver: cp_model.CpSolver,
) -> tuple[dict[str, Place], Sizing] | None:
    """Re-solve ``stage.model`` with its goal held and seats overflowing minimised; None when CP-SAT
    finds nothing within its budget (the first stage's answer stands)."""
    model, sessions = stage.model, stage.sessions
    model.add(stage.goal >= stage.reached)
    model.clear_hints()
    picks: dict[tuple[int, Time, Class], cp_model.IntVar] = {}
    overflowing = []
    of_time = {t: classes(free_rooms(t)) for t in sorted({t for _, t in stage.at})}
    for (i, t), var in stage.at.items():
        session = sessions[i]
        chosen = stage.chosen.get(session.id)
        model.add_hint(var, chosen is not None and chosen.time == t)
        fits = []
        for key, rooms in of_time[t].items():
            if session.kind in key[0]:
                pick = model.new_bool_var(f"r{i}_{t[0]}_{t[1]}_{key[1]}_{len(picks)}")
                picks[i, t, key] = pick
                fits.append(pick)
                model.add_hint(pick, chosen is not None and chosen.time == t and chosen.room in {r.code for r in rooms})
                overflowing.append(max(0, audience.get(session.id, 0) - key[1]) * pick)
        model.add(sum(fits) == var)
    for t, grouped in of_time.items():
        for key, rooms in grouped.items():
            running = [v for (_, u, k), v in picks.items() if u == t and k == key]
            if len(running) > len(rooms):
                model.add(sum(running) <= len(rooms))
    model.minimize(sum(overflowing))
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    places: dict[str, Place] = {}
    seated: dict[tuple[Time, Class], list[str]] = defaultdict(list)
    for (i, t, key), pick in sorted(picks.items(), key=lambda item: (item[0][1], sessions[item[0][0]].id)):
        if solver.value(pick):
            seated[t, key].append(sessions[i].id)
    for (t, key), members in seated.items():
        for sid, room in zip(members, of_time[t][key], strict=False):
            places[sid] = Place(t[0], t[1], room.code)
    found = int(round(solver.objective_value))
    bound = max(0, int(-(-solver.best_objective_bound // 1)))
    return places, Sizing(solver.status_name(status), found, min(bound, found))
