"""Sending a batch's messages concurrently, before the batch's handlers run and commit.

The consumer handles a batch's events one after another in one transaction; with one
SMTP round trip sequence per message that makes mail strictly sequential. Before the
batch runs, ``Presender`` plans the messages whose recipient is carried by the event
itself (no stored contact needed), skips causes already in the inbox and messages
already in the ledger, and hands them to the mailer concurrently (a pool of
connections). The handler then finds the server's answer for its Message-ID and
records it as if it had sent the message itself. Nothing is committed earlier than
before: the crash window is still "sent, batch not committed" — at most a batch — and
a resend carries the same Message-ID.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from schemas.base import CloudEvent, InvalidEvent, decode
from services.common.consumer import inbox_table
from services.notify.adapters import db
from services.notify.adapters.files import MissingDocument
from services.notify.compose import Envelope, InvalidAddress
from services.notify.domain import RULES, MessagePlan, UnknownRecipient, contact_from, message_id, plan_messages
from services.notify.handlers import Notifier

log = logging.getLogger("congress.notify.presend")


class Presender:
    def __init__(self, notifier: Notifier, sessionmaker: async_sessionmaker[AsyncSession], consumer_name: str) -> None:
        self.notifier, self.sessionmaker, self.consumer_name = notifier, sessionmaker, consumer_name

    async def __call__(self, records: Sequence[Any]) -> None:
        self.notifier.present.clear()
        if self.notifier.circuit_open():
            return
        events = [e for e in (_decoded(r.value) for r in records) if e is not None and type(e.data) in RULES]
        if len(events) < 2:
            return  # nothing to overlap
        async with self.sessionmaker() as session:
            seen = await _handled(session, self.consumer_name, [e.id for e in events])
            planned: dict[str, Envelope] = {}  # by Message-ID: an event twice in a batch goes once
            for event in events:
                if event.id not in seen:
                    seen.add(event.id)
                    planned.update(await self._plan(session, event))
        if len(planned) < 2:
            return
        todo = list(planned.items())
        results = await asyncio.gather(*(self.notifier.mailer.send(envelope) for _, envelope in todo))
        for (mid, envelope), delivery in zip(todo, results, strict=True):
            self.notifier.present[mid] = (envelope, delivery)

    async def _plan(self, session: AsyncSession, event: CloudEvent[Any]) -> list[tuple[str, Envelope]]:
        incoming = contact_from(event.data)
        if incoming is None or incoming.delegate_id != event.data.delegate_id:
            return []  # the recipient may come from stored contact details: the handler sends it
        try:
            plans: list[MessagePlan] = plan_messages(event.data, event.id, incoming, self.notifier.links)
        except UnknownRecipient:
            return []
        out: list[tuple[str, Envelope]] = []
        for plan in plans:
            mid = message_id(plan.cause_event_id, plan.template, self.notifier.message_id_domain)
            if await db.known_message(session, mid):
                continue
            try:
                envelope, _subject = self.notifier.build(plan, mid)
            except (InvalidAddress, MissingDocument):
                continue  # a permanent failure: the handler records it
            out.append((mid, envelope))
        return out


def _decoded(value: bytes | None) -> CloudEvent[Any] | None:
    if value is None:
        return None
    try:
        return decode(value)
    except InvalidEvent:
        return None


async def _handled(session: AsyncSession, consumer: str, ids: list[str]) -> set[str]:
    query = select(inbox_table.c.event_id).where(inbox_table.c.consumer == consumer, inbox_table.c.event_id.in_(ids))
    return set((await session.execute(query)).scalars())
