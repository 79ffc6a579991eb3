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

Sessions held *fixed* (an update of a draft organisers have worked on) are no variables: at their
times their rooms are taken (the others are matched to the rooms left), their presenters are busy
(no variable puts a clashing session there), and they count towards the network clashes and the
busiest time.
With expected audiences (session id -> seats), rooms are sized too: a second stage on the same model holds
this goal at the value reached and minimises the seats overflowing (``room_sizing.py``), then a seeded
neighbourhood search places the sessions of three times at a time again and keeps what scores better —
lexicographically below every goal above, never traded against them.
One worker, a fixed seed and a *deterministic* time budget make the answer the same on every run.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from itertools import combinations

from ortools.sat.python import cp_model

from services.abstracts.adapters.room_search import Search
from services.abstracts.adapters.room_sizing import Sizing, Stage, size_rooms
from services.abstracts.domain.audience import overflow
from services.abstracts.domain.scheduling import Grid, Place, Room, Session, assign_rooms, greedy_place, network_clashes

Time = tuple[date, int]
ROUNDS_PER_WORK = 8
"""Rounds of that search per unit of ``work``."""
ROUND_WORK = 0.5
"""CP-SAT's deterministic budget for each stage of one round."""


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
    sizing: Sizing | None = None
    """How the room-sizing stage went (None without an expected audience)."""


def score(
    sessions: dict[str, Session],
    places: dict[str, Place],
    grid: Grid | None = None,
    audience: Mapping[str, int] | None = None,
) -> tuple[int, int, int, int]:
    """What the search maximises, in order: sessions placed, fewer network clashes, fewer at the busiest time,
    fewer seats overflowing (0 without ``grid`` and ``audience``)."""
    load = Counter(p.time for p in places.values())
    spilled = overflow(audience, places, grid) if grid and audience else 0
    return (len(places), -network_clashes(sessions, places), -max(load.values(), default=0), -spilled)


@dataclass(frozen=True)
class Pinned:
    """What the sessions held fixed leave for the others, per time: rooms taken, presenters busy,
    sessions per network and in all."""

    rooms: dict[Time, set[str]]
    emails: dict[Time, set[str]]
    networks: dict[Time, Counter[str]]
    load: Counter[Time]

    @classmethod
    def of(cls, sessions: dict[str, Session], fixed: Mapping[str, Place]) -> Pinned:
        pinned = cls(defaultdict(set), defaultdict(set), defaultdict(Counter), Counter())
        for sid, place in fixed.items():
            pinned.rooms[place.time].add(place.room)
            pinned.emails[place.time].update(sessions[sid].emails)
            if sessions[sid].network:
                pinned.networks[place.time][sessions[sid].network] += 1
            pinned.load[place.time] += 1
        return pinned

    def free_rooms(self, grid: Grid, t: Time) -> list[Room]:
        return [r for r in grid.rooms if r.code not in self.rooms.get(t, set())]


@dataclass(frozen=True)
class CpSatPlacer:
    """Deterministic CP-SAT placement; ``work`` is CP-SAT's deterministic time budget (roughly seconds)."""

    work: float = 5.0
    search: bool = True
    """After the room-sizing stage, search neighbourhoods for fewer seats overflowing (``_improve``)."""

    def __call__(
        self,
        sessions: Sequence[Session],
        grid: Grid,
        fixed: Mapping[str, Place] | None = None,
        audience: Mapping[str, int] | None = None,
    ) -> dict[str, Place]:
        return self.place(sessions, grid, fixed, audience)[0]

    def place(
        self,
        sessions: Sequence[Session],
        grid: Grid,
        fixed: Mapping[str, Place] | None = None,
        audience: Mapping[str, int] | None = None,
    ) -> tuple[dict[str, Place], Outcome]:
        """The placement and how the search went (for the benchmark and the logs). Sessions in ``fixed`` are
        not variables: they stay where they are and constrain the others (the outcome's bounds count only
        the sessions to place). With an ``audience`` (expected seats per session), a second stage then
        minimises the seats overflowing without giving up anything the first stage reached."""
        by_id = {s.id: s for s in sessions}
        pinned_places = {sid: p for sid, p in (fixed or {}).items() if sid in by_id}
        free = [s for s in sessions if s.id not in pinned_places]
        pinned = Pinned.of(by_id, pinned_places)
        model = cp_model.CpModel()
        at = self._variables(model, free, grid, pinned)
        for i in range(len(free)):
            model.add_at_most_one(v for (j, _), v in at.items() if j == i)
        self._rooms(model, free, grid, at, pinned)
        self._presenters(model, free, at)
        clashes = self._networks(model, free, at, pinned)
        busiest = self._load(model, sessions, at, pinned)
        spread, weight = len(grid.rooms) + 1, (len(free) + 1) * (len(grid.rooms) + 1)
        goal = sum(at.values()) * weight - sum(clashes) * spread - busiest
        model.maximize(goal)
        baseline = greedy_place(sessions, grid, pinned_places)
        index = {s.id: i for i, s in enumerate(free)}
        hinted = {(index[sid], p.time) for sid, p in baseline.items() if sid in index}
        for key, var in at.items():
            model.add_hint(var, key in hinted)
        solver = self._solver()
        found, outcome = self._solve(solver, model, free, grid, at, pinned)
        if audience and found:
            values = {v: solver.value(v) for v in (*clashes, busiest)}
            stage = Stage(model, goal, round(solver.objective_value), free, at, found, values)
            found, sizing = size_rooms(stage, lambda t: pinned.free_rooms(grid, t), audience, self.work)
            if self.search:
                search = Search(self._part(audience), lambda sessions, places, g: score(sessions, places, g, audience))
                rounds = round(self.work * ROUNDS_PER_WORK)
                found, sizing = search.improve(
                    by_id, grid, {**found, **pinned_places}, pinned_places, audience, sizing, rounds
                )
            outcome = replace(outcome, sizing=sizing)
        found = {**found, **pinned_places}
        better = score(by_id, found, grid, audience) > score(by_id, baseline, grid, audience)
        return (found, outcome) if better else (baseline, replace(outcome, improved=False))

    @staticmethod
    def _part(audience: Mapping[str, int]) -> Callable[[Sequence[Session], Grid, dict[str, Place]], dict[str, Place]]:
        """Places the sessions of one neighbourhood (its held ones fixed) with both stages, without a search."""
        return lambda sessions, part, held: CpSatPlacer(ROUND_WORK, search=False).place(sessions, part, held, audience)[
            0
        ]

    @staticmethod
    def _variables(
        model: cp_model.CpModel, sessions: Sequence[Session], grid: Grid, pinned: Pinned
    ) -> dict[tuple[int, Time], cp_model.IntVar]:
        """One boolean per (session, time) where a suitable room is free and its presenters are not busy."""
        at: dict[tuple[int, Time], cp_model.IntVar] = {}
        for i, session in enumerate(sessions):
            for t in sorted({p.time for p in grid.places_for(session.kind)}):
                roomy = any(session.kind in r.kinds for r in pinned.free_rooms(grid, t))
                if roomy and not session.emails & pinned.emails.get(t, set()):
                    at[i, t] = model.new_bool_var(f"s{i}_{t[0]}_{t[1]}")
        return at

    @staticmethod
    def _load(
        model: cp_model.CpModel,
        sessions: Sequence[Session],
        at: dict[tuple[int, Time], cp_model.IntVar],
        pinned: Pinned,
    ) -> cp_model.IntVar:
        """The most sessions at any one time: kept low, so the sessions spread over the congress."""
        busiest = model.new_int_var(max(pinned.load.values(), default=0), len(sessions), "busiest")
        for t in sorted({t for _, t in at}):
            model.add(busiest >= sum(v for (_, u), v in at.items() if u == t) + pinned.load[t])
        return busiest

    @staticmethod
    def _rooms(
        model: cp_model.CpModel,
        sessions: Sequence[Session],
        grid: Grid,
        at: dict[tuple[int, Time], cp_model.IntVar],
        pinned: Pinned,
    ) -> None:
        kinds = sorted({s.kind for s in sessions})
        for t in sorted({t for _, t in at}):
            free_rooms = pinned.free_rooms(grid, t)
            for size in range(1, len(kinds) + 1):
                for group in combinations(kinds, size):
                    running = [v for (i, u), v in at.items() if u == t and sessions[i].kind in group]
                    rooms = sum(1 for r in free_rooms if r.kinds.intersection(group))
                    if len(running) > rooms:
                        model.add(sum(running) <= rooms)

    @staticmethod
    def _presenters(
        model: cp_model.CpModel, sessions: Sequence[Session], at: dict[tuple[int, Time], cp_model.IntVar]
    ) -> None:
        of_email: dict[str, list[int]] = defaultdict(list)
        for i, session in enumerate(sessions):
            for email in sorted(session.emails):  # a set: its order changes with the process's hash seed
                of_email[email].append(i)
        times = sorted({t for _, t in at})
        for members in of_email.values():
            for t in times:
                running = [at[i, t] for i in members if (i, t) in at]
                if len(running) > 1:
                    model.add_at_most_one(running)

    @staticmethod
    def _networks(
        model: cp_model.CpModel,
        sessions: Sequence[Session],
        at: dict[tuple[int, Time], cp_model.IntVar],
        pinned: Pinned,
    ) -> list[cp_model.IntVar]:
        """Per network and time, the sessions beyond the first (the fixed ones at that time count too)."""
        of_network: dict[str, list[int]] = defaultdict(list)
        for i, session in enumerate(sessions):
            if session.network:
                of_network[session.network].append(i)
        times = sorted({t for _, t in at})
        clashes = []
        for network, members in sorted(of_network.items()):
            for t in times:
                running = [at[i, t] for i in members if (i, t) in at]
                held = pinned.networks[t][network] if t in pinned.networks else 0
                if running and len(running) + held > 1:
                    extra = model.new_int_var(0, len(running) + held - 1, f"clash_{network}_{t[0]}_{t[1]}")
                    model.add(extra >= sum(running) + held - 1)
                    clashes.append(extra)
        return clashes

    def _solver(self) -> cp_model.CpSolver:
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = 7
        solver.parameters.max_deterministic_time = self.work
        return solver

    @staticmethod
    def _solve(
        solver: cp_model.CpSolver,
        model: cp_model.CpModel,
        sessions: Sequence[Session],
        grid: Grid,
        at: dict[tuple[int, Time], cp_model.IntVar],
        pinned: Pinned,
    ) -> tuple[dict[str, Place], Outcome]:
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
            rooms = assign_rooms(kinds, pinned.free_rooms(grid, t)) or {}
            places.update({sid: Place(t[0], t[1], room) for sid, room in rooms.items()})
        return places, outcome
