"""The book render's backoff: exponential, capped, jittered within the upper half, never shrinking while the
ceiling doubles."""

from __future__ import annotations

import itertools
import random
from datetime import timedelta

from services.badges.domain.backoff import Backoff


def test_ceilings_double_up_to_the_cap() -> None:
    backoff = Backoff(base_seconds=30, cap_seconds=300)
    assert [backoff.ceiling(n) for n in range(1, 7)] == [30, 60, 120, 240, 300, 300]
    assert backoff.ceiling(10_000) == 300  # no overflow however long the failures last


def test_the_jitter_stays_in_the_upper_half_and_waits_never_shrink() -> None:
    backoff = Backoff(base_seconds=30, cap_seconds=300)
    assert backoff.delay(1, 0.0) == timedelta(seconds=15) and backoff.delay(1, 0.999999) < timedelta(seconds=30)
    draws = random.Random(7)
    for _ in range(200):
        waits = [backoff.delay(n, draws.random()) for n in range(1, 9)]
        doubling = waits[:4]  # ceilings 30, 60, 120, 240: each wait is at least the one before
        assert all(b >= a for a, b in itertools.pairwise(doubling)), waits
        assert all(timedelta(seconds=150) <= w <= timedelta(seconds=300) for w in waits[4:])
