"""Sending what a consumer batch owes, right after its commit: one short transaction per message.

A batch's handlers build its messages and stage them as owed rows of the retry queue
(``dispatch.py``); the batch's ``after_handlers`` hook tells this sender which rows it wrote
(``hold``), and once the batch's transaction has committed the subscription hands them over
(``release``). Senders (one per SMTP connection) take each message in a transaction of its
own, hand it to the server and record it (``RetryWorker.send_one``), so a crash can resend
only the messages being sent at that moment — at most one per connection — never a batch.

If the transaction did not commit (``discard``), nothing was owed. If the process dies with
owed rows still queued, they are due: the next retry pass (in any copy) sends them, and
taking a row is exclusive (a lock on PostgreSQL, the one writer on SQLite), so a message is
never sent by two senders at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence

from services.notify.commands.retry import RetryWorker

log = logging.getLogger("congress.notify.owed")


class OwedSender:
    """Sends owed messages in the background, in the order their batches committed."""

    def __init__(self, worker: RetryWorker, *, senders: int = 1) -> None:
        self.worker = worker
        self.senders = senders
        self._held: list[str] = []
        self._queue: asyncio.Queue[str] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []

    def hold(self, message_ids: Sequence[str]) -> None:
        """What the transaction about to commit owes (a rerun of the transaction replaces it)."""
        self._held = list(message_ids)

    def discard(self) -> None:
        """The transaction rolled back: it owes nothing."""
        self._held = []

    def release(self) -> None:
        """The transaction committed: send what it owes."""
        held, self._held = self._held, []
        if not held:
            return
        self._start()
        for mid in held:
            self._queue.put_nowait(mid)

    async def drain(self) -> None:
        """Wait until every released message was tried."""
        await self._queue.join()

    async def close(self) -> None:
        """Stop sending (what is still queued in the database is sent by the next retry pass)."""
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def _start(self) -> None:
        """Start the senders, or those that ended (a sender only ends if cancelled; the queue stays)."""
        alive = [task for task in self._tasks if not task.done()]
        self._tasks = alive + [
            asyncio.create_task(self._send_all(), name=f"notify-owed-{n}") for n in range(self.senders - len(alive))
        ]

    async def _send_all(self) -> None:
        while True:
            mid = await self._queue.get()
            try:
                await self.worker.send_one(mid)
            except Exception:
                log.exception("sending an owed message failed; the retry pass will try it", extra={"message_id": mid})
            finally:
                self._queue.task_done()
