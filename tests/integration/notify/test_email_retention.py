"""Emails' details go with the clock moved past ``privacy.retention.emails_days`` (issue 16), on SQLite and
PostgreSQL: the ledger keeps each message id and status (exactly once still holds), loses address and subject;
the pass is recorded once as ``RetentionApplied``; before the period ends nothing changes."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import insert, select

from schemas import decode
from schemas.privacy import DataClass, RetentionApplied
from services.common.congress import load_congress
from services.common.db import create_tables
from services.common.outbox import outbox_table
from services.common.privacy import load_privacy
from services.common.runtime import ServiceRuntime
from services.notify.adapters.db import messages, notify_metadata
from services.notify.adapters.unit import SqlUnits
from services.notify.commands.retention import EmailRetention
from services.notify.config import NotifySettings

GONE = datetime(2029, 1, 7, 15, 0, tzinfo=UTC)
"""Local midnight (Tokyo) starting 8 January 2029: 730 full days (2028 is a leap year) after 8 January 2027."""


async def test_the_ledger_forgets_addresses_and_subjects_after_the_period(db_url: str) -> None:
    runtime = ServiceRuntime(NotifySettings(database_url=db_url), metadata=notify_metadata)
    await create_tables(runtime.engine, notify_metadata)
    try:
        async with runtime.engine.begin() as conn:
            await conn.execute(
                insert(messages).values(
                    message_id="<m1@congress>",
                    cause_event_id="e1",
                    template="confirmation",
                    recipient_id="del_1",
                    to="ngozi@example.org",
                    subject="Your registration, Ngozi Adeyemi",
                    status="sent",
                    detail="250 OK",
                    attempts=1,
                    recorded_at=datetime(2026, 6, 1, tzinfo=UTC),
                )
            )
        now = [datetime(2029, 1, 7, 14, 59, tzinfo=UTC)]
        congress = load_congress()
        retention = EmailRetention(
            SqlUnits(runtime.sessionmaker, runtime.outbox), congress, load_privacy(congress), lambda: now[0]
        )
        assert retention.gone_from == GONE
        assert await retention.sweep() == 0
        now[0] = GONE
        assert await retention.sweep() == 1
        assert await retention.sweep() == 0  # nothing left: recorded once
        async with runtime.engine.connect() as conn:
            [row] = (await conn.execute(select(messages))).all()
            values = (await conn.execute(select(outbox_table.c.value))).scalars().all()
        assert (row.message_id, row.status) == ("<m1@congress>", "sent")
        assert "ngozi" not in row.to.lower() and "Ngozi" not in row.subject
        applied = [e for e in (decode(v).data for v in values if v) if isinstance(e, RetentionApplied)]
        assert [(a.service, a.data_class, a.removed) for a in applied] == [("notify", DataClass.EMAILS, 1)]
    finally:
        await runtime.engine.dispose()
