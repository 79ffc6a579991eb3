"""The abstracts service's reviewer assignment through the optimal engine.

Every abstract still needing reviewers is an instance paper; its eligible reviewers (its network, no
conflict, not taken off it before) are the allowed pairs, scored by ``affinity``; reviewers already on an
abstract are fixed pairs (their reviews may be under way: they never move). The plan is partial when it
must be — an abstract that cannot be filled takes whom it can and says why — and a small cost per paper
already held spreads equally good reviewers evenly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from services.abstracts import domain
from services.abstracts.matching import affinity, flow
from services.abstracts.matching.model import Instance, Pair

LOAD_COST = 0.0001
"""Affinity given up per paper a reviewer already holds: a tie-break towards even loads."""


def plan(
    needs: Sequence[domain.Need],
    reviewers: Sequence[domain.Candidate],
    per_abstract: int,
    load: Mapping[str, int],
    texts: Mapping[str, affinity.Text] | None = None,
    bids: Mapping[Pair, str] | None = None,
) -> domain.AssignmentPlan:
    """Top every abstract up to ``per_abstract`` reviewers, maximising affinity (see ``flow``)."""
    texts = texts or {}
    open_needs = [n for n in needs if len(n.assigned) < per_abstract]
    eligible = {n.abstract_id: domain.eligible(n, reviewers) for n in open_needs}
    pairs = [(a, r.reviewer_id) for a, rs in eligible.items() for r in rs]
    ids = [r.reviewer_id for r in reviewers]
    scores = affinity.affinities(
        [texts.get(n.abstract_id, affinity.Text(n.abstract_id)) for n in open_needs],
        [texts.get(r, affinity.Text(r)) for r in ids],
        pairs,
        bids,
    )
    fixed = frozenset((n.abstract_id, r) for n in open_needs for r in n.assigned if r in set(ids))
    pair_count = {r: sum(1 for _, x in scores if x == r) for r in ids}
    held = {r: sum(1 for _, x in fixed if x == r) for r in ids}
    instance = Instance(
        papers=tuple(n.abstract_id for n in open_needs),
        reviewers=tuple(ids),
        scores={p: a.score for p, a in scores.items()},
        k=per_abstract,
        max_load={r: held[r] + pair_count[r] for r in ids},
        fixed=fixed,
    )
    best = flow.solve(instance, partial=True, load_cost=LOAD_COST, base_load=load)
    result = domain.AssignmentPlan(pairs=list(best.pairs))
    got = {n.abstract_id: len(n.assigned) for n in open_needs}
    for a, _ in best.pairs:
        got[a] += 1
    for need in sorted(open_needs, key=lambda n: n.reference):
        if got[need.abstract_id] < per_abstract:
            chosen = [r for r in reviewers if (need.abstract_id, r.reviewer_id) in set(best.pairs)]
            reason = domain.shortfall_reason(need, reviewers, chosen)
            if len(eligible[need.abstract_id]) >= per_abstract - len(need.assigned):
                reason = best.shortfalls.get(need.abstract_id, reason)
            result.shortfalls.append(domain.Shortfall(need.abstract_id, need.reference, reason))
    return result
