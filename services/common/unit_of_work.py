"""One unit of work: a transaction, the service's state changes in it, and the events it stages.

Commands open one with ``transaction(sessions, outbox)``; the service's adapters build their stores on
``uow.session``. Events are staged with ``uow.stage`` and written to the outbox explicitly, in one
statement, as the last thing before the commit: they commit or roll back with the state change, and
nothing hooks into SQLAlchemy behind the caller's back. After the commit the relay is woken.

A kernel consumer hands its handlers a session it will commit itself; ``UnitOfWork(session, outbox)``
wraps it, and the consumer writes the staged rows before its commit.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from schemas.base import CloudEvent, EventData
from services.common.outbox import Headers, Outbox, pending_rows, write_staged


class UnitOfWork:
    """The session a use case works in, and the outbox its events are staged on."""

    def __init__(self, session: AsyncSession, outbox: Outbox) -> None:
        self.session = session
        self.outbox = outbox

    def stage(self, data: EventData, *, event_id: str | None = None, time: datetime | None = None) -> CloudEvent[Any]:
        """Stage one event; it is published only if this unit of work commits."""
        return self.outbox.add(self.session, data, event_id=event_id, time=time)

    def stage_many(self, events: Sequence[EventData]) -> list[CloudEvent[Any]]:
        return [self.stage(data) for data in events]

    def stage_raw(
        self, *, topic: str, key: bytes | None, value: bytes | None, headers: Headers, event_id: str = ""
    ) -> None:
        """Stage any message: a dead letter, or a tombstone (``value=None``) on a compacted topic."""
        self.outbox.add_raw(self.session, topic=topic, key=key, value=value, headers=headers, event_id=event_id)

    async def shred(self, subjects: Sequence[str]) -> list[str]:
        """Crypto-shredding: delete these people's data keys that this service minted and stage a tombstone
        for each on ``congress.keys`` (``services.common.keyring``); returns the key ids."""
        if self.outbox.keyring is None:
            return []
        return await self.outbox.keyring.erase(self.session, subjects)

    @property
    def staged(self) -> int:
        """How many messages are staged and not yet written."""
        return len(pending_rows(self.session))


@asynccontextmanager
async def transaction(sessions: async_sessionmaker[AsyncSession], outbox: Outbox) -> AsyncIterator[UnitOfWork]:
    """Open a session and a transaction; on a normal exit write the staged events, commit and wake the relay.

    On an exception everything rolls back, staged events included, and the exception propagates.
    """
    async with sessions() as session:
        uow = UnitOfWork(session, outbox)
        try:
            async with session.begin():
                yield uow
                written = await write_staged(session)
        finally:
            session.info.pop("congress_outbox_rows", None)
    if written:
        outbox.wakeup.set()
