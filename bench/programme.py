"""Programme placement benchmark: CP-SAT against the greedy baseline on an ICSEI-sized congress.

    uv run python -m bench.programme [--papers 360] [--rooms 13] [--work 10] [--seed 2027]

A synthetic set of accepted abstracts (papers spread unevenly over eight networks, symposia,
roundtables, workshops, posters; about one presenter in eight presents twice or more) is grouped
by ``scheduling.group`` and placed into the example congress's days and slots with ``--rooms``
general rooms (paper, symposium, roundtable), two workshop rooms and a poster hall. For each placer it
prints sessions placed, left out, same-network clashes and wall time. Then the *update* scenario:
five sessions accepted after the ICSEI-like draft was made, placed with the draft's sessions held
fixed (``updating.plan_update`` + ``schedule(..., fixed=...)``) by greedy and by CP-SAT, beside a
full regeneration: clashes, time, and how many draft sessions and presentations each one moves.
Then *rooms sized by interest* (``bench/_room_sizing.py``): 160 sessions with seeded expected audiences in
13 rooms of different sizes, placed by today's placer and by the one that sizes rooms, in the same run:
seats overflowing, time, and the room-sizing stage's CP-SAT status and gap to its bound.
Writes bench/results/programme.json (with the load average). Never asserts.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench._room_sizing import print_rooms, rooms_scenario
from services.abstracts.adapters.solver import CpSatPlacer, score
from services.abstracts.domain.grouping import group
from services.abstracts.domain.scheduling import (
    Grid,
    Place,
    Placer,
    Presenter,
    Room,
    Session,
    Talk,
    greedy_place,
    network_clashes,
    schedule,
)
from services.abstracts.domain.updating import Limits, plan_update
from services.abstracts.programme_config import load_programme
from services.common.congress import load_congress

RESULTS = Path(__file__).resolve().parent / "results" / "programme.json"
NETWORKS = ("DU", "EL", "ECE", "PLN", "TE", "EQ", "SIE", "MOREI")
WEIGHTS = (8, 7, 3, 3, 5, 6, 9, 2)
KEYWORDS = ("data use", "leadership", "equity", "trust", "assessment", "policy", "networks", "coaching", "inclusion")


def talks(papers: int, seed: int, people: float) -> list[Talk]:
    rng = random.Random(seed)
    pool = [f"person{i}@example.org" for i in range(int(papers * people))]
    mix = [("paper", papers), ("symposium", papers // 15), ("roundtable", papers // 30)]
    mix += [("workshop", 4), ("poster", papers // 4)]
    made: list[Talk] = []
    for kind, count in mix:
        for _ in range(count):
            n = len(made)
            network = rng.choices(NETWORKS, WEIGHTS)[0]
            email = pool[rng.randrange(len(pool))]
            keywords = tuple(rng.sample(KEYWORDS, 2))
            presenter = Presenter(f"Presenter {n}", email)
            made.append(Talk(f"a{n}", f"R-{n:04}", f"Abstract {n}", network, kind, keywords, (presenter,)))
    return made


def grid(rooms: int) -> Grid:
    base = load_programme(load_congress()).grid()
    general = tuple(
        Room(f"G{i:02}", f"Room G{i:02}", 80, frozenset({"paper", "symposium", "roundtable"})) for i in range(rooms)
    )
    others = tuple(r for r in base.rooms if r.kinds & {"workshop", "poster"})
    return Grid(rooms=general + others, slots=base.slots)


def run(name: str, placer: Placer, sessions: list[Session], g: Grid, scenario: str) -> dict[str, Any]:
    started = time.perf_counter()
    outcome: dict[str, Any] = {}
    if isinstance(placer, CpSatPlacer):
        found, stats = placer.place(sessions, g)
        outcome = {"status": stats.status, "placed_bound": stats.placed_bound, "clash_bound": stats.clash_bound}
        outcome["improved_on_greedy"] = stats.improved
        result = schedule(sessions, g, lambda _s, _g, _f=None, _a=None: found)
    else:
        result = schedule(sessions, g, placer)
    seconds = time.perf_counter() - started
    by_id = {s.id: s for s in sessions}
    return outcome | {
        "scenario": scenario,
        "placer": name,
        "sessions": len(sessions),
        "placed": len(result.places),
        "unplaced": len(result.unplaced),
        "network_clashes": network_clashes(by_id, result.places),
        "busiest_time": -score(by_id, result.places)[2],
        "seconds": round(seconds, 2),
        "reasons": sorted({u.reason for u in result.unplaced}),
    }


SCENARIOS = (  # name, presenters per paper (fewer: more people present twice), general rooms
    ("ICSEI-like", 1.1, None),
    ("busy presenters", 0.35, None),
    ("rooms short", 1.1, -2),
    ("busy, rooms short", 0.3, -1),
)


def late_talks(pool: list[Talk], seed: int) -> list[Talk]:
    """Five abstracts accepted after the draft: three symposia and two roundtables (five new sessions),
    presented by people who already present (so the fixed sessions' times constrain them)."""
    rng = random.Random(seed + 1)
    made = []
    for n, kind in enumerate(("symposium", "symposium", "symposium", "roundtable", "roundtable"), len(pool)):
        presenter = rng.choice(pool).presenters[0]
        network = rng.choices(NETWORKS, WEIGHTS)[0]
        made.append(Talk(f"a{n}", f"R-{n:04}", f"Late {n}", network, kind, ("equity",), (presenter,)))
    return made


def moved(
    before: dict[str, Place], after: dict[str, Place], old: Sequence[Session], new: Sequence[Session]
) -> tuple[int, int]:
    """Sessions of the draft now elsewhere (or gone), and presentations whose time or room changed."""

    def where(sessions: Sequence[Session], places: dict[str, Place]) -> dict[str, Place]:
        return {t.abstract_id: places[s.id] for s in sessions if s.id in places for t in s.talks}

    was, now = where(old, before), where(new, after)
    return sum(after.get(sid) != p for sid, p in before.items()), sum(now.get(a) != p for a, p in was.items())


def update_scenario(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Five new sessions into the ICSEI-like draft: an update (the draft's sessions fixed) by each placer,
    beside regenerating everything with CP-SAT; how much of the draft each one moves. One general room more
    than ``--rooms`` (with ``--rooms`` the ICSEI-like draft fills every general room at every time)."""
    base, g = talks(args.papers, args.seed, 1.1), grid(args.rooms + 1)
    sessions = group(base, {}, 4, 20)
    draft = schedule(sessions, g, CpSatPlacer(args.work))
    everyone = base + late_talks(base, args.seed)
    plan = plan_update(sessions, draft.places, everyone, g, Limits(4, 20, {}))
    cp_sat = CpSatPlacer(args.work)
    runs: list[tuple[str, Sequence[Session], Placer, dict[str, Place]]] = [
        ("update, greedy", plan.sessions, greedy_place, plan.fixed),
        (f"update, CP-SAT {args.work:g}", plan.sessions, cp_sat, plan.fixed),
        (f"regenerate, CP-SAT {args.work:g}", group(everyone, {}, 4, 20), cp_sat, {}),
    ]
    rows = []
    for name, placed, placer, fixed in runs:
        started = time.perf_counter()
        result = schedule(placed, g, placer, fixed)
        seconds = time.perf_counter() - started
        sessions_moved, presentations_moved = moved(draft.places, result.places, sessions, placed)
        rows.append(
            {
                "scenario": "update: 5 new sessions",
                "placer": name,
                "fixed": len(fixed),
                "sessions": len(placed),
                "placed": len(result.places),
                "unplaced": len(result.unplaced),
                "network_clashes": network_clashes({s.id: s for s in placed}, result.places),
                "sessions_moved": sessions_moved,
                "presentations_moved": presentations_moved,
                "seconds": round(seconds, 2),
            }
        )
    return rows


def print_update(rows: list[dict[str, Any]]) -> None:
    print("\nUpdate: 5 sessions accepted after the ICSEI-like draft, one general room more (moved: now elsewhere)")
    head = f"{'placer':<22}{'fixed':>6}{'sessions':>9}{'placed':>7}{'left':>5}{'clashes':>8}{'moved':>6}"
    print(head + f"{'talks moved':>12}{'seconds':>8}")
    for r in rows:
        print(
            f"{r['placer']:<22}{r['fixed']:>6}{r['sessions']:>9}{r['placed']:>7}{r['unplaced']:>5}"
            f"{r['network_clashes']:>8}{r['sessions_moved']:>6}{r['presentations_moved']:>12}{r['seconds']:>8}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=360)
    parser.add_argument("--rooms", type=int, default=13)
    parser.add_argument("--work", type=float, default=5.0, help="CP-SAT deterministic time budget")
    parser.add_argument("--seed", type=int, default=2027)
    args = parser.parse_args()
    rows = []
    for scenario, people, fewer in SCENARIOS:
        sessions = group(talks(args.papers, args.seed, people), {}, 4, 20)
        g = grid(args.rooms + (fewer or 0))
        rows.append(run("greedy (baseline)", greedy_place, sessions, g, scenario))
        rows.append(run(f"CP-SAT (work {args.work:g})", CpSatPlacer(args.work), sessions, g, scenario))
    print(f"{args.papers} papers (seed {args.seed}); {len(g.slots)} slots; CP-SAT bound = no placement does better")
    head = f"{'scenario':<19}{'placer':<19}{'sessions':>9}{'placed':>7}{'left':>5}{'clashes':>8}{'busiest':>8}"
    head += f"{'seconds':>8}"
    print(head + "  CP-SAT status (bound placed/clashes)")
    for r in rows:
        bound = f"  {r['status']} ({r['placed_bound']}/{r['clash_bound']})" if "status" in r else ""
        print(
            f"{r['scenario']:<19}{r['placer']:<19}{r['sessions']:>9}{r['placed']:>7}{r['unplaced']:>5}"
            f"{r['network_clashes']:>8}{r['busiest_time']:>8}{r['seconds']:>8}{bound}"
        )
    for r in rows:
        for reason in r["reasons"]:
            print(f"  {r['scenario']} / {r['placer']}: {reason}")
    update = update_scenario(args)
    print_update(update)
    rooms = rooms_scenario(args.work, args.seed)
    print_rooms(rooms)
    RESULTS.parent.mkdir(exist_ok=True)
    doc = {"args": vars(args), "machine": platform.platform(), "load_average": os.getloadavg()}
    doc |= {"results": rows, "update": update, "rooms": rooms}
    RESULTS.write_text(json.dumps(doc, indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
