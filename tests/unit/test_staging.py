"""Staged inserts (services/common/staging.py) written by the consumer: when, in how many statements, and
what a failing event's savepoint drops."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, event, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from schemas import CloudEvent, encode, new_event, topics
from schemas.registration import RefundIssued
from schemas.values import Money
from services.common.consumer import EventConsumer
from services.common.db import create_tables, make_engine, make_sessionmaker
from services.common.outbox import Outbox
from services.common.staging import stage_insert, staged

meta = MetaData()
things = Table("things", meta, Column("id", String, primary_key=True))
notes = Table("notes", meta, Column("n", Integer, primary_key=True, autoincrement=True), Column("thing", String))


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[tuple[AsyncEngine, list[str]]]:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 's.sqlite3'}")
    await create_tables(engine, meta)
    inserts: list[str] = []

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.startswith(("INSERT INTO things", "INSERT INTO notes")):
            inserts.append(statement.split()[2])

    yield engine, inserts
    await engine.dispose()


def refund(delegate: str) -> CloudEvent[RefundIssued]:
    data = RefundIssued(
        congress_id="icsei-2027",
        registration_id=f"r-{delegate}",
        delegate_id=delegate,
        amount=Money(amount_minor=1000, currency="EUR"),
        provider_reference="re_1",
    )
    return new_event(data, "/test")


class _Rec:
    def __init__(self, value: bytes, offset: int) -> None:
        self.topic, self.partition, self.offset, self.key, self.value, self.headers = (
            topics.REGISTRATION,
            0,
            offset,
            b"k",
            value,
            [],
        )


async def rows(engine: AsyncEngine, table: Table) -> list[Any]:
    async with engine.connect() as conn:
        return list((await conn.execute(select(table))).all())


async def test_a_batchs_staged_rows_are_written_in_one_statement_per_table(db: Any) -> None:
    engine, inserts = db

    async def on_refund(event: CloudEvent[Any], session: AsyncSession) -> None:
        stage_insert(session, things, {"id": event.data.delegate_id})
        stage_insert(session, notes, {"thing": event.data.delegate_id})
        assert staged(session)  # kept on the session, not yet written

    consumer = EventConsumer(
        name="s", sessionmaker=make_sessionmaker(engine), outbox=Outbox("/t"), handlers={RefundIssued: on_refund}
    )
    await consumer.handle_batch([_Rec(encode(refund(f"d-{n}")), n) for n in range(20)])
    assert inserts == ["things", "notes"]
    assert len(await rows(engine, things)) == 20 and len(await rows(engine, notes)) == 20


async def test_isolated_a_failing_events_staged_rows_go_with_its_savepoint(db: Any) -> None:
    engine, _inserts = db

    async def on_refund(event: CloudEvent[Any], session: AsyncSession) -> None:
        stage_insert(session, notes, {"thing": event.data.delegate_id})
        if event.data.delegate_id == "d-bad":
            raise ValueError("no")

    consumer = EventConsumer(
        name="s",
        sessionmaker=make_sessionmaker(engine),
        outbox=Outbox("/t"),
        handlers={RefundIssued: on_refund},
        retries=1,
        optimistic=False,
    )
    batch = [refund("d-1"), refund("d-bad"), refund("d-2")]
    await consumer.handle_batch([_Rec(encode(e), n) for n, e in enumerate(batch)])
    assert sorted(r.thing for r in await rows(engine, notes)) == ["d-1", "d-2"]
    assert consumer.stats.dead_lettered == 1 and consumer.stats.handled == 2
