"""Reviewer assignment: the optimal engine against today's greedy plan and an LP bound.

Generated instances (seeded, so every run sees the same): papers in networks, reviewers in one or two
networks, topic vectors giving each allowed pair a similarity in [0, 1], bids on about 15 % of the pairs
(eager / willing / not willing; 1 % conflict), a conflict wherever author and reviewer share one of 60
institutions, and per-reviewer minimum and maximum loads. Three answers per instance:

- ``optimal``: ``matching.flow.solve`` (floor first, then total; exact);
- ``greedy``: ``abstracts.assignment.assign`` as main used it (least-loaded first; it knows no affinity and no
  maximum load, so its load range is reported beside);
- ``lp_bound``: the LP relaxation of "maximise the total affinity under the same k and loads" solved by
  OR-Tools GLOP (dual simplex) — no plan does better than it. Its constraint
  matrix is totally unimodular, so an exact plan *should* meet it; a gap would mean the floor cost total.

Goals: the optimal total within 0.1 % of the bound; < 1 s on 1,000 × 200 × 3 and < 15 s on
5,000 × 2,000 × 2. Prints a table; writes bench/results/assignment.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from ortools.linear_solver import pywraplp

from services.abstracts.domain import assignment
from services.abstracts.domain.matching import flow
from services.abstracts.domain.matching.affinity import BID_BONUS
from services.abstracts.domain.matching.model import Instance, Pair, summarise

RESULTS = Path(__file__).parent / "results"


@dataclass(frozen=True)
class Case:
    name: str
    papers: int
    reviewers: int
    k: int
    networks: int
    min_load: int
    max_load: int
    goal_seconds: float


CASES = (
    Case("1000x200x3", 1000, 200, 3, 8, 10, 20, 1.0),
    Case("5000x2000x2", 5000, 2000, 2, 25, 2, 8, 15.0),
)


@dataclass(frozen=True)
class Generated:
    instance: Instance
    needs: list[assignment.Need]
    candidates: list[assignment.Candidate]


def generate(case: Case, seed: int = 14) -> Generated:
    """A seeded instance: allowed pairs with affinity (similarity + bid), institution and bid conflicts."""
    rng = np.random.default_rng(seed)
    topics = 30
    p_net = rng.integers(0, case.networks, case.papers)
    r_net1 = rng.integers(0, case.networks, case.reviewers)
    r_net2 = np.where(rng.random(case.reviewers) < 0.5, rng.integers(0, case.networks, case.reviewers), r_net1)
    p_inst, r_inst = rng.integers(0, 60, case.papers), rng.integers(0, 60, case.reviewers)
    p_vec = rng.dirichlet(np.full(topics, 0.3), case.papers)
    r_vec = rng.dirichlet(np.full(topics, 0.3), case.reviewers)
    p_vec /= np.linalg.norm(p_vec, axis=1, keepdims=True)
    r_vec /= np.linalg.norm(r_vec, axis=1, keepdims=True)
    papers = [f"P{i:05d}" for i in range(case.papers)]
    reviewers = [f"R{j:05d}" for j in range(case.reviewers)]
    scores: dict[Pair, float] = {}
    excluded: dict[str, set[str]] = {}
    bid_names = np.array(["eager", "willing", "not_willing", "conflict"])
    for net in range(case.networks):
        ps = np.flatnonzero(p_net == net)
        rs = np.flatnonzero((r_net1 == net) | (r_net2 == net))
        sim = p_vec[ps] @ r_vec[rs].T
        draw = rng.random(sim.shape)
        bids = np.where(draw < 0.15, bid_names[rng.choice(4, sim.shape, p=[0.3, 0.4, 0.23, 0.07])], "none")
        bonus = np.vectorize(lambda b: BID_BONUS.get(b, 0.0))(bids)
        clash = p_inst[ps][:, None] == r_inst[rs][None, :]
        for i, j in zip(*np.nonzero(~clash & (bids != "conflict")), strict=True):
            scores[(papers[ps[i]], reviewers[rs[j]])] = round(float(sim[i, j] + bonus[i, j]), 4)
        for i, j in zip(*np.nonzero(~clash & (bids == "conflict")), strict=True):
            excluded.setdefault(papers[ps[i]], set()).add(reviewers[rs[j]])
    instance = Instance(
        tuple(papers),
        tuple(reviewers),
        scores,
        case.k,
        dict.fromkeys(reviewers, case.max_load),
        dict.fromkeys(reviewers, case.min_load),
    )
    needs = [
        assignment.Need(
            p, p, f"N{p_net[i]}", frozenset(), frozenset({f"I{p_inst[i]}"}), excluded=frozenset(excluded.get(p, ()))
        )
        for i, p in enumerate(papers)
    ]
    candidates = [
        assignment.Candidate(r, f"{r}@example.org", f"I{r_inst[j]}", frozenset({f"N{r_net1[j]}", f"N{r_net2[j]}"}))
        for j, r in enumerate(reviewers)
    ]
    return Generated(instance, needs, candidates)


def lp_bound(inst: Instance) -> tuple[float, float]:
    """The LP relaxation's optimum of the total (GLOP) and its time."""
    started = time.perf_counter()
    solver = pywraplp.Solver.CreateSolver("GLOP")
    solver.SetSolverSpecificParametersAsString("use_dual_simplex: true")  # far faster on transportation LPs
    by_paper: dict[str, list[Any]] = {}
    by_reviewer: dict[str, list[Any]] = {}
    objective = solver.Objective()
    for n, (pair, score) in enumerate(sorted(inst.scores.items())):
        var = solver.NumVar(0.0, 1.0, f"x{n}")
        objective.SetCoefficient(var, score)
        by_paper.setdefault(pair[0], []).append(var)
        by_reviewer.setdefault(pair[1], []).append(var)
    for paper in inst.papers:
        row = solver.Constraint(inst.k, inst.k)
        for var in by_paper.get(paper, []):
            row.SetCoefficient(var, 1)
    for reviewer in inst.reviewers:
        row = solver.Constraint(inst.min_load.get(reviewer, 0), inst.max_load[reviewer])
        for var in by_reviewer.get(reviewer, []):
            row.SetCoefficient(var, 1)
    objective.SetMaximization()
    status = solver.Solve()
    if status != pywraplp.Solver.OPTIMAL:
        raise RuntimeError(f"GLOP status {status}")
    return objective.Value(), time.perf_counter() - started


def run(case: Case) -> dict[str, Any]:
    g = generate(case)
    inst = g.instance
    started = time.perf_counter()
    plan = flow.solve(inst)
    optimal_s = time.perf_counter() - started
    started = time.perf_counter()
    greedy = assignment.assign(g.needs, g.candidates, inst.k, {})
    greedy_s = time.perf_counter() - started
    g_total, g_means = summarise(inst, tuple(greedy.pairs))
    g_loads = np.bincount([int(r[1:]) for _, r in greedy.pairs], minlength=case.reviewers)
    bound, bound_s = lp_bound(inst)
    worst = plan.worst or ("", 0.0)
    g_worst = min(g_means.items(), key=lambda kv: (kv[1], kv[0]))
    return {
        "instance": {
            "papers": case.papers,
            "reviewers": case.reviewers,
            "k": case.k,
            "networks": case.networks,
            "allowed_pairs": len(inst.scores),
            "min_load": case.min_load,
            "max_load": case.max_load,
        },
        "optimal": {
            "total": round(plan.total, 4),
            "worst_paper": worst[0],
            "worst_mean": round(worst[1], 4),
            "floor": plan.floor,
            "seconds": round(optimal_s, 3),
            "goal_seconds": case.goal_seconds,
        },
        "greedy": {
            "total": round(g_total, 4),
            "worst_paper": g_worst[0],
            "worst_mean": round(g_worst[1], 4),
            "seconds": round(greedy_s, 3),
            "load_range": [int(g_loads.min()), int(g_loads.max())],
            "shortfalls": len(greedy.shortfalls),
        },
        "lp_bound": {"total": round(bound, 4), "seconds": round(bound_s, 3)},
        "gap_to_bound_percent": round(100 * (bound - plan.total) / abs(bound), 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", choices=[c.name for c in CASES], help="Run one instance only.")
    args = parser.parse_args()
    results = {c.name: run(c) for c in CASES if args.only in (None, c.name)}
    for name, r in results.items():
        o, g, b = r["optimal"], r["greedy"], r["lp_bound"]
        print(f"{name}: {r['instance']['allowed_pairs']} allowed pairs")
        print(f"  optimal  total {o['total']:>10.2f}  worst {o['worst_mean']:.3f}  {o['seconds']:.2f} s", end="")
        print(f" (goal < {o['goal_seconds']} s)")
        print(f"  greedy   total {g['total']:>10.2f}  worst {g['worst_mean']:.3f}  {g['seconds']:.2f} s", end="")
        print(f"  loads {g['load_range']}")
        print(f"  LP bound total {b['total']:>10.2f}  ({b['seconds']:.2f} s)", end="")
        print(f"  gap {r['gap_to_bound_percent']} % (goal <= 0.1 %)")
    RESULTS.mkdir(exist_ok=True)
    out = {"machine": platform.platform(), "cpus": os.cpu_count(), "results": results}
    (RESULTS / "assignment.json").write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
