"""The room-sizing neighbourhood search: after CP-SAT's second stage, fewer seats overflowing where it can.

Each round frees the sessions at ``NEIGHBOURHOOD`` times (a seeded draw), places them again among those
times with the placer's two stages (sessions held fixed stay), and keeps the answer when it scores better
there: never fewer placed, more network clashes (they add up over the times) or a busier time, and then fewer
seats overflowing. So the search, too, stays lexicographically below the placer's other goals.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from services.abstracts.adapters.room_sizing import Sizing
from services.abstracts.domain.audience import overflow
from services.abstracts.domain.scheduling import Grid, Place, Session

NEIGHBOURHOOD = 3
"""Times whose sessions one round places again."""

Part = Callable[[Sequence[Session], Grid, dict[str, Place]], dict[str, Place]]
"""Places these sessions on this part of the grid, the given ones held where they are."""
Score = Callable[[dict[str, Session], dict[str, Place], Grid], tuple[int, ...]]
"""The placer's goals in order, larger is better."""


@dataclass(frozen=True)
class Search:
    place: Part
    score: Score

    def improve(
        self,
        sessions: Mapping[str, Session],
        grid: Grid,
        places: dict[str, Place],
        pinned: Mapping[str, Place],
        audience: Mapping[str, int],
        sizing: Sizing,
        rounds: int,
    ) -> tuple[dict[str, Place], Sizing]:
        """``places`` holds the fixed sessions too; the answer does not. Stops at the bound."""
        rng, best, found = random.Random(7), dict(places), sizing.overflow
        times = sorted({p.time for p in places.values()})
        for _ in range(rounds):
            if found <= sizing.bound or len(times) < 2:
                break
            chosen = set(rng.sample(times, min(NEIGHBOURHOOD, len(times))))
            part = Grid(grid.rooms, tuple(s for s in grid.slots if (s.day, s.index) in chosen))
            inside = {sid: p for sid, p in best.items() if p.time in chosen}
            subset = {sid: sessions[sid] for sid in sorted(inside)}
            moved = self.place(list(subset.values()), part, {sid: p for sid, p in inside.items() if sid in pinned})
            if self.score(subset, moved, part) > self.score(subset, inside, part):
                best = {sid: p for sid, p in best.items() if sid not in inside} | moved
                found = overflow(audience, {sid: p for sid, p in best.items() if sid not in pinned}, grid)
        status = "OPTIMAL" if found <= sizing.bound else "FEASIBLE"
        return {sid: p for sid, p in best.items() if sid not in pinned}, replace(sizing, status=status, overflow=found)
