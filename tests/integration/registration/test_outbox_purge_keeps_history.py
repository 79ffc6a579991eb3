"""Registration's page shows a registration's history from its own outbox, so the outbox's purge (decision 76)
leaves its sent rows on ``congress.registration`` and takes the rest (person keys' records, audit, …)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert, select

from schemas import topics
from services.common.db import create_tables, utcnow
from services.common.outbox import outbox_table
from services.common.outbox_purge import purge_sent
from services.registration.adapters import history
from services.registration.app import build
from tests.integration.registration.conftest import congress_file, settings_for


async def test_the_purge_leaves_what_a_registrations_history_reads(db_url: str, tmp_path: Path) -> None:
    runtime, _ = build(settings_for(db_url, "http://127.0.0.1:1", congress_file(tmp_path)))
    assert runtime.outbox_kept_topics == (topics.REGISTRATION,)
    long_ago = utcnow() - timedelta(days=200)
    event = {"type": "congress.registration.RegistrationConfirmed.v1", "time": long_ago.isoformat(), "data": {}}
    row = {"key": b"del-1", "value": json.dumps(event).encode(), "headers": [], "created_at": long_ago}
    try:
        await create_tables(runtime.engine)
        async with runtime.engine.begin() as conn:
            await conn.execute(
                insert(outbox_table),
                [
                    row | {"event_id": "e-1", "topic": topics.REGISTRATION, "sent_at": long_ago},
                    row | {"event_id": "e-2", "topic": topics.AUDIT, "sent_at": long_ago},
                    row | {"event_id": "e-3", "topic": topics.KEYS, "sent_at": long_ago},
                ],
            )
        retention = timedelta(hours=runtime.settings.outbox_retention_hours)
        assert await purge_sent(runtime.engine, retention=retention, keep_topics=runtime.outbox_kept_topics) == 2
        async with runtime.sessionmaker() as session:
            assert [entry["type"] for entry in await history.history(session, "del-1")] == ["RegistrationConfirmed.v1"]
            assert (await session.execute(select(outbox_table.c.event_id))).scalars().all() == ["e-1"]
    finally:
        await runtime.engine.dispose()
