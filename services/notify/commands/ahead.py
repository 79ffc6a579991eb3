"""Rendering, composing and sending a batch's messages ahead of its handlers, in the background.

The consumer runs a batch's handlers one after another; a handler that renders,
composes and then waits for the SMTP server's answer leaves the CPU idle while the
server works, and the server idle while we compose. ``SendAhead`` overlaps the two:
one task builds the messages in order (CPU), others hand them to the mailer
(I/O) as soon as each is built; each handler then awaits the answer for its own
Message-ID and records it as if it had sent the message itself.

Nothing commits earlier than before: every message is still sent before the batch's
transaction commits, so the crash window stays "sent, batch not committed" (at most a
batch) and a resend carries the same Message-ID. Messages already in the ledger or the
retry queue are never planned ahead.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from services.notify.domain.delivery import Delivery, Envelope
from services.notify.domain.rules import MessagePlan, Recipient

log = logging.getLogger("congress.notify.ahead")

Build = Callable[[MessagePlan, str], tuple[Envelope, str]]
Attempt = Callable[[Envelope], Awaitable[Delivery]]


@dataclass(frozen=True)
class SentAhead:
    recipient: Recipient
    envelope: Envelope
    subject: str
    delivery: Delivery


_Job = tuple[str, MessagePlan, Envelope, str]


class SendAhead:
    """Builds a batch's messages in order and sends each as soon as it is built."""

    def __init__(self, build: Build, attempt: Attempt, *, senders: int = 1, depth: int = 8) -> None:
        self._build, self._attempt = build, attempt
        self.senders, self.depth = senders, depth
        self._answers: dict[str, asyncio.Future[SentAhead | None]] = {}
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self, plans: Sequence[tuple[str, MessagePlan]]) -> None:
        """Start on a batch's messages (by Message-ID), after the previous batch's have all gone."""
        await self.drain()
        loop = asyncio.get_running_loop()
        self._answers = {mid: loop.create_future() for mid, _ in plans}
        if not plans:
            return
        queue: asyncio.Queue[_Job | None] = asyncio.Queue(maxsize=self.depth)
        self._tasks = [asyncio.create_task(self._build_all(plans, queue), name="notify-ahead-build")]
        self._tasks += [
            asyncio.create_task(self._send_all(queue), name=f"notify-ahead-send-{n}") for n in range(self.senders)
        ]

    async def answer(self, mid: str, recipient: Recipient) -> SentAhead | None:
        """The server's answer to ``mid`` if it was sent ahead to ``recipient``; None: send it yourself."""
        future = self._answers.get(mid)
        if future is None:
            return None
        sent = await future  # kept until the next batch: a handler retried after a failure finds it again
        if sent is not None and sent.recipient != recipient:
            log.error("message %s was sent ahead to another recipient", mid, extra={"message_id": mid})
            return None
        return sent

    async def drain(self) -> None:
        """Let whatever was started finish (never cut an SMTP conversation short)."""
        tasks, self._tasks = self._tasks, []
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        for future in self._answers.values():
            future.cancel()
        self._answers = {}

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.drain()

    async def _build_all(self, plans: Sequence[tuple[str, MessagePlan]], queue: asyncio.Queue[_Job | None]) -> None:
        try:
            for mid, plan in plans:
                try:
                    envelope, subject = self._build(plan, mid)
                except Exception:  # noqa: BLE001 -- the handler builds it again and records the failure
                    self._settle(mid, None)
                    continue
                await queue.put((mid, plan, envelope, subject))
                await asyncio.sleep(0)  # let the senders and the handlers run between two builds
        finally:
            for _ in range(self.senders):
                await queue.put(None)

    async def _send_all(self, queue: asyncio.Queue[_Job | None]) -> None:
        while (job := await queue.get()) is not None:
            mid, plan, envelope, subject = job
            try:
                delivery = await self._attempt(envelope)
            except Exception:  # a mailer bug: the handler sends it itself and sees the error
                log.exception("sending ahead failed", extra={"message_id": mid})
                self._settle(mid, None)
                continue
            self._settle(mid, SentAhead(plan.recipient, envelope, subject, delivery))

    def _settle(self, mid: str, sent: SentAhead | None) -> None:
        future = self._answers.get(mid)
        if future is not None and not future.done():
            future.set_result(sent)
