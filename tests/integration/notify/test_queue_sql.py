"""The retry queue's statements on the driver (``queue_sql``), on SQLite and PostgreSQL: rows read back through the
tables exactly as SQLAlchemy's own, claims only of due rows, settling only of rows still there."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select

from services.common.db import create_tables, make_engine, make_sessionmaker
from services.notify.adapters import queue_sql
from services.notify.adapters.db import ledger_row, messages, notify_metadata, pending, pending_row
from services.notify.domain.delivery import Envelope, MessageRecord, Queued

NOW = datetime(2027, 1, 15, 9, 30, 12, 345678, tzinfo=UTC)


def queued(n: int, *, due: datetime = NOW, about: str | None = None) -> Queued:
    record = MessageRecord(f"<m{n}@x.org>", f"e{n}", "badge_ready", f"d-{n}", f"zoë{n}@bücher.example", "Zoë", about)
    envelope = Envelope("s@x.org", record.to, b"From: s@x.org\r\n\r\nbody \x00\xff", smtputf8=n % 2 == 0)
    return Queued(record, envelope, b'{"id": "e"}', "congress.badges", n, due, "owed: sent after the commit")


def without_id(row: Any) -> dict[str, Any]:
    return {k: v for k, v in row._mapping.items() if k != "message_id"}


async def test_rows_written_on_the_driver_read_back_as_sqlalchemys_own(db_url: str) -> None:
    engine = make_engine(db_url)
    await create_tables(engine, notify_metadata)
    sessions = make_sessionmaker(engine)
    try:
        ours, theirs = pending_row(queued(1, about="a-1")), pending_row(queued(1, about="a-1"))
        theirs["message_id"] = "<theirs@x.org>"
        mine = ledger_row(queued(2).record, status="sent", detail="250 accepted", attempts=1, when=NOW)
        other = {**mine, "message_id": "<other@x.org>"}
        async with sessions() as session, session.begin():
            await queue_sql.insert_pending(session, [ours])
            await session.execute(insert(pending), [theirs])
            await queue_sql.insert_ledger(session, [mine])
            await session.execute(insert(messages), [other])
        async with sessions() as session:
            rows = (await session.execute(select(pending).order_by(pending.c.message_id))).all()
            ledger = (await session.execute(select(messages).order_by(messages.c.message_id))).all()
        assert [without_id(r) for r in rows[:1]] == [without_id(r) for r in rows[1:]]
        assert rows[0].message == queued(1).envelope.message and rows[0].about == "a-1"
        assert [without_id(r) for r in ledger[:1]] == [without_id(r) for r in ledger[1:]]
    finally:
        await engine.dispose()


async def test_a_claim_by_id_takes_only_due_rows_and_settling_only_rows_still_there(db_url: str) -> None:
    engine = make_engine(db_url)
    await create_tables(engine, notify_metadata)
    sessions = make_sessionmaker(engine)
    until = NOW + timedelta(seconds=30)
    try:
        due, claimed_elsewhere = queued(1), queued(2, due=NOW + timedelta(seconds=10))
        async with sessions() as session, session.begin():
            await queue_sql.insert_pending(session, [pending_row(due), pending_row(claimed_elsewhere)])
        ids = [due.record.message_id, claimed_elsewhere.record.message_id, "<never@x.org>"]
        async with sessions() as session, session.begin():
            assert await queue_sql.claim_ids(session, ids, now=NOW, until=until) == {due.record.message_id}
        async with sessions() as session, session.begin():  # claimed now: not due for a second claim
            assert await queue_sql.claim_ids(session, ids, now=NOW, until=until) == set()
        async with sessions() as session:
            rows = (await session.execute(select(pending.c.message_id, pending.c.next_attempt_at))).all()
        times = {row.message_id: row.next_attempt_at for row in rows}
        assert times[due.record.message_id].replace(tzinfo=UTC) == until
        async with sessions() as session, session.begin():
            assert await queue_sql.settle(session, ids) == {due.record.message_id, claimed_elsewhere.record.message_id}
        async with sessions() as session, session.begin():
            assert await queue_sql.settle(session, ids) == set()
            assert await queue_sql.claim_ids(session, [], now=NOW, until=until) == set()
    finally:
        await engine.dispose()
