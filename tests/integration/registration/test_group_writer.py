"""The registration group writer on a real database: one commit per batch, a rejected request alone."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, cast

import pytest
from sqlalchemy import Column, CursorResult, Integer, MetaData, String, Table, func, insert, select, update
from sqlalchemy.orm import Session

from schemas.registration import RefundIssued
from schemas.values import Money
from services.common.db import create_tables, is_postgres, make_engine, make_sessionmaker
from services.common.outbox import Outbox, outbox_table
from services.registration.adapters.writer import GroupWriter, sync_sqlite_engine

meta = MetaData()
seats = Table("seats", meta, Column("code", String(20), primary_key=True), Column("free", Integer, nullable=False))
taken = Table("taken", meta, Column("who", String(20), primary_key=True))


class Full(Exception):
    pass


def take(outbox: Outbox, who: str) -> Callable[[Session], str]:
    def work(session: Session) -> str:
        left = session.execute(
            update(seats).where(seats.c.code == "dinner", seats.c.free > 0).values(free=seats.c.free - 1)
        )
        if cast(CursorResult[Any], left).rowcount != 1:
            raise Full(who)
        session.execute(insert(taken).values(who=who))
        outbox.add(
            session,
            RefundIssued(
                congress_id="c",
                registration_id=who,
                delegate_id=who,
                amount=Money(amount_minor=1, currency="EUR"),
                provider_reference="x",
            ),
        )
        return who

    return work


@pytest.mark.parametrize("capacity", [3, 100])
async def test_batch_commits_together_and_a_rejected_request_alone(db_url: str, capacity: int) -> None:
    engine = make_engine(db_url)
    await create_tables(engine, meta)
    async with engine.begin() as conn:
        await conn.execute(insert(seats).values(code="dinner", free=capacity))
    woken: list[int] = []
    if is_postgres(engine):
        writer = GroupWriter(None, lambda: woken.append(1), sessionmaker=make_sessionmaker(engine))
    else:
        writer = GroupWriter(sync_sqlite_engine(db_url), lambda: woken.append(1))
    outbox = Outbox("test")
    outcomes = await asyncio.gather(*(writer.run(take(outbox, f"d{i}")) for i in range(10)), return_exceptions=True)
    await writer.close()
    accepted = [o for o in outcomes if isinstance(o, str)]
    rejected = [o for o in outcomes if isinstance(o, Full)]
    assert len(accepted) == min(capacity, 10)
    assert len(rejected) == 10 - len(accepted)
    async with engine.connect() as conn:
        assert sorted(r.who for r in (await conn.execute(select(taken))).all()) == sorted(accepted)
        published = [r.key.decode() for r in (await conn.execute(select(outbox_table.c.key))).all()]
        assert sorted(published) == sorted(accepted)  # a rejected request's event went with it
        assert (await conn.execute(select(seats.c.free))).scalar_one() == capacity - len(accepted)
        assert (await conn.execute(select(func.count()).select_from(outbox_table))).scalar_one() == len(accepted)
    assert woken  # the relay is woken from the loop after a commit
    await engine.dispose()
