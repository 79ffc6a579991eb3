"""The kernel's job lease (services/common/jobs.py) on a real PostgreSQL: one holder at a time per job,
released after the pass, and released by PostgreSQL when the holder's connection dies."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import text

from services.common import jobs
from services.common.db import make_engine
from tests.conftest import fresh_pg_database


async def test_one_copy_at_a_time_holds_a_jobs_lease(pg_url: str) -> None:
    url = await fresh_pg_database(pg_url)
    a, b = make_engine(url), make_engine(url)
    ran: list[str] = []
    try:
        async with jobs.lease(a, "test.sweep") as first:
            async with jobs.lease(b, "test.sweep") as second, jobs.lease(b, "test.other") as other:
                assert (first, second, other) == (True, False, True)  # the lease is per job name
            assert await jobs.run_once(b, jobs.Job("test.sweep", lambda: asyncio.sleep(0))) is False
        assert await jobs.run_once(b, jobs.Job("test.sweep", lambda: _note(ran, "b"))) is True  # released
        assert ran == ["b"]

        async with jobs.lease(a, "test.sweep") as held:  # the holder's connection dies mid-pass
            assert held
            async with b.connect() as conn:
                await conn.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' "
                        "AND classid = :space AND objid = :key AND granted"
                    ),
                    {"space": jobs.LOCK_SPACE, "key": jobs.lock_key("test.sweep") % 2**32},
                )
            async with jobs.lease(b, "test.sweep") as taken_over:
                assert taken_over
    finally:
        await a.dispose()
        await b.dispose()


async def test_on_sqlite_the_lease_is_always_granted(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'one.sqlite3'}")
    try:
        async with jobs.lease(engine, "test.sweep") as first, jobs.lease(engine, "test.sweep") as second:
            assert first and second  # a SQLite file belongs to one process
    finally:
        await engine.dispose()


async def _note(ran: list[str], who: str) -> None:
    ran.append(who)
