"""Who comes and how they pay, decided up front from the seed (so a seed replays the same congress)."""

from __future__ import annotations

import random

from services.demo.people import PeopleFactory
from services.demo.registering import Party

GROUP_SHARE = 0.12
INVOICE_SHARE = 0.2
GROUP_INVOICE_SHARE = 0.7


def card_attempts(rng: random.Random) -> tuple[str, ...]:
    """Most cards go through; some are declined once and paid on a retry; a few never pay."""
    roll = rng.random()
    if roll < 0.06:
        return ("declined", "paid")
    if roll < 0.11:
        return ("declined",)
    return ("paid",)


def make_plan(delegates: int, seed: int) -> list[Party]:
    """Parties totalling exactly ``delegates`` people: district groups (5–8) and single delegates.

    The first singles are a card payment, an invoice and a declined-then-paid card, so even a
    small run shows every path.
    """
    factory = PeopleFactory(seed)
    rng = random.Random(seed * 7919 + 1)
    parties: list[Party] = []
    remaining = delegates
    groups = 0 if delegates < 10 else max(1, round(delegates * GROUP_SHARE / 6))
    for _ in range(groups):
        size = min(rng.randint(5, 8), remaining - 3)
        if size < 5:
            break
        _, district, people = factory.group(size)
        method = "invoice" if rng.random() < GROUP_INVOICE_SHARE else "card"
        parties.append(Party(people, method, card_attempts(rng), True, district))
        remaining -= size
    forced = [("card", ("paid",)), ("invoice", ("paid",)), ("card", ("declined", "paid"))]
    for i in range(remaining):
        method, attempts = (
            forced[i]
            if i < len(forced)
            else ("invoice" if rng.random() < INVOICE_SHARE else "card", card_attempts(rng))
        )
        parties.append(Party([factory.person()], method, attempts, ticks_waitlist=rng.random() < 0.6))
    head, tail = parties[:groups], parties[groups:]
    rng.shuffle(tail)
    mixed = tail[: len(tail) // 2] + head + tail[len(tail) // 2 :]
    return mixed
