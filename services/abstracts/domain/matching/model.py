"""An assignment instance (who may review what, how well, how many each) and the plan that answers it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

Pair = tuple[str, str]
"""(paper, reviewer)."""
SCALE = 10_000
"""Affinities are compared to four decimals: the flow works on integers."""


@dataclass(frozen=True)
class Instance:
    """Papers needing ``k`` reviewers each from the pairs allowed.

    ``scores`` holds every *allowed* pair with its affinity (higher is better); a pair that is absent is
    never assigned (a conflict, another network, a reviewer taken off it). ``fixed`` pairs are already
    assigned (reviews under way, or forced): they count towards ``k`` and the loads and never move.
    """

    papers: tuple[str, ...]
    reviewers: tuple[str, ...]
    scores: Mapping[Pair, float]
    k: int
    max_load: Mapping[str, int]
    min_load: Mapping[str, int] = field(default_factory=dict)
    fixed: frozenset[Pair] = frozenset()

    def need(self) -> dict[str, int]:
        """How many more reviewers each paper needs beyond its fixed ones."""
        held = Counter(p for p, _ in self.fixed)
        return {p: max(0, self.k - held[p]) for p in self.papers}

    def held(self) -> Counter[str]:
        """Fixed papers per reviewer."""
        return Counter(r for _, r in self.fixed)


@dataclass(frozen=True)
class Plan:
    """The new pairs (fixed ones excluded), their quality, and what could not be done and why."""

    pairs: tuple[Pair, ...]
    total: float
    """Total affinity of every pair of the plan, fixed ones included."""
    per_paper: dict[str, float]
    """Mean affinity of each paper's reviewers (fixed ones included)."""
    floor: float | None
    """No new pair is below this affinity: the highest floor that still fills as much as possible."""
    shortfalls: dict[str, str] = field(default_factory=dict)
    """Paper → why it has fewer than ``k`` reviewers (only when partial plans are allowed)."""
    notes: tuple[str, ...] = ()

    @property
    def worst(self) -> tuple[str, float] | None:
        """The worst-served paper (lowest mean affinity; ties by id) and its mean."""
        if not self.per_paper:
            return None
        paper = min(self.per_paper, key=lambda p: (self.per_paper[p], p))
        return paper, self.per_paper[paper]


class Infeasible(Exception):
    """No plan meets every constraint; ``reasons`` says which constraint fails, per paper or overall."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


def summarise(instance: Instance, pairs: tuple[Pair, ...]) -> tuple[float, dict[str, float]]:
    """Total affinity and each paper's mean affinity over ``pairs`` plus the fixed pairs."""
    every = [*instance.fixed, *pairs]
    sums: dict[str, float] = {}
    counts: Counter[str] = Counter()
    for pair in every:
        sums[pair[0]] = sums.get(pair[0], 0.0) + instance.scores.get(pair, 0.0)
        counts[pair[0]] += 1
    return sum(sums.values()), {p: sums[p] / counts[p] for p in sorted(sums)}
