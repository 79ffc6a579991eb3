"""The abstracts service's reviewer assignment through the optimal engine.

Every abstract still needing reviewers is an instance paper; its eligible reviewers (its network, no
conflict, not taken off it before) are the allowed pairs, scored by ``affinity``; reviewers already on an
abstract are fixed pairs (their reviews may be under way: they never move). The plan is partial when it
must be — an abstract that cannot be filled takes whom it can and says why — and a small cost per paper
already held spreads equally good reviewers evenly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from services.abstracts.domain import assignment
from services.abstracts.domain.matching import affinity, flow
from services.abstracts.domain.matching.model import Instance, Pair

LOAD_COST = 0.0001
"""Affinity given up per paper a reviewer already holds: a tie-break towards even loads."""
FALLBACK_PENALTY = 100.0
"""Affinity given up per reviewer from another network: far more than any plan of the network gains, so
they come in only where an abstract's own network cannot fill it."""


def _fallback(need: assignment.Need, reviewers: Sequence[assignment.Candidate]) -> list[assignment.Candidate]:
    """Reviewers of other networks who may otherwise review this abstract."""
    other = [
        assignment.Candidate(r.reviewer_id, r.email, r.affiliation, r.networks | {need.network})
        for r in reviewers
        if need.network not in r.networks
    ]
    return assignment.eligible(need, other)


def plan(
    needs: Sequence[assignment.Need],
    reviewers: Sequence[assignment.Candidate],
    per_abstract: int,
    load: Mapping[str, int],
    texts: Mapping[str, affinity.Text] | None = None,
    bids: Mapping[Pair, str] | None = None,
    *,
    max_load: int | None = None,
    fallback: bool = False,
    caps: Mapping[str, int | None] | None = None,
) -> assignment.AssignmentPlan:
    """Top every abstract up to ``per_abstract`` reviewers, maximising affinity (see ``flow``), none above
    ``max_load`` abstracts in all nor above their own cap (``caps``: the load a reviewer set); with
    ``fallback``, reviewers of other networks where needed (flagged)."""
    texts = texts or {}
    caps = caps or {}
    open_needs = [n for n in needs if len(n.assigned) < per_abstract]
    eligible = {n.abstract_id: assignment.eligible(n, reviewers) for n in open_needs}
    outside = {n.abstract_id: _fallback(n, reviewers) if fallback else [] for n in open_needs}
    pairs = [(a, r.reviewer_id) for a, rs in eligible.items() for r in rs]
    far = {(a, r.reviewer_id) for a, rs in outside.items() for r in rs}
    ids = [r.reviewer_id for r in reviewers]
    scores = affinity.affinities(
        [_text(texts, n.abstract_id) for n in open_needs],
        [_text(texts, r) for r in ids],
        [*pairs, *sorted(far)],
        bids,
    )
    fixed = frozenset((n.abstract_id, r) for n in open_needs for r in n.assigned if r in set(ids))
    pair_count = {r: sum(1 for _, x in scores if x == r) for r in ids}
    held = {r: sum(1 for _, x in fixed if x == r) for r in ids}
    instance = Instance(
        papers=tuple(n.abstract_id for n in open_needs),
        reviewers=tuple(ids),
        scores={p: a.score - (FALLBACK_PENALTY if p in far else 0.0) for p, a in scores.items()},
        k=per_abstract,
        max_load={
            r: _room(held[r] + pair_count[r], load.get(r, 0) - held[r], _lowest(max_load, caps.get(r))) for r in ids
        },
        fixed=fixed,
    )
    best = flow.solve(instance, partial=True, load_cost=LOAD_COST, base_load=load)
    result = assignment.AssignmentPlan(pairs=list(best.pairs), fallbacks=[p for p in best.pairs if p in far])
    got = {n.abstract_id: len(n.assigned) for n in open_needs}
    for a, _ in best.pairs:
        got[a] += 1
    for need in sorted(open_needs, key=lambda n: n.reference):
        if got[need.abstract_id] < per_abstract:
            chosen = [r for r in reviewers if (need.abstract_id, r.reviewer_id) in set(best.pairs)]
            reason = assignment.shortfall_reason(need, reviewers, chosen)
            if len(eligible[need.abstract_id]) + len(outside[need.abstract_id]) >= per_abstract - len(need.assigned):
                reason = best.shortfalls.get(need.abstract_id, reason)
            result.shortfalls.append(assignment.Shortfall(need.abstract_id, need.reference, reason))
    return result


def _room(could: int, elsewhere: int, max_load: int | None) -> int:
    """A reviewer's maximum in this instance: what they could take here, within ``max_load`` in all
    (counting the abstracts they hold outside it, e.g. decided ones)."""
    return could if max_load is None else max(0, min(could, max_load - elsewhere))


def _lowest(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else min(a, b)


def _text(texts: Mapping[str, affinity.Text], key: str) -> affinity.Text:
    """The text under ``key``, named by it (an empty one if there is none)."""
    found = texts.get(key)
    return affinity.Text(key, found.keywords, found.body) if found else affinity.Text(key)
