"""Two copies of notify on one PostgreSQL database work their retry queue and reminders at the same moments.

Each deferred message is sent once, each unpaid card registration reminded once, and the normal race
(one copy holds the job's lease, or the row) logs no error.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.headerregistry import Address
from typing import Any

import pytest
from sqlalchemy import select

from schemas.base import CloudEvent, EventData, decode, new_event
from schemas.notify import NotificationSent
from services.common import jobs
from services.common.congress import load_congress
from services.common.consumer import EventConsumer
from services.common.db import create_tables, make_engine, make_sessionmaker
from services.common.outbox import Outbox, outbox_table
from services.notify.adapters.db import notify_metadata, pending
from services.notify.adapters.unit import SqlUnitFor, SqlUnits
from services.notify.app import assemble_notifier
from services.notify.commands.owed import OwedSender
from services.notify.commands.remind import Reminders
from services.notify.commands.retry import RetryWorker
from services.notify.domain.delivery import RetryPolicy
from services.notify.domain.samples import PREVIEW_SECRET, sample_delegate, sample_events
from services.notify.subscriptions import Subscriptions
from tests.conftest import fresh_pg_database
from tests.unit.notify.test_handlers import Clock, FakeDocuments, FakeMailer, Rec


def copy_of_notify(url: str, mailer: FakeMailer, clock: Clock) -> dict[str, Any]:
    """One copy: its own engine and notifier, the shared database, SMTP server and clock."""
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    outbox = Outbox("/congress/notify")
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
        clock=clock,
        rng=lambda: 0.5,
    )
    units = SqlUnits(sessions, outbox)
    retry = RetryWorker(notifier, units)
    return {
        "engine": engine,
        "sessions": sessions,
        "outbox": outbox,
        "subscriptions": Subscriptions(notifier, SqlUnitFor(outbox), OwedSender(retry)),
        "jobs": [
            retry.job,
            Reminders(notifier, units, delay=timedelta(hours=72), sender=retry).job,
        ],
    }


def received(n: int) -> list[CloudEvent[EventData]]:
    events = sample_events(sample_delegate(delegate_id=f"d-{n:04d}", email=f"d{n}@example.org"))
    return [new_event(events["registration_received"], "/tests"), new_event(events["badge_ready"], "/tests")]


@pytest.mark.timeout(120)
async def test_two_copies_retry_and_remind_once_per_cause(pg_url: str, caplog: pytest.LogCaptureFixture) -> None:
    url = await fresh_pg_database(pg_url)
    mailer, clock = FakeMailer(), Clock()
    a, b = copy_of_notify(url, mailer, clock), copy_of_notify(url, mailer, clock)
    await create_tables(a["engine"], notify_metadata)
    try:
        consumer = EventConsumer(
            name="notify",
            sessionmaker=a["sessions"],
            outbox=a["outbox"],
            handlers=a["subscriptions"].handlers(list({type(e.data) for e in received(0)})),
            optimistic=False,
            before_handlers=a["subscriptions"].begin_batch,
            after_handlers=a["subscriptions"].end_batch,
        )
        events = [e for n in range(6) for e in received(n)]
        records: list[Any] = [Rec(e, i) for i, e in enumerate(events)]
        await consumer.handle_batch(records)  # owed, and the copy stopped before its sender ran: the queue has them
        async with a["sessions"]() as session:
            assert len((await session.execute(select(pending))).all()) == len(events)

        clock.now = datetime.now(UTC) + timedelta(hours=73)  # every retry due, every unpaid card payer owed a reminder
        caplog.set_level(logging.WARNING)
        caplog.clear()
        for _ in range(3):
            await asyncio.gather(*(jobs.run_all(c["engine"], c["jobs"]) for c in (a, b)))
        async with a["sessions"]() as session:
            assert (await session.execute(select(pending))).all() == []
            rows = (await session.execute(select(outbox_table.c.value).order_by(outbox_table.c.id))).scalars()
            sent = [d for d in (decode(v).data for v in rows) if isinstance(d, NotificationSent)]
    finally:
        for c in (a, b):
            await c["engine"].dispose()

    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    templates = Counter((s.recipient_id, s.template) for s in sent)
    expected = {
        (f"d-{n:04d}", t) for n in range(6) for t in ("registration_received", "badge_ready", "payment_reminder")
    }
    assert set(templates) == expected and set(templates.values()) == {1}
    at_smtp = Counter(message_from_bytes(m.message)["Message-ID"] for m in mailer.accepted)
    assert set(at_smtp) == {s.message_id for s in sent} and set(at_smtp.values()) == {1}  # one email per cause
