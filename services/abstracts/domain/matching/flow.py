"""The optimal assignment, exactly, with OR-Tools network flows.

Papers and reviewers form a transportation network: source → paper (capacity: reviewers still needed)
→ reviewer (one arc per allowed pair, cost −affinity) → sink (capacity: the reviewer's load left).
Minimum loads are node demands (each reviewer must absorb its minimum before the sink takes the rest),
so a plan that misses one is infeasible rather than merely worse. The objective is lexicographic:

1. fill as much as possible (everything, unless ``partial`` plans are allowed);
2. the *floor*: the highest affinity t such that a plan of that size exists using only pairs ≥ t — found
   by binary search over the distinct affinities with a max-flow per step. No paper is left with a
   reluctant reviewer when a plan without one exists; this bottleneck floor is our documented stand-in
   for "maximise the worst-served paper first" (it bounds every paper's mean from below and keeps the
   problem a flow, so it stays exact and fast);
3. the total affinity, by min-cost flow over the pairs at or above the floor.

Flows are integral, so the answer is an optimal 0/1 assignment; arcs are added in sorted order and the
solver is deterministic, so equal inputs give equal plans. ``load_cost`` (per paper a reviewer already
holds) spreads ties over reviewers instead of piling them on one; it is 0 for the matcher's CLI.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from ortools.graph.python import max_flow, min_cost_flow

from services.abstracts.domain.matching.model import SCALE, Infeasible, Instance, Pair, Plan, summarise

SOURCE, SINK = 0, 1
Ints = NDArray[np.int64]


@dataclass(frozen=True)
class _Net:
    """The instance as arrays: nodes 2.. are papers, then reviewers."""

    papers: list[str]
    reviewers: list[str]
    need: Ints
    cap: Ints
    low: Ints
    tail: Ints  # paper index per pair arc
    head: Ints  # reviewer index per pair arc
    cost: Ints  # affinity × SCALE per pair arc

    @classmethod
    def of(cls, inst: Instance) -> _Net:
        papers, reviewers = sorted(inst.papers), sorted(inst.reviewers)
        p_ix, r_ix = {p: i for i, p in enumerate(papers)}, {r: i for i, r in enumerate(reviewers)}
        need_of, held = inst.need(), inst.held()
        cap = [max(0, inst.max_load.get(r, 0) - held[r]) for r in reviewers]
        low = [min(c, max(0, inst.min_load.get(r, 0) - held[r])) for r, c in zip(reviewers, cap, strict=True)]
        arcs = sorted(
            (p_ix[p], r_ix[r], round(s * SCALE))
            for (p, r), s in inst.scores.items()
            if (p, r) not in inst.fixed and p in p_ix and r in r_ix
        )
        a = np.array(arcs, dtype=np.int64).reshape(-1, 3)
        need = np.array([need_of[p] for p in papers], dtype=np.int64)
        return cls(papers, reviewers, need, np.array(cap, np.int64), np.array(low, np.int64), a[:, 0], a[:, 1], a[:, 2])

    def paper_node(self, ix: Ints) -> Ints:
        return ix + 2

    def reviewer_node(self, ix: Ints) -> Ints:
        return ix + 2 + len(self.papers)

    def max_fill(self, mask: NDArray[np.bool_] | None = None) -> tuple[int, Ints]:
        """The most pairs a plan can make (loads' maxima only) using the masked pair arcs; flow per paper."""
        flow = self._flow_net(mask)
        n_r = len(self.reviewers)
        flow.add_arcs_with_capacity(self.reviewer_node(np.arange(n_r)), np.zeros(n_r, np.int64) + SINK, self.cap)
        return self._solve(flow, SINK)

    def fills(self, target: int, low: Ints, mask: NDArray[np.bool_] | None = None) -> bool:
        """Whether a plan of exactly ``target`` pairs meets the minimum loads ``low`` with the masked arcs:
        a max flow into a super-sink that takes each reviewer's minimum and the rest through the sink."""
        flow = self._flow_net(mask)
        n_r = len(self.reviewers)
        nodes, end = self.reviewer_node(np.arange(n_r)), 2 + len(self.papers) + n_r
        flow.add_arcs_with_capacity(nodes, np.zeros(n_r, np.int64) + SINK, self.cap - low)
        flow.add_arcs_with_capacity(nodes, np.zeros(n_r, np.int64) + end, low)
        flow.add_arc_with_capacity(SINK, end, max(0, target - int(low.sum())))
        return target >= int(low.sum()) and self._solve(flow, end)[0] == target

    def _flow_net(self, mask: NDArray[np.bool_] | None) -> max_flow.SimpleMaxFlow:
        flow = max_flow.SimpleMaxFlow()
        n_p = len(self.papers)
        tail, head = (self.tail, self.head) if mask is None else (self.tail[mask], self.head[mask])
        flow.add_arcs_with_capacity(np.zeros(n_p, np.int64) + SOURCE, self.paper_node(np.arange(n_p)), self.need)
        flow.add_arcs_with_capacity(self.paper_node(tail), self.reviewer_node(head), np.ones(len(tail), np.int64))
        return flow

    def _solve(self, flow: max_flow.SimpleMaxFlow, sink: int) -> tuple[int, Ints]:
        if flow.solve(SOURCE, sink) != flow.OPTIMAL:  # pragma: no cover - only on overflow
            raise RuntimeError("max flow failed")
        return int(flow.optimal_flow()), flow.flows(np.arange(len(self.papers)))

    def floor(self, target: int, low: Ints) -> int | None:
        """The highest affinity (scaled) t with a plan of ``target`` pairs meeting ``low`` using pairs ≥ t."""
        if target == 0 or len(self.cost) == 0:
            return None
        values = np.unique(self.cost)
        lo, hi = 0, len(values) - 1  # values[lo] always works (every arc)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.fills(target, low, self.cost >= values[mid]):
                lo = mid
            else:
                hi = mid - 1
        return int(values[lo])

    def min_cost(self, target: int, floor: int | None, low: Ints, load_cost: int, base: Ints) -> list[Pair] | None:
        """The plan of ``target`` pairs at or above ``floor`` with the most affinity; None if the loads forbid."""
        if target < int(low.sum()):
            return None
        mask = np.ones(len(self.cost), bool) if floor is None else self.cost >= floor
        n_p, n_r = len(self.papers), len(self.reviewers)
        smcf = min_cost_flow.SimpleMinCostFlow()
        zeros_p, ones = np.zeros(n_p, np.int64), np.ones(int(mask.sum()), np.int64)
        smcf.add_arcs_with_capacity_and_unit_cost(zeros_p + SOURCE, self.paper_node(np.arange(n_p)), self.need, zeros_p)
        pair_arcs = smcf.add_arcs_with_capacity_and_unit_cost(
            self.paper_node(self.tail[mask]), self.reviewer_node(self.head[mask]), ones, -self.cost[mask]
        )
        self._load_arcs(smcf, self.cap - low, load_cost, base)
        supplies = np.concatenate([[target, -(target - int(low.sum()))], np.zeros(n_p, np.int64), -low])
        smcf.set_nodes_supplies(np.arange(2 + n_p + n_r), supplies)
        if smcf.solve() != smcf.OPTIMAL:
            return None
        used = smcf.flows(pair_arcs) > 0
        tails, heads = self.tail[mask][used], self.head[mask][used]
        return [(self.papers[p], self.reviewers[r]) for p, r in zip(tails.tolist(), heads.tolist(), strict=True)]

    def _load_arcs(self, smcf: min_cost_flow.SimpleMinCostFlow, room: Ints, load_cost: int, base: Ints) -> None:
        """Reviewer → sink: one arc of the whole room, or (with a load cost) one unit arc per extra paper,
        the n-th costing ``load_cost`` × (papers held before + n)."""
        n_r = len(self.reviewers)
        nodes = self.reviewer_node(np.arange(n_r))
        if load_cost == 0:
            smcf.add_arcs_with_capacity_and_unit_cost(
                nodes, np.zeros(n_r, np.int64) + SINK, room, np.zeros(n_r, np.int64)
            )
            return
        tails = np.repeat(nodes, room)
        steps = (
            np.concatenate([np.arange(int(c)) + b for c, b in zip(room, base, strict=True)])
            if n_r
            else np.zeros(0, np.int64)
        )
        size = len(tails)
        smcf.add_arcs_with_capacity_and_unit_cost(
            tails, np.zeros(size, np.int64) + SINK, np.ones(size, np.int64), steps.astype(np.int64) * load_cost
        )


def solve(
    inst: Instance, *, partial: bool = False, load_cost: float = 0.0, base_load: Mapping[str, int] | None = None
) -> Plan:
    """The optimal plan (see the module's order of objectives); ``Infeasible`` with reasons when a strict
    instance cannot be filled. With ``partial``, papers that cannot be filled take whom they can and are
    listed with the reason, and minimum loads that cannot be met are dropped with a note. ``base_load``: papers
    each reviewer holds outside this instance (for the load cost only)."""
    from services.abstracts.domain.matching.diagnose import reasons_short  # the explanations, only when needed

    net = _Net.of(inst)
    wanted = int(net.need.sum())
    fill, per_paper = net.max_fill()
    if fill < wanted and not partial:
        raise Infeasible(reasons_short(inst, net.papers, per_paper, net.need))
    cost = round(load_cost * SCALE)
    base = np.array([(base_load or {}).get(r, 0) for r in net.reviewers], np.int64)
    notes: list[str] = []
    low = net.low
    if not net.fills(fill, low):
        reason = f"the minimum loads ({int(low.sum())} papers in all) cannot be met with the {fill} pairs to make"
        if not partial:
            raise Infeasible([reason])
        notes.append(reason + "; minimum loads ignored")
        low = np.zeros_like(low)
    floor = net.floor(fill, low)
    pairs = net.min_cost(fill, floor, low, cost, base)
    if pairs is None:  # pragma: no cover - the max flows above proved this plan exists
        raise RuntimeError("min-cost flow found no plan the max flow had found")
    chosen = tuple(sorted(pairs))
    total, means = summarise(inst, chosen)
    got = Counter(p for p, _ in chosen)
    filled = np.array([got[p] for p in net.papers], np.int64)
    short = reasons_short(inst, net.papers, filled, net.need) if fill < wanted else []
    shortfalls = dict(line.split(": ", 1) for line in short if ": " in line)
    return Plan(chosen, total, means, None if floor is None else floor / SCALE, shortfalls, tuple(notes))
