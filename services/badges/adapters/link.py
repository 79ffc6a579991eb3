"""Whether events leave this station: the relay runs, Kafka answers, and how many wait in the outbox."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.common.outbox import outbox_table


@dataclass
class LinkMonitor:
    """``LinkState`` for the station pages: online, catching up (events queued) or offline."""

    sessionmaker: async_sessionmaker[AsyncSession]
    bootstrap: str
    runtime: Any
    _reachable: bool = False
    _checked: float = 0.0

    async def _kafka_answers(self) -> bool:
        if time.monotonic() - self._checked < 2.0:
            return self._reachable
        host, _, port = self.bootstrap.split(",")[0].rpartition(":")
        try:
            _, writer = await asyncio.wait_for(asyncio.open_connection(host or "127.0.0.1", int(port)), 0.5)
            writer.close()
            self._reachable = True
        except (OSError, TimeoutError, ValueError):
            self._reachable = False
        self._checked = time.monotonic()
        return self._reachable

    async def status(self) -> dict[str, Any]:
        async with self.sessionmaker() as session:
            backlog = (
                await session.execute(
                    select(func.count()).select_from(outbox_table).where(outbox_table.c.sent_at.is_(None))
                )
            ).scalar_one()
        relay = getattr(self.runtime, "relay", None)
        relay_running = bool(relay and relay.running)
        reachable = await self._kafka_answers()
        if not (relay_running and reachable):
            state, label = "offline", f"Offline — {backlog} event(s) kept locally"
        elif backlog:
            state, label = "catching_up", f"Sending {backlog} queued event(s)…"
        else:
            state, label = "online", "Online"
        return {
            "state": state,
            "label": label,
            "backlog": backlog,
            "kafka_reachable": reachable,
            "relay_running": relay_running,
            "published": relay.published if relay else 0,
        }
