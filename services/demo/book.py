"""The book of abstracts in the demo: after the programme is published, badges makes it; the demo waits for it
and says where to download it (``/book/abstracts.pdf`` on badges)."""

from __future__ import annotations

import asyncio
import time

import httpx

BOOK_PATH = "/book/abstracts.pdf"


async def book_of_abstracts(client: httpx.AsyncClient, *, wait_seconds: float, poll: float = 1.0) -> int | None:
    """The size in bytes of the book badges serves, once it is made (None: not within ``wait_seconds``)."""
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            answer = await client.get(BOOK_PATH)
            if answer.status_code == 200 and answer.content.startswith(b"%PDF"):
                return len(answer.content)
        except httpx.HTTPError:
            pass  # badges restarting: ask again
        if time.monotonic() >= deadline:
            return None
        await asyncio.sleep(poll)
