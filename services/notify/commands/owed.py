"""Sending what a consumer batch owes, right after its commit, over overlapping SMTP connections.

A batch's handlers build its messages and stage them as owed rows of the retry queue
(``dispatch.py``); the batch's ``after_handlers`` hook tells this sender which rows it wrote
(``hold``), and once the batch's transaction has committed the subscription hands them over
(``release``), the finished messages themselves. A pump claims them up to four per connection at a
time (``RetryWorker.claim_owed``: one short transaction, one statement that returns only the ids,
a lease on each row) and sends the messages it holds; it starts a send for each as soon as one of the
worker's connections is free; each send is recorded (``Recorder``) before its connection takes the
next message, so a crash can resend only the messages between a server's "250" and their record — at most one
per connection — never a batch.

If the transaction did not commit (``discard``), nothing was owed. If the process dies with
owed rows still queued or claimed, they are due (at once, or when the claim runs out): the
next retry pass (in any copy) sends them, and claiming is exclusive (``SKIP LOCKED`` on
PostgreSQL, the one writer on SQLite), so a message is never sent by two senders at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence

from services.notify.commands.retry import RetryWorker
from services.notify.domain.delivery import Queued

log = logging.getLogger("congress.notify.owed")


class OwedSender:
    """Sends owed messages in the background, in the order their batches committed, ``connections`` at a time."""

    def __init__(self, worker: RetryWorker) -> None:
        self.worker = worker
        worker.owed_busy = self.busy  # the retry pass leaves the queue to this sender while it has owed mail
        self._unsent = 0
        """Released messages not yet tried (or found claimed by another sender)."""
        self._held: list[Queued] = []
        self._queue: asyncio.Queue[Queued] = asyncio.Queue()
        self._pump: asyncio.Task[None] | None = None
        self._sending: set[asyncio.Task[None]] = set()

    def hold(self, owed: Sequence[Queued]) -> None:
        """What the transaction about to commit owes (a rerun of the transaction replaces it)."""
        self._held = list(owed)

    def discard(self) -> None:
        """The transaction rolled back: it owes nothing."""
        self._held = []

    def release(self) -> None:
        """The transaction committed: send what it owes."""
        held, self._held = self._held, []
        if not held:
            return
        for queued in held:
            self._queue.put_nowait(queued)
        self._unsent += len(held)
        if self._pump is None or self._pump.done():
            self._pump = asyncio.create_task(self._claim_and_send(), name="notify-owed")

    def busy(self) -> bool:
        """Whether released messages are still to be tried here (and the pump that tries them is running).

        The retry pass waits meanwhile (``RetryWorker.work_due``): owed rows are due at once, so it claimed them
        too, reading each message back and opening its cause, for sends that go over the same connections anyway.
        A pump that died leaves its rows to the retry pass, as before."""
        return self._unsent > 0 and self._pump is not None and not self._pump.done()

    def _tried(self) -> None:
        self._unsent -= 1
        self._queue.task_done()

    async def drain(self) -> None:
        """Wait until every released message was tried."""
        await self._queue.join()

    async def close(self, grace_seconds: float = 5.0) -> None:
        """Stop claiming, let the sends under way finish and be recorded (for at most ``grace_seconds``),
        then stop: what is still queued or claimed in the database is sent by a later retry pass."""
        pump, self._pump = self._pump, None
        if pump is not None:
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pump
        sending, self._sending = set(self._sending), set()
        if sending:
            await asyncio.wait(sending, timeout=grace_seconds)
        for task in sending:
            task.cancel()
        for task in sending:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _claim_and_send(self) -> None:
        """Claim up to four messages per connection at a time; start each send when a connection is free."""
        worker = self.worker
        while True:
            owed = [await self._queue.get()]
            while len(owed) < 4 * worker.connections and not self._queue.empty():
                owed.append(self._queue.get_nowait())
            try:
                claimed = await worker.claim_owed(owed)
            except Exception:
                log.exception("claiming owed messages failed; the retry pass will send them")
                claimed = []
            for _ in range(len(owed) - len(claimed)):  # another copy or the retry pass has them
                self._tried()
            for queued in claimed:
                await worker.slots.acquire()
                task = asyncio.create_task(self._send(queued), name="notify-owed-send")
                self._sending.add(task)
                task.add_done_callback(self._sending.discard)

    async def _send(self, queued: Queued) -> None:
        try:
            await self.worker.send_held(queued)
        except Exception:
            log.exception(
                "sending an owed message failed; the retry pass will try it",
                extra={"message_id": queued.record.message_id},
            )
        finally:
            self.worker.slots.release()
            self._tried()
