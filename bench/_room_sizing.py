"""Rooms sized by interest, for ``bench.programme``: today's placer against the one that sizes rooms.

The instance (deterministic for a seed): 160 sessions — 112 paper sessions of eight networks, 24 symposia,
12 roundtables, 4 workshops, 8 poster sessions; about one presenter in ten presents twice — and 13 rooms:
ten general rooms from a 400-seat hall down to 40 seats (papers, symposia, roundtables), two workshop rooms
and a poster hall, over 4 days × 4 slots. Each session's expected audience is drawn from a log-normal
spread around a typical figure for its kind (papers 60, symposia 150, roundtables 40, workshops 30, posters
200). Both placers run in the same process, one after the other; their answers are scored against the same
audiences. Not a test: it prints and returns figures.
"""

from __future__ import annotations

import random
import time
from datetime import date
from datetime import time as clock
from typing import Any

from services.abstracts.adapters.solver import CpSatPlacer, score
from services.abstracts.domain.audience import overflow
from services.abstracts.domain.scheduling import Grid, Presenter, Room, Session, Slot, Talk, schedule

NETWORKS = ("DU", "EL", "ECE", "PLN", "TE", "EQ", "SIE", "MOREI")
WEIGHTS = (8, 7, 3, 3, 5, 6, 9, 2)  # as bench.programme's
GENERAL = frozenset({"paper", "symposium", "roundtable"})
CAPACITIES = (400, 250, 200, 150, 120, 100, 80, 60, 60, 40)
MIX = (("paper", 112, 4), ("symposium", 24, 1), ("roundtable", 12, 1), ("workshop", 4, 1), ("poster", 8, 20))
TYPICAL = {"paper": 60, "symposium": 150, "roundtable": 40, "workshop": 30, "poster": 200}


def rooms_grid() -> Grid:
    general = tuple(Room(f"G{i:02}", f"Room G{i:02} ({c})", c, GENERAL) for i, c in enumerate(CAPACITIES))
    others = (
        Room("W1", "Workshop 1", 40, frozenset({"workshop"})),
        Room("W2", "Workshop 2", 30, frozenset({"workshop"})),
        Room("PH", "Poster hall", 300, frozenset({"poster"})),
    )
    slots = tuple(
        Slot(date(2027, 1, 6 + d), i, clock(9 + 2 * i), clock(10 + 2 * i, 30)) for d in range(4) for i in range(4)
    )
    return Grid(rooms=general + others, slots=slots)


def instance(seed: int) -> tuple[list[Session], dict[str, int]]:
    """160 sessions and their expected audiences, the same for the same seed."""
    rng = random.Random(seed)
    pool = [f"person{i}@example.org" for i in range(int(sum(n * size for _, n, size in MIX) * 0.9))]
    sessions: list[Session] = []
    audience: dict[str, int] = {}
    for kind, count, size in MIX:
        for k in range(count):
            network = rng.choices(NETWORKS, WEIGHTS)[0]
            talks = tuple(
                Talk(f"{kind}{k}-{j}", f"R-{kind}{k}-{j}", "T", network, kind, (), (Presenter("P", rng.choice(pool)),))
                for j in range(size)
            )
            sid = f"{kind[:2].upper()}-{k + 1}"
            sessions.append(Session(sid, kind, network, sid, talks))
            audience[sid] = max(5, min(600, round(TYPICAL[kind] * rng.lognormvariate(0, 0.6))))
    return sessions, audience


def rooms_scenario(work: float, seed: int) -> list[dict[str, Any]]:
    """Today's placer and the sizing one on the same instance: placed, clashes, seats overflowing, time."""
    sessions, audience = instance(seed)
    grid = rooms_grid()
    by_id = {s.id: s for s in sessions}
    rows = []
    for name, given in (("today's CP-SAT", None), ("sized by interest", audience)):
        started, cpu = time.perf_counter(), time.process_time()
        found, outcome = CpSatPlacer(work).place(sessions, grid, None, given)
        result = schedule(sessions, grid, lambda _s, _g, _f=None, _a=None, found=found: found)
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
        placed = result.places
        sizing = outcome.sizing
        rows.append(
            {
                "scenario": "rooms sized by interest",
                "placer": name,
                "sessions": len(sessions),
                "rooms": len(grid.rooms),
                "placed": len(placed),
                "network_clashes": -score(by_id, placed)[1],
                "busiest_time": -score(by_id, placed)[2],
                "seats_overflowing": overflow(audience, placed, grid),
                "sessions_overflowing": sum(audience[sid] > grid_capacity(grid, p.room) for sid, p in placed.items()),
                "seconds": round(seconds, 2),
                "cpu_seconds": round(cpu_seconds, 2),
                "status": outcome.status,
                "sizing_status": sizing.status if sizing else None,
                "sizing_bound": sizing.bound if sizing else None,
                "sizing_gap": round(sizing.gap, 4) if sizing else None,
            }
        )
    return rows


def grid_capacity(grid: Grid, code: str) -> int:
    room = grid.room(code)
    return room.capacity if room else 0


def print_rooms(rows: list[dict[str, Any]]) -> None:
    first = rows[0]
    print(f"\nRooms sized by interest: {first['sessions']} sessions, {first['rooms']} rooms, same audiences for both")
    head = f"{'placer':<19}{'placed':>7}{'clashes':>8}{'busiest':>8}{'seats over':>11}{'sessions over':>14}"
    print(head + f"{'seconds':>8}{'cpu s':>7}  CP-SAT (stage 1; sizing: status, bound, gap)")
    for r in rows:
        sizing = f"; {r['sizing_status']}, {r['sizing_bound']}, {r['sizing_gap']:.2%}" if r["sizing_status"] else ""
        print(
            f"{r['placer']:<19}{r['placed']:>7}{r['network_clashes']:>8}{r['busiest_time']:>8}"
            f"{r['seats_overflowing']:>11}{r['sessions_overflowing']:>14}{r['seconds']:>8}{r['cpu_seconds']:>7}"
            f"  {r['status']}{sizing}"
        )
