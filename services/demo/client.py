"""HTTP as the simulator's clients speak it: one call, its error logged with the body and counted.

Nothing here is fatal: a service that answers 4xx/5xx (or not at all) is a counted error and
the simulation goes on, as a real crowd of delegates would.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

log = logging.getLogger("congress.demo")
HIDDEN = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)"')
"""A page's hidden form fields (the CSRF token among them), posted back as a browser would."""


@dataclass
class Tally:
    """What happened, for the progress lines and the summary table."""

    counts: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)

    def add(self, what: str, n: int = 1) -> None:
        self.counts[what] += n

    def __getitem__(self, what: str) -> int:
        return self.counts[what]


class Failed(Exception):
    """A call that did not get the answer it wanted (already logged and counted)."""


@dataclass
class Http:
    """An httpx client bound to one service, counting errors into ``tally`` under ``name``."""

    client: httpx.AsyncClient
    tally: Tally
    name: str
    pace: float = 0.0

    async def call(
        self, method: str, url: str, *, ok: tuple[int, ...] = (200, 201, 202, 303), what: str = "", **kwargs: Any
    ) -> httpx.Response:
        shown = without_query(url)  # a link's query holds its token: never in a log or a tally
        try:
            response = await self.client.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            self.tally.errors[f"{self.name}: {what or shown} unreachable"] += 1
            log.warning("%s %s %s failed: %r", self.name, method, shown, exc)
            raise Failed(str(exc)) from exc
        if response.status_code not in ok:
            self.tally.errors[f"{self.name}: {what or shown} {response.status_code}"] += 1
            log.warning("%s %s %s answered %s: %s", self.name, method, shown, response.status_code, response.text[:600])
            raise Failed(f"{response.status_code}")
        if self.pace:
            await asyncio.sleep(self.pace)
        return response


def without_query(url: str) -> str:
    """The URL without its query and fragment (where sign-in and payment links carry their token)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def local_path(url: str) -> str:
    """The path and query of a link, so it is followed on the base URL this client talks to."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


class Failover(httpx.AsyncBaseTransport):
    """Sends each request to the copy of a service it names or, when that copy cannot be reached at all, to the
    next copy that can: what a load balancer in front of ``congress up --replicas N`` does with a dead copy.

    Only a connection that was never made moves on (nothing was sent, so any method may); a request cut
    off after it was sent is not repeated, as a balancer answers 502 then. Cookies are per host, not per
    port, so a delegate's cookies hold on every copy.
    """

    def __init__(self, bases: tuple[str, ...], inner: httpx.AsyncBaseTransport) -> None:
        self.copies = [httpx.URL(base) for base in bases]
        self.inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        named = [k for k, u in enumerate(self.copies) if (u.host, u.port) == (request.url.host, request.url.port)]
        if not named:
            return await self.inner.handle_async_request(request)
        order = [self.copies[(named[0] + k) % len(self.copies)] for k in range(len(self.copies))]
        for copy in order[:-1]:
            try:
                return await self.inner.handle_async_request(to_copy(request, copy))
            except httpx.ConnectError:
                log.info("%s does not answer: trying another copy", copy)
        return await self.inner.handle_async_request(to_copy(request, order[-1]))

    async def aclose(self) -> None:
        await self.inner.aclose()


def to_copy(request: httpx.Request, copy: httpx.URL) -> httpx.Request:
    """``request`` addressed to ``copy`` (same path, query, headers and body)."""
    url = request.url.copy_with(scheme=copy.scheme, host=copy.host, port=copy.port)
    headers = httpx.Headers(request.headers)
    headers["host"] = url.netloc.decode("ascii")
    return httpx.Request(request.method, url, headers=headers, stream=request.stream, extensions=request.extensions)


async def is_up(base_url: str, timeout: float = 3.0) -> bool:
    """Whether a service answers ``/healthz``."""
    try:
        async with httpx.AsyncClient(base_url=base_url, timeout=timeout) as client:
            return (await client.get("/healthz")).status_code == 200
    except httpx.HTTPError:
        return False
