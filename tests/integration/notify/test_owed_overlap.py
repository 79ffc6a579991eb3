"""Owed mail goes over ``smtp_connections`` SMTP sessions at once, and two copies still send one message per cause.

The sink holds every DATA until as many sessions as notify may open are in DATA together (or a few
seconds pass): it counts the sessions it saw at once, so the test asserts what the server observed,
never a duration. Before owed mail was claimed and sent outside a transaction, a sender on SQLite held
the one writer across its SMTP exchange, so the sink never saw two at once.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import Counter
from collections.abc import Iterator
from email.headerregistry import Address
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from schemas.base import CloudEvent, EventData, decode, new_event
from schemas.notify import NotificationSent
from services.common.congress import load_congress
from services.common.consumer import EventConsumer
from services.common.db import create_tables, make_engine, make_sessionmaker
from services.common.outbox import Outbox, outbox_table
from services.devtools.processes import free_port
from services.notify.adapters.db import messages, notify_metadata, pending
from services.notify.adapters.smtp import PooledMailer, SmtpMailer
from services.notify.adapters.unit import SqlUnitFor, SqlUnits
from services.notify.app import assemble_notifier
from services.notify.commands.owed import OwedSender
from services.notify.commands.retry import RetryWorker
from services.notify.domain.delivery import RetryPolicy
from services.notify.domain.samples import PREVIEW_SECRET, sample_delegate, sample_events
from services.notify.subscriptions import Subscriptions
from tests.conftest import fresh_pg_database
from tests.unit.notify.test_handlers import FakeDocuments, Rec

CONNECTIONS = 3


class GatheringHandler:
    """Answers each DATA once ``gather`` sessions are in DATA together (or after ``patience`` seconds)."""

    def __init__(self, gather: int, patience: float = 5.0) -> None:
        self.gather, self.patience = gather, patience
        self.lock = threading.Lock()
        self.active = 0
        self.peak = 0
        self.message_ids: Counter[str] = Counter()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 -- aiosmtpd hook name
        with self.lock:
            self.active += 1
            self.peak = max(self.peak, self.active)
        try:
            waited = 0.0
            while self.active < self.gather and waited < self.patience:
                await asyncio.sleep(0.02)
                waited += 0.02
            await asyncio.sleep(0.05)  # the others in DATA now see this one too
        finally:
            with self.lock:
                self.active -= 1
                content: bytes = envelope.original_content or envelope.content
                mid = next(
                    line.split(b":", 1)[1].strip().decode()
                    for line in content.splitlines()
                    if line.lower().startswith(b"message-id:")
                )
                self.message_ids[mid] += 1
        return "250 Message accepted"


@pytest.fixture
def sink() -> Iterator[tuple[GatheringHandler, int]]:
    handler = GatheringHandler(CONNECTIONS)
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, enable_SMTPUTF8=True)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


def copy_of_notify(url: str, port: int) -> dict[str, Any]:
    """One copy: its engine, a pool of ``CONNECTIONS`` SMTP connections, its owed sender and retry pass."""
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    outbox = Outbox("/congress/notify")
    mailer = PooledMailer([SmtpMailer(host="127.0.0.1", port=port) for _ in range(CONNECTIONS)])
    notifier = assemble_notifier(
        congress=load_congress(),
        mailer=mailer,
        documents=FakeDocuments(),
        sender=Address("ICSEI 2027", addr_spec="secretariat@icsei.example.org"),
        message_id_domain="icsei.example.org",
        links={"badge": "https://b/me"},
        link_secret=PREVIEW_SECRET,
        policy=RetryPolicy(base_seconds=60, max_attempts=5),
        circuit_seconds=0,
    )
    retry = RetryWorker(notifier, SqlUnits(sessions, outbox), connections=CONNECTIONS)
    owed = OwedSender(retry)
    subscriptions = Subscriptions(notifier, SqlUnitFor(outbox), owed)
    consumer = EventConsumer(
        name="notify",
        sessionmaker=sessions,
        outbox=outbox,
        handlers=subscriptions.handlers(list({type(e.data) for e in confirmed(0)})),
        optimistic=False,
        before_handlers=subscriptions.begin_batch,
        after_handlers=subscriptions.end_batch,
    )
    return {
        "engine": engine,
        "sessions": sessions,
        "mailer": mailer,
        "retry": retry,
        "owed": owed,
        "subscriptions": subscriptions,
        "consumer": consumer,
    }


def confirmed(n: int) -> list[CloudEvent[EventData]]:
    events = sample_events(sample_delegate(delegate_id=f"d-{n:04d}", email=f"d{n}@example.org"))
    return [new_event(events["registration_confirmed"], "/tests")]


async def sent_events(c: dict[str, Any]) -> list[NotificationSent]:
    async with c["sessions"]() as session:
        assert (await session.execute(select(pending))).all() == []
        rows = (await session.execute(select(outbox_table.c.value).order_by(outbox_table.c.id))).scalars()
        return [d for d in (decode(v).data for v in rows) if isinstance(d, NotificationSent)]


async def close(*copies: dict[str, Any]) -> None:
    for c in copies:
        await c["owed"].close()
        await c["mailer"].close()
        await c["engine"].dispose()


@pytest.mark.timeout(120)
async def test_owed_mail_goes_over_every_connection_at_once(
    db_url: str, sink: tuple[GatheringHandler, int], caplog: pytest.LogCaptureFixture
) -> None:
    handler, port = sink
    c = copy_of_notify(db_url, port)
    await create_tables(c["engine"], notify_metadata)
    caplog.set_level(logging.WARNING)
    try:
        events = [e for n in range(3 * CONNECTIONS) for e in confirmed(n)]
        await c["consumer"].handle_batch([Rec(e, i) for i, e in enumerate(events)])
        c["subscriptions"].committed()  # the batch committed: its sender takes over
        await asyncio.wait_for(c["owed"].drain(), timeout=60)
        sent = await sent_events(c)
        async with c["sessions"]() as session:
            ledger = (await session.execute(select(messages.c.status))).scalars().all()
    finally:
        await close(c)
    assert handler.peak == CONNECTIONS  # every connection in DATA at once, and never more
    assert len(handler.message_ids) == len(events) and set(handler.message_ids.values()) == {1}
    assert {s.message_id for s in sent} == set(handler.message_ids) and len(sent) == len(events)
    assert ledger == ["sent"] * len(events)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


@pytest.mark.timeout(120)
async def test_two_copies_racing_for_the_same_owed_mail_send_it_once(
    pg_url: str, sink: tuple[GatheringHandler, int], caplog: pytest.LogCaptureFixture
) -> None:
    """Both copies' owed senders are handed the same messages and both retry passes run at once, without the job's
    lease: each message is claimed by one of them (``SKIP LOCKED``), reaches the server once and is recorded once."""
    handler, port = sink
    url = await fresh_pg_database(pg_url)
    a, b = copy_of_notify(url, port), copy_of_notify(url, port)
    await create_tables(a["engine"], notify_metadata)
    caplog.set_level(logging.WARNING)
    try:
        events = [e for n in range(4 * CONNECTIONS) for e in confirmed(n)]
        await a["consumer"].handle_batch([Rec(e, i) for i, e in enumerate(events)])
        owed = list(a["owed"]._held)
        assert len(owed) == len(events)
        b["owed"].hold(owed)  # as if b's batch had owed them too
        a["subscriptions"].committed()
        b["subscriptions"].committed()
        await asyncio.gather(a["retry"].work_due(), b["retry"].work_due(), a["owed"].drain(), b["owed"].drain())
        sent = await sent_events(a)
    finally:
        await close(a, b)
    assert len(handler.message_ids) == len(events) and set(handler.message_ids.values()) == {1}  # one mail per cause
    assert Counter(s.message_id for s in sent) == handler.message_ids  # and one NotificationSent each
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
