"""Programme placement benchmark: CP-SAT against the greedy baseline on an ICSEI-sized congress.

    uv run python -m bench.programme [--papers 360] [--rooms 13] [--work 10] [--seed 2027]

A synthetic set of accepted abstracts (papers spread unevenly over eight networks, symposia,
roundtables, workshops, posters; about one presenter in eight presents twice or more) is grouped
by ``scheduling.group`` and placed into the example congress's days and slots with ``--rooms``
general rooms (paper, symposium, roundtable), two workshop rooms and a poster hall. For each placer it
prints sessions placed, left out, same-network clashes and wall time, and writes
bench/results/programme.json. Never asserts.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import time
from pathlib import Path
from typing import Any

from services.abstracts.adapters.solver import CpSatPlacer, score
from services.abstracts.grouping import group
from services.abstracts.programme_config import load_programme
from services.abstracts.scheduling import (
    Grid,
    Placer,
    Presenter,
    Room,
    Session,
    Talk,
    greedy_place,
    network_clashes,
    schedule,
)
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
        result = schedule(sessions, g, lambda _s, _g: found)
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
    RESULTS.parent.mkdir(exist_ok=True)
    doc = {"args": vars(args), "machine": platform.platform(), "results": rows}
    RESULTS.write_text(json.dumps(doc, indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
