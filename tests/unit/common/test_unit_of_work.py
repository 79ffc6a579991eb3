"""The unit of work writes its staged events explicitly: with the state change, or not at all."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import Column, MetaData, String, Table, func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from schemas.registration import RefundIssued
from schemas.values import Money
from services.common.db import create_tables, make_engine, make_sessionmaker
from services.common.outbox import Outbox, outbox_table
from services.common.unit_of_work import transaction

state_meta = MetaData()
state = Table("state", state_meta, Column("id", String, primary_key=True))


def refund(delegate: str) -> RefundIssued:
    return RefundIssued(
        congress_id="icsei-2027",
        registration_id=f"r-{delegate}",
        delegate_id=delegate,
        amount=Money(amount_minor=1000, currency="EUR"),
        provider_reference="re_1",
    )


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'u.sqlite3'}")
    await create_tables(engine, state_meta)
    yield engine
    await engine.dispose()


async def counts(engine: AsyncEngine) -> tuple[int, int]:
    async with make_sessionmaker(engine)() as session:
        rows = (await session.execute(select(func.count()).select_from(state))).scalar_one()
        staged = (await session.execute(select(func.count()).select_from(outbox_table))).scalar_one()
    return rows, staged


async def test_staged_events_are_written_with_the_state_change_and_wake_the_relay(engine: AsyncEngine) -> None:
    outbox = Outbox("/test")
    async with transaction(make_sessionmaker(engine), outbox) as uow:
        await uow.session.execute(insert(state).values(id="a"))
        published = uow.stage_many([refund("d-1"), refund("d-2")])
        assert uow.staged == 2
    assert await counts(engine) == (1, 2)
    assert outbox.wakeup.is_set()
    async with make_sessionmaker(engine)() as session:
        ids = (await session.execute(select(outbox_table.c.event_id).order_by(outbox_table.c.id))).scalars().all()
    assert ids == [e.id for e in published]


async def test_a_failed_unit_of_work_stages_nothing_and_leaves_the_relay_asleep(engine: AsyncEngine) -> None:
    outbox = Outbox("/test")

    async def refused() -> None:
        async with transaction(make_sessionmaker(engine), outbox) as uow:
            await uow.session.execute(insert(state).values(id="a"))
            uow.stage(refund("d-1"))
            raise RuntimeError("refused")

    with pytest.raises(RuntimeError, match="refused"):
        await refused()
    assert await counts(engine) == (0, 0)
    assert not outbox.wakeup.is_set()


async def test_a_unit_of_work_without_events_does_not_wake_the_relay(engine: AsyncEngine) -> None:
    outbox = Outbox("/test")
    async with transaction(make_sessionmaker(engine), outbox) as uow:
        await uow.session.execute(insert(state).values(id="a"))
    assert await counts(engine) == (1, 0)
    assert not outbox.wakeup.is_set()


def test_no_module_writes_behind_the_callers_back() -> None:
    """The outbox is written by the unit of work, never by a session-wide SQLAlchemy hook."""
    root = Path(__file__).resolve().parents[3] / "services"
    hooks = re.compile(r"listens_for\(\s*(Async)?Session\b|event\.listen\(\s*(Async)?Session\b")
    hooked = [str(p.relative_to(root)) for p in root.rglob("*.py") if hooks.search(p.read_text(encoding="utf-8"))]
    assert hooked == []
