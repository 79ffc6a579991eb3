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
from urllib.parse import urlsplit

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
        try:
            response = await self.client.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            self.tally.errors[f"{self.name}: {what or url} unreachable"] += 1
            log.warning("%s %s %s failed: %r", self.name, method, url, exc)
            raise Failed(str(exc)) from exc
        if response.status_code not in ok:
            self.tally.errors[f"{self.name}: {what or url} {response.status_code}"] += 1
            log.warning("%s %s %s answered %s: %s", self.name, method, url, response.status_code, response.text[:600])
            raise Failed(f"{response.status_code}")
        if self.pace:
            await asyncio.sleep(self.pace)
        return response


def local_path(url: str) -> str:
    """The path and query of a link, so it is followed on the base URL this client talks to."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


async def is_up(base_url: str, timeout: float = 3.0) -> bool:
    """Whether a service answers ``/healthz``."""
    try:
        async with httpx.AsyncClient(base_url=base_url, timeout=timeout) as client:
            return (await client.get("/healthz")).status_code == 200
    except httpx.HTTPError:
        return False
