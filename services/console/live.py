"""Fan-out to the browsers: every applied entry, and the figures when they changed, as server-sent events.

Each open page has a bounded queue. A page that falls too far behind is
disconnected; its browser reconnects with ``Last-Event-ID`` and is sent what it
missed from the ring buffer, so a burst never blocks the Kafka reader.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import tzinfo
from typing import Any

from services.console.domain import Projection
from services.console.entries import Entry, to_view

_CLOSE = object()


def sse(event: str, data: Any, *, event_id: int | None = None) -> str:
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {event}\ndata: {json.dumps(data, ensure_ascii=False, separators=(',', ':'))}\n\n"


class LiveFeed:
    """Applies entries to the projection and pushes them to every open page."""

    def __init__(
        self,
        projection: Projection,
        tz: tzinfo,
        *,
        queue_size: int = 5000,
        backlog: int = 300,
        heartbeat_seconds: float = 15.0,
    ) -> None:
        self.projection = projection
        self.tz = tz
        self.queue_size = queue_size
        self.backlog = backlog
        self.heartbeat_seconds = heartbeat_seconds
        self.pages: set[asyncio.Queue[Any]] = set()
        self.figures_dirty = True

    def ingest(self, entries: list[Entry]) -> None:
        for entry in entries:
            applied = self.projection.apply(entry)
            self._broadcast(applied)
        self.figures_dirty = True

    def _broadcast(self, item: Any) -> None:
        for queue in list(self.pages):
            if queue.full():
                self.pages.discard(queue)  # too far behind: it reconnects and catches up from the ring
                queue.get_nowait()
                queue.put_nowait(_CLOSE)
            else:
                queue.put_nowait(item)

    def push_figures(self) -> None:
        if self.figures_dirty:
            self.figures_dirty = False
            self._broadcast(("figures", self.projection.figures()))

    async def push_figures_every(self, seconds: float) -> None:
        while True:
            await asyncio.sleep(seconds)
            self.push_figures()

    def close(self) -> None:
        for queue in list(self.pages):
            queue.put_nowait(_CLOSE)
        self.pages.clear()

    async def stream(self, *, after: int | None) -> AsyncIterator[str]:
        """One page's stream: missed (or the latest) entries, the figures, then everything live."""
        queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=self.queue_size)
        self.pages.add(queue)
        try:
            limit = (self.projection.recent.maxlen or self.backlog) if after else self.backlog
            backlog = self.projection.entries(after=after or 0, limit=limit)
            last = backlog[0].seq if backlog else (after or 0)
            for entry in reversed(backlog):
                yield sse("entry", to_view(entry, self.tz, self.projection.name_organiser), event_id=entry.seq)
            yield sse("figures", self.projection.figures())
            async for item in self._drain(queue):
                if isinstance(item, Entry):
                    if item.seq > last:
                        last = item.seq
                        yield sse("entry", to_view(item, self.tz, self.projection.name_organiser), event_id=item.seq)
                elif isinstance(item, tuple):
                    yield sse(item[0], item[1])
                else:
                    yield item
        finally:
            self.pages.discard(queue)

    async def _drain(self, queue: asyncio.Queue[Any]) -> AsyncIterator[Any]:
        while True:
            try:
                item = await asyncio.wait_for(queue.get(), timeout=self.heartbeat_seconds)
            except TimeoutError:
                yield ": keep-alive\n\n"
                continue
            if item is _CLOSE:
                return
            yield item
