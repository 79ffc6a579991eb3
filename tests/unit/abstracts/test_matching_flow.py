"""The optimal assignment engine: constraints, optimality against brute force, infeasibility, re-planning."""

from __future__ import annotations

import itertools
import random

import pytest

from services.abstracts.domain.matching.flow import solve
from services.abstracts.domain.matching.model import Infeasible, Instance, Pair


def random_instance(seed: int, papers: int = 4, reviewers: int = 4, k: int = 2, conflict: float = 0.2) -> Instance:
    rng = random.Random(seed)
    ps = tuple(f"p{i}" for i in range(papers))
    rs = tuple(f"r{j}" for j in range(reviewers))
    scores = {(p, r): round(rng.uniform(-0.5, 1.3), 4) for p in ps for r in rs if rng.random() > conflict}
    return Instance(ps, rs, scores, k, {r: rng.randint(2, 3) for r in rs}, {r: rng.randint(0, 1) for r in rs})


def brute_force(inst: Instance) -> tuple[float, float] | None:
    """(best floor, best total at that floor) over every feasible assignment, by enumeration."""
    options = [list(itertools.combinations(sorted(r for (q, r) in inst.scores if q == p), inst.k)) for p in inst.papers]
    best: tuple[float, float] | None = None
    for choice in itertools.product(*options):
        pairs = [(p, r) for p, rs in zip(inst.papers, choice, strict=True) for r in rs]
        loads = {r: sum(1 for _, x in pairs if x == r) for r in inst.reviewers}
        if any(not inst.min_load.get(r, 0) <= loads[r] <= inst.max_load[r] for r in inst.reviewers):
            continue
        values = [inst.scores[p] for p in pairs]
        key = (min(values), round(sum(values), 4))
        best = key if best is None or key > best else best
    return best


def check_constraints(inst: Instance, pairs: tuple[Pair, ...]) -> None:
    every = [*inst.fixed, *pairs]
    assert len(set(every)) == len(every)
    assert all(p in inst.scores for p in pairs)  # never a conflict or a forbidden pair
    for paper in inst.papers:
        assert sum(1 for p, _ in every if p == paper) == inst.k
    for reviewer in inst.reviewers:
        load = sum(1 for _, r in every if r == reviewer)
        assert inst.min_load.get(reviewer, 0) <= load <= inst.max_load[reviewer]


@pytest.mark.parametrize("seed", range(30))
def test_the_plan_is_optimal_against_brute_force(seed: int) -> None:
    inst = random_instance(seed)
    expected = brute_force(inst)
    if expected is None:
        with pytest.raises(Infeasible):
            solve(inst)
        return
    plan = solve(inst)
    check_constraints(inst, plan.pairs)
    assert plan.floor == pytest.approx(expected[0])
    assert plan.total == pytest.approx(expected[1], abs=1e-6)


def test_the_floor_spares_a_paper_its_reluctant_reviewer() -> None:
    # the best total (1.0 + 1.0 + -0.5 = 1.5) leaves b with an unwilling reviewer; 0.5 + 0.4 + 0.5 avoids it
    scores = {("a", "x"): 1.0, ("a", "y"): 0.5, ("b", "x"): 0.4, ("b", "y"): -0.5, ("c", "y"): 1.0, ("c", "x"): 0.5}
    inst = Instance(("a", "b", "c"), ("x", "y"), scores, 1, {"x": 2, "y": 2})
    plan = solve(inst)
    assert ("b", "y") not in plan.pairs
    assert plan.floor == 0.4 and plan.worst == ("b", 0.4)


def test_conflicts_are_never_assigned_even_when_they_score_best() -> None:
    inst = random_instance(7, papers=5, reviewers=5, conflict=0.0)
    best = {p: max((s, r) for (q, r), s in inst.scores.items() if q == p)[1] for p in inst.papers}
    without = {pair: s for pair, s in inst.scores.items() if (pair[0], best[pair[0]]) != pair}
    plan = solve(Instance(inst.papers, inst.reviewers, without, 2, dict.fromkeys(inst.reviewers, 4)))
    assert not {(p, best[p]) for p in inst.papers} & set(plan.pairs)


def test_a_paper_with_too_few_allowed_reviewers_is_explained() -> None:
    scores = {("a", "x"): 1.0, ("a", "y"): 1.0, ("b", "x"): 1.0}
    inst = Instance(("a", "b"), ("x", "y"), scores, 2, {"x": 2, "y": 2})
    with pytest.raises(Infeasible) as raised:
        solve(inst)
    assert raised.value.reasons == [
        "b: only 1 allowed reviewer(s) for the 2 still needed (the others conflict or are excluded); it can have 1 of 2"
    ]


def test_maximum_loads_too_small_are_explained() -> None:
    scores = {(p, r): 1.0 for p in ("a", "b", "c") for r in ("x", "y")}
    with pytest.raises(Infeasible) as raised:
        solve(Instance(("a", "b", "c"), ("x", "y"), scores, 1, {"x": 1, "y": 1}))
    assert "maximum loads leave room for 2 pairs but 3 are needed" in str(raised.value)
    assert ": its 2 allowed reviewers reach their maximum loads on other papers" in str(raised.value)


def test_minimum_loads_that_cannot_be_met_are_explained() -> None:
    scores = {(p, r): 1.0 for p in ("a", "b") for r in ("x", "y", "z")}
    with pytest.raises(Infeasible, match="minimum loads"):
        solve(Instance(("a", "b"), ("x", "y", "z"), scores, 1, dict.fromkeys("xyz", 2), dict.fromkeys("xyz", 1)))


def test_a_partial_plan_fills_what_it_can_and_says_why() -> None:
    scores = {("a", "x"): 1.0, ("a", "y"): 0.2, ("b", "x"): 0.3}
    plan = solve(Instance(("a", "b"), ("x", "y"), scores, 2, {"x": 2, "y": 2}), partial=True)
    assert set(plan.pairs) == {("a", "x"), ("a", "y"), ("b", "x")}
    assert plan.shortfalls["b"].startswith("only 1 allowed reviewer(s)")


def test_replanning_keeps_the_pairs_under_way_and_counts_their_load() -> None:
    inst = random_instance(3, papers=5, reviewers=5, conflict=0.0)
    first = solve(Instance(inst.papers, inst.reviewers, inst.scores, 2, dict.fromkeys(inst.reviewers, 3)))
    under_way = frozenset(first.pairs[:6])
    late = {("late", r): 2.0 for r in inst.reviewers}  # a late paper every reviewer would love
    dropped = "r0"
    scores = {p: s for p, s in {**inst.scores, **late}.items() if p[1] != dropped}
    kept = frozenset(p for p in under_way if p[1] != dropped)
    again = Instance((*inst.papers, "late"), inst.reviewers, scores, 2, dict.fromkeys(inst.reviewers, 3), fixed=kept)
    plan = solve(again)
    check_constraints(again, plan.pairs)
    assert not kept & set(plan.pairs)  # fixed pairs are not planned again, and they stay
    assert all(r != dropped for _, r in plan.pairs)


def test_the_plan_is_deterministic() -> None:
    ties = {(p, r): 0.5 for p in ("a", "b", "c") for r in ("x", "y", "z")}
    inst = Instance(("a", "b", "c"), ("x", "y", "z"), ties, 2, dict.fromkeys("xyz", 2))
    reordered = Instance(("c", "b", "a"), ("z", "y", "x"), dict(reversed(ties.items())), 2, dict.fromkeys("zyx", 2))
    assert solve(inst).pairs == solve(reordered).pairs
