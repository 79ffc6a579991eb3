"""SQLite connections handed back to the pool: rolled back only when a transaction is left open (``db._on_reset``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import text

from services.common.db import make_engine


@pytest.fixture
def rollbacks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Each rollback sent to aiosqlite's thread."""
    calls: list[int] = []
    real = aiosqlite.Connection.rollback

    async def rollback(self: Any) -> None:
        calls.append(1)
        await real(self)

    monkeypatch.setattr(aiosqlite.Connection, "rollback", rollback)
    return calls


async def test_a_committed_transaction_costs_no_rollback_on_return(tmp_path: Path, rollbacks: list[int]) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'a.sqlite3'}")
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (x INTEGER)"))
        rollbacks.clear()  # the dialect's first connect rolls back once, whatever the pool does
        for _ in range(3):
            async with engine.begin() as conn:
                await conn.execute(text("INSERT INTO t VALUES (1)"))
        async with engine.connect() as conn:  # a read outside any transaction, as the relay's
            driver: Any = (await conn.get_raw_connection()).driver_connection
            assert (await driver.execute_fetchall("SELECT count(*) FROM t")) == [(3,)]
        assert rollbacks == []
    finally:
        await engine.dispose()


async def test_a_connection_left_inside_a_transaction_is_rolled_back_on_return(
    tmp_path: Path, rollbacks: list[int]
) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'b.sqlite3'}")
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (x INTEGER)"))
        rollbacks.clear()
        async with engine.connect() as conn:  # a script that stopped half-way: BEGIN sent, no COMMIT
            driver: Any = (await conn.get_raw_connection()).driver_connection
            await driver.execute("BEGIN IMMEDIATE")
            await driver.execute("INSERT INTO t VALUES (1)")
        assert rollbacks == [1]
        async with engine.begin() as conn:  # the file's write lock is free again, and nothing was kept
            assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar_one() == 0
    finally:
        await engine.dispose()
