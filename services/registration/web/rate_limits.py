"""Rate limits on the doors anyone can knock on: registering, quoting, asking for a sign-in link, pressing a
sign-in link's button and answering a waiting-list offer.

Each door counts requests per client address (IP) and per email address named in the request (for a
link's button: the registration or waiting-list entry the link was mailed for, one address each),
with the `limits` library's moving window (``REGISTRATION_RATE_LIMIT_PER_CLIENT`` and
``..._PER_ADDRESS``, in its notation, e.g. ``60/minute;600/hour``). The per-client limit is
generous, because an institution's NAT puts a whole department behind one address; the
per-address limit is strict, because nobody needs to register or ask for a link for one
address more than a few times an hour. A request over either limit is refused with
``TooManyRequests`` (the pages and the API answer 429 with ``Retry-After``), before anything
is priced, saved or sent.

The counters live in the process (``limits``' memory storage): with several replicas each
counts its own share, so the effective limit is the configured one times the replicas.
Behind a reverse proxy the client address is the proxy's unless uvicorn is told to trust its
``X-Forwarded-For`` (``FORWARDED_ALLOW_IPS``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from enum import StrEnum
from typing import Final

from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter
from starlette.requests import Request

from services.common.page_language import N_plural
from services.common.sentence import Sentence


class Door(StrEnum):
    """What a limited request asks for; each door has its own counters."""

    REGISTER = "register"
    QUOTE = "quote"
    SIGN_IN_LINK = "sign-in-link"
    SIGN_IN = "sign-in"
    """The sign-in link's button (``POST /me/sign-in``)."""
    OFFER = "waiting-list-offer"
    """A waiting-list offer's accept and decline buttons."""


class TooManyRequests(Exception):
    """Over a rate limit: try again after ``retry_after`` seconds."""

    def __init__(self, retry_after: int) -> None:
        self.sentence = wait_sentence(retry_after)
        super().__init__(self.sentence)
        self.retry_after = retry_after


SECONDS: Final = N_plural(
    "Too many requests from your network or for this email address. Please try again in %(num)s second.",
    "Too many requests from your network or for this email address. Please try again in %(num)s seconds.",
)
MINUTES: Final = N_plural(
    "Too many requests from your network or for this email address. Please try again in %(num)s minute.",
    "Too many requests from your network or for this email address. Please try again in %(num)s minutes.",
)


def wait_sentence(retry_after: int) -> Sentence:
    """How long to wait, in words a page says in its language (seconds up to two minutes, then minutes)."""
    if retry_after < 120:
        return Sentence(*SECONDS, retry_after, num=retry_after)
    minutes = math.ceil(retry_after / 60)
    return Sentence(*MINUTES, minutes, num=minutes)


class RateLimits:
    """Per-client and per-address counters for each ``Door`` (one instance per process)."""

    def __init__(self, per_client: str, per_address: str, *, enabled: bool = True) -> None:
        self.per_client: list[RateLimitItem] = parse_many(per_client)
        self.per_address: list[RateLimitItem] = parse_many(per_address)
        self.enabled = enabled
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    async def check(self, door: Door, client: str | None, addresses: Iterable[str] = ()) -> None:
        """Count one request through ``door``; ``TooManyRequests`` if the client or any address is over a limit.

        Addresses are matched trimmed and lower-cased; each is counted once per request.
        """
        if not self.enabled:
            return
        keys = [(item, "client", client or "unknown") for item in self.per_client]
        for address in sorted({a.strip().lower() for a in addresses if a.strip()}):
            keys += [(item, "address", address) for item in self.per_address]
        waits = [await self._wait(item, door, kind, who) for item, kind, who in keys]
        if any(wait is not None for wait in waits):
            raise TooManyRequests(max(w for w in waits if w is not None))

    async def _wait(self, item: RateLimitItem, door: Door, kind: str, who: str) -> int | None:
        """Count a hit; None if within the limit, else the whole seconds until the window lets one through."""
        if await self._limiter.hit(item, door.value, kind, who):
            return None
        stats = await self._limiter.get_window_stats(item, door.value, kind, who)
        return max(1, math.ceil(stats.reset_time - time.time()))


async def knock(doors: RateLimits | None, door: Door, request: Request, addresses: Iterable[str] = ()) -> None:
    """Count this request through ``door`` for its client and ``addresses`` (``TooManyRequests`` if over)."""
    if doors is not None:
        await doors.check(door, request.client.host if request.client else None, addresses)
