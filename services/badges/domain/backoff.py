"""When a failed book render is tried again: a capped exponential backoff with jitter.

The *n*-th failure in a row waits ``ceiling = min(cap, base × 2ⁿ⁻¹)`` halved plus a random part of the other
half ("equal jitter"): copies that failed at the same moment do not all try again at the same moment, and
while the ceiling doubles each wait is at least the previous one's ceiling, so the waits never shrink; at the
cap they stay between half the cap and the cap. The wait
is recorded in the publication's row (``retry_at``), so every copy of badges honours the same one. Pure.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

MAX_DOUBLINGS = 30
"""Beyond this the ceiling is the cap anyway; it keeps ``2ⁿ`` a small number."""


@dataclass(frozen=True)
class Backoff:
    base_seconds: float = 30.0
    """The first failure's ceiling."""
    cap_seconds: float = 3600.0
    """No wait is longer."""

    def ceiling(self, attempt: int) -> float:
        """The longest wait after the ``attempt``-th failure in a row (from 1)."""
        return min(self.cap_seconds, self.base_seconds * 2.0 ** min(max(attempt, 1) - 1, MAX_DOUBLINGS))

    def delay(self, attempt: int, draw: float) -> timedelta:
        """The wait after the ``attempt``-th failure, ``draw`` a random number in [0, 1)."""
        ceiling = self.ceiling(attempt)
        return timedelta(seconds=ceiling / 2 + ceiling / 2 * min(max(draw, 0.0), 1.0))
