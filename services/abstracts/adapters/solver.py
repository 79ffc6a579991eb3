"""Session placement with OR-Tools CP-SAT: the ``Placer`` the programme uses.

One boolean per (session, place that suits it). Hard: a session takes at most one place, a
place holds at most one session, a presenter is in at most one session per time. Soft: a
network's sessions at one time beyond the first cost a penalty. The objective places as
many sessions as possible first (a placed session outweighs every penalty), then avoids
network clashes. The greedy baseline is given as a hint, so CP-SAT starts from it and can
only improve on it. One worker, a fixed seed and a *deterministic* time limit make the answer
the same on every run and every machine (docs/abstracts.md, "Programme", has the comparison).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from ortools.sat.python import cp_model

from services.abstracts.scheduling import Grid, Place, Session, greedy_place

Time = tuple[date, int]


@dataclass(frozen=True)
class CpSatPlacer:
    """Deterministic CP-SAT placement; ``work`` is CP-SAT's deterministic time budget (roughly seconds)."""

    work: float = 10.0

    def __call__(self, sessions: Sequence[Session], grid: Grid) -> dict[str, Place]:
        model = cp_model.CpModel()
        chosen: dict[tuple[int, Place], cp_model.IntVar] = {}
        for i, session in enumerate(sessions):
            for place in grid.places_for(session.kind):
                chosen[i, place] = model.new_bool_var(f"x_{i}_{place.day}_{place.slot}_{place.room}")
        by_session: dict[int, list[cp_model.IntVar]] = defaultdict(list)
        by_place: dict[Place, list[cp_model.IntVar]] = defaultdict(list)
        at_time: dict[tuple[int, Time], list[cp_model.IntVar]] = defaultdict(list)
        for (i, place), var in chosen.items():
            by_session[i].append(var)
            by_place[place].append(var)
            at_time[i, place.time].append(var)
        for group in (*by_session.values(), *by_place.values()):
            model.add_at_most_one(group)
        self._presenters(model, sessions, at_time)
        penalties = self._networks(model, sessions, at_time)
        placed = sum(sum(v) for v in by_session.values())
        # clashes never outnumber the sessions, so one more placed session always outweighs them all
        model.maximize(placed * (len(sessions) + 1) - sum(penalties))
        self._hint(model, sessions, grid, chosen)
        return self._solve(model, sessions, chosen)

    @staticmethod
    def _presenters(
        model: cp_model.CpModel, sessions: Sequence[Session], at_time: dict[tuple[int, Time], list[cp_model.IntVar]]
    ) -> None:
        of_email: dict[str, list[int]] = defaultdict(list)
        for i, session in enumerate(sessions):
            for email in session.emails:
                of_email[email].append(i)
        times = {t for _, t in at_time}
        for members in of_email.values():
            if len(members) < 2:
                continue
            for t in times:
                model.add_at_most_one(v for i in members for v in at_time.get((i, t), ()))

    @staticmethod
    def _networks(
        model: cp_model.CpModel, sessions: Sequence[Session], at_time: dict[tuple[int, Time], list[cp_model.IntVar]]
    ) -> list[cp_model.IntVar]:
        of_network: dict[str, list[int]] = defaultdict(list)
        for i, session in enumerate(sessions):
            if session.network:
                of_network[session.network].append(i)
        times = sorted({t for _, t in at_time})
        penalties = []
        for network, members in sorted(of_network.items()):
            if len(members) < 2:
                continue
            for t in times:
                running = [v for i in members for v in at_time.get((i, t), ())]
                if len(running) < 2:
                    continue
                extra = model.new_int_var(0, len(running), f"clash_{network}_{t[0]}_{t[1]}")
                model.add(extra >= sum(running) - 1)
                penalties.append(extra)
        return penalties

    @staticmethod
    def _hint(
        model: cp_model.CpModel,
        sessions: Sequence[Session],
        grid: Grid,
        chosen: dict[tuple[int, Place], cp_model.IntVar],
    ) -> None:
        start = greedy_place(sessions, grid)
        index = {s.id: i for i, s in enumerate(sessions)}
        picked = {(index[sid], place) for sid, place in start.items()}
        for key, var in chosen.items():
            model.add_hint(var, key in picked)

    def _solve(
        self, model: cp_model.CpModel, sessions: Sequence[Session], chosen: dict[tuple[int, Place], cp_model.IntVar]
    ) -> dict[str, Place]:
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = 7
        solver.parameters.max_deterministic_time = self.work
        status = solver.solve(model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return {}
        return {sessions[i].id: place for (i, place), var in chosen.items() if solver.value(var)}
