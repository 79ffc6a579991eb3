"""Session placement with OR-Tools CP-SAT: the ``Placer`` the programme uses.

The model chooses a *time* for each session, not a room: one boolean per (session, time whose
day holds its kind). Rooms of one kind are interchangeable, so modelling them would only
multiply equivalent answers. Instead, for each time and each set of kinds K, the sessions of a
kind in K may not outnumber the rooms that suit some kind in K (Hall's condition: exactly when
the sessions of that time can each get a suitable room of their own); rooms are then given per
time by a deterministic matching (``scheduling.assign_rooms``).

Hard: a session runs at most once; a presenter is in at most one session per time. Soft: each
session of a network beyond the first at one time costs one. The objective places as many
sessions as possible (one more placed session outweighs every clash), then avoids clashes, then
keeps the busiest time as light as it can (so sessions spread over the days instead of filling
the first ones). The
greedy baseline is the solution hint and the fallback, so the answer is never worse than it.
One worker, a fixed seed and a *deterministic* time budget make the answer the same on every run.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from itertools import combinations

from ortools.sat.python import cp_model

from services.abstracts.scheduling import Grid, Place, Session, assign_rooms, greedy_place, network_clashes

Time = tuple[date, int]


@dataclass(frozen=True)
class Outcome:
    status: str
    """OPTIMAL when CP-SAT proved no placement does better."""
    placed_bound: int
    """No placement places more sessions than this."""
    clash_bound: int
    """With ``placed_bound`` sessions placed, none has fewer network clashes than this."""
    improved: bool
    """False when the greedy baseline was as good and is returned."""


def score(sessions: dict[str, Session], places: dict[str, Place]) -> tuple[int, int, int]:
    """What the search maximises, in order: sessions placed, fewer network clashes, fewer at the busiest time."""
    load = Counter(p.time for p in places.values())
    return (len(places), -network_clashes(sessions, places), -max(load.values(), default=0))


@dataclass(frozen=True)
class CpSatPlacer:
    """Deterministic CP-SAT placement; ``work`` is CP-SAT's deterministic time budget (roughly seconds)."""

    work: float = 5.0

    def __call__(self, sessions: Sequence[Session], grid: Grid) -> dict[str, Place]:
        return self.place(sessions, grid)[0]

    def place(self, sessions: Sequence[Session], grid: Grid) -> tuple[dict[str, Place], Outcome]:
        """The placement and how the search went (for the benchmark and the logs)."""
        model = cp_model.CpModel()
        at: dict[tuple[int, Time], cp_model.IntVar] = {}
        for i, session in enumerate(sessions):
            for t in sorted({p.time for p in grid.places_for(session.kind)}):
                at[i, t] = model.new_bool_var(f"s{i}_{t[0]}_{t[1]}")
        for i in range(len(sessions)):
            model.add_at_most_one(v for (j, _), v in at.items() if j == i)
        self._rooms(model, sessions, grid, at)
        self._presenters(model, sessions, at)
        clashes = self._networks(model, sessions, at)
        busiest = self._load(model, sessions, at)
        spread, weight = len(grid.rooms) + 1, (len(sessions) + 1) * (len(grid.rooms) + 1)
        model.maximize(sum(at.values()) * weight - sum(clashes) * spread - busiest)
        baseline = greedy_place(sessions, grid)
        index = {s.id: i for i, s in enumerate(sessions)}
        hinted = {(index[sid], p.time) for sid, p in baseline.items()}
        for key, var in at.items():
            model.add_hint(var, key in hinted)
        found, outcome = self._solve(model, sessions, grid, at)
        by_id = {s.id: s for s in sessions}
        better = score(by_id, found) > score(by_id, baseline)
        return (found, outcome) if better else (baseline, replace(outcome, improved=False))

    @staticmethod
    def _load(
        model: cp_model.CpModel, sessions: Sequence[Session], at: dict[tuple[int, Time], cp_model.IntVar]
    ) -> cp_model.IntVar:
        """The most sessions at any one time: kept low, so the sessions spread over the congress."""
        busiest = model.new_int_var(0, len(sessions), "busiest")
        for t in sorted({t for _, t in at}):
            model.add(busiest >= sum(v for (_, u), v in at.items() if u == t))
        return busiest

    @staticmethod
    def _rooms(
        model: cp_model.CpModel, sessions: Sequence[Session], grid: Grid, at: dict[tuple[int, Time], cp_model.IntVar]
    ) -> None:
        kinds = sorted({s.kind for s in sessions})
        for t in sorted({t for _, t in at}):
            for size in range(1, len(kinds) + 1):
                for group in combinations(kinds, size):
                    running = [v for (i, u), v in at.items() if u == t and sessions[i].kind in group]
                    rooms = sum(1 for r in grid.rooms if r.kinds.intersection(group))
                    if len(running) > rooms:
                        model.add(sum(running) <= rooms)

    @staticmethod
    def _presenters(
        model: cp_model.CpModel, sessions: Sequence[Session], at: dict[tuple[int, Time], cp_model.IntVar]
    ) -> None:
        of_email: dict[str, list[int]] = defaultdict(list)
        for i, session in enumerate(sessions):
            for email in session.emails:
                of_email[email].append(i)
        times = sorted({t for _, t in at})
        for members in of_email.values():
            for t in times:
                running = [at[i, t] for i in members if (i, t) in at]
                if len(running) > 1:
                    model.add_at_most_one(running)

    @staticmethod
    def _networks(
        model: cp_model.CpModel, sessions: Sequence[Session], at: dict[tuple[int, Time], cp_model.IntVar]
    ) -> list[cp_model.IntVar]:
        of_network: dict[str, list[int]] = defaultdict(list)
        for i, session in enumerate(sessions):
            if session.network:
                of_network[session.network].append(i)
        times = sorted({t for _, t in at})
        clashes = []
        for network, members in sorted(of_network.items()):
            for t in times:
                running = [at[i, t] for i in members if (i, t) in at]
                if len(running) > 1:
                    extra = model.new_int_var(0, len(running) - 1, f"clash_{network}_{t[0]}_{t[1]}")
                    model.add(extra >= sum(running) - 1)
                    clashes.append(extra)
        return clashes

    def _solve(
        self,
        model: cp_model.CpModel,
        sessions: Sequence[Session],
        grid: Grid,
        at: dict[tuple[int, Time], cp_model.IntVar],
    ) -> tuple[dict[str, Place], Outcome]:
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = 7
        solver.parameters.max_deterministic_time = self.work
        status = solver.solve(model)
        found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
        weight = len(sessions) + 1
        bound = -(-int(solver.best_objective_bound) // (len(grid.rooms) + 1))
        outcome = Outcome(
            status=solver.status_name(status),
            placed_bound=-(-bound // weight),
            clash_bound=-(-bound // weight) * weight - bound,
            improved=True,
        )
        if not found:
            return {}, outcome
        by_time: dict[Time, dict[str, str]] = defaultdict(dict)
        for (i, t), var in at.items():
            if solver.value(var):
                by_time[t][sessions[i].id] = sessions[i].kind
        places: dict[str, Place] = {}
        for t, kinds in sorted(by_time.items()):
            rooms = assign_rooms(kinds, grid.rooms) or {}
            places.update({sid: Place(t[0], t[1], room) for sid, room in rooms.items()})
        return places, outcome
