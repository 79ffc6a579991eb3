"""Every service's database is brought to its Alembic head at start-up, on SQLite and PostgreSQL.

The first test is the one that catches a table changed in code without a revision: after the
upgrade, Alembic's own comparison of the database with the code's tables must find nothing.
"""

from __future__ import annotations

import asyncio
import importlib
import sys
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Connection, MetaData, String, Table, func, insert, inspect, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from services.common.db import SchemaOutOfDate, make_engine, utcnow
from services.common.migrations import (
    alembic_config,
    configure_context,
    hold_upgrade_lock,
    target_metadata,
    upgrade_database,
    upgrade_in,
    version_table,
)
from services.common.outbox import outbox_table
from tests.conftest import fresh_pg_database
from tests.kafka_helpers import eventually

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ["registration", "abstracts", "badges", "notify"]


def service_metadata(service: str) -> MetaData:
    importlib.import_module(f"services.{service}.app")  # every table the running service uses is defined
    metadata: MetaData = importlib.import_module(f"services.{service}.migrations").metadata
    return metadata


def head(service: str) -> str:
    revision = ScriptDirectory.from_config(alembic_config(service, None)).get_current_head()
    assert revision is not None
    return revision


async def schema_diff(engine: AsyncEngine, service: str) -> list[Any]:
    def compare(conn: Connection) -> list[Any]:
        metadata = target_metadata(service_metadata(service))
        options = configure_context(conn, service, metadata)
        context = MigrationContext.configure(
            conn, opts={k: v for k, v in options.items() if k not in ("connection", "render_as_batch")}
        )
        return list(compare_metadata(context, metadata))  # type: ignore[arg-type]

    async with engine.connect() as conn:
        return await conn.run_sync(compare)


async def revision_of(engine: AsyncEngine, service: str) -> list[str]:
    async with engine.connect() as conn:
        rows = await conn.execute(text(f"SELECT version_num FROM {version_table(service)}"))  # noqa: S608 -- our name
        return [row[0] for row in rows]


async def legacy_create_all(engine: AsyncEngine, service: str) -> None:
    """A database as the create_all of earlier versions left it: the initial revision's tables, no version table.

    (Made by the initial revision rather than today's metadata, so later revisions keep this test meaningful.)
    """

    def create(conn: Connection) -> None:
        config = alembic_config(service, service_metadata(service), conn)
        command.upgrade(config, ScriptDirectory.from_config(config).get_base() or "base")
        conn.execute(text(f"DROP TABLE {version_table(service)}"))

    async with engine.begin() as conn:
        await conn.run_sync(create)


@pytest.mark.parametrize("service", SERVICES)
async def test_an_empty_database_is_upgraded_to_exactly_the_code_tables(db_url: str, service: str) -> None:
    engine = make_engine(db_url)
    twin = make_engine(db_url)  # a second runtime of the same service in this process, starting with it
    try:
        await asyncio.gather(
            upgrade_database(engine, service, service_metadata(service)),
            upgrade_database(twin, service, service_metadata(service)),
        )
        assert await schema_diff(engine, service) == []
        assert await revision_of(engine, service) == [head(service)]

        await upgrade_database(engine, service, service_metadata(service))  # the next start: nothing to do
        assert await revision_of(engine, service) == [head(service)]
        assert await schema_diff(engine, service) == []
    finally:
        await engine.dispose()
        await twin.dispose()


@pytest.mark.parametrize("service", SERVICES)
async def test_a_database_made_by_create_all_is_stamped_and_keeps_its_rows(db_url: str, service: str) -> None:
    engine = make_engine(db_url)
    try:
        await legacy_create_all(engine, service)
        async with engine.begin() as conn:
            await conn.execute(insert(outbox_table).values(event_id="ev-1", topic="t", headers=[], created_at=utcnow()))
        await upgrade_database(engine, service, service_metadata(service))
        assert await revision_of(engine, service) == [head(service)]
        assert await schema_diff(engine, service) == []
        async with engine.connect() as conn:
            assert (await conn.execute(select(func.count()).select_from(outbox_table))).scalar_one() == 1
    finally:
        await engine.dispose()


@pytest.mark.parametrize("service", SERVICES)
async def test_a_database_made_by_create_all_without_a_column_is_refused(db_url: str, service: str) -> None:
    engine = make_engine(db_url)
    try:
        await legacy_create_all(engine, service)
        async with engine.begin() as conn:
            await conn.execute(text("ALTER TABLE outbox DROP COLUMN headers"))
        with pytest.raises(SchemaOutOfDate, match=r"missing columns: outbox: headers\.") as caught:
            await upgrade_database(engine, service, service_metadata(service))
        assert "congress demo --fresh" in str(caught.value)
        async with engine.connect() as conn:  # refused as a whole: not stamped, nothing created
            tables = await conn.run_sync(lambda sync_conn: inspect(sync_conn).get_table_names())
        assert version_table(service) not in tables
    finally:
        await engine.dispose()


async def test_a_second_process_waits_for_the_upgrade_under_way(pg_url: str) -> None:
    """Two processes of a service start at once on PostgreSQL: the second (the CLI, doing what start-up does)
    waits on the advisory lock while the first upgrades, then finds the database at head and changes nothing."""
    db_url = await fresh_pg_database(pg_url)
    engine = make_engine(db_url)
    other: asyncio.subprocess.Process | None = None
    try:
        async with engine.begin() as conn:
            await hold_upgrade_lock(conn, "notify")
            other = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "services.cli.main", "db", "upgrade", "--service", "notify", "--url", db_url,
                cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
            )  # fmt: skip
            await eventually(lambda: waiting_for_advisory_lock(engine), timeout=60)
            await upgrade_in(conn, "notify", service_metadata("notify"))
        output, _ = await asyncio.wait_for(other.communicate(), timeout=120)
        assert other.returncode == 0, output.decode()
        assert head("notify") in output.decode()  # it reports the revision the database is at
        assert await revision_of(engine, "notify") == [head("notify")]
        assert await schema_diff(engine, "notify") == []
    finally:
        if other is not None and other.returncode is None:
            other.kill()
            await other.wait()
        await engine.dispose()


async def waiting_for_advisory_lock(engine: AsyncEngine) -> bool:
    async with engine.connect() as conn:
        waiting = await conn.execute(text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"))
        return bool(waiting.scalar_one())


async def test_a_database_at_a_revision_this_code_does_not_know_is_refused(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        await upgrade_database(engine, "notify", service_metadata("notify"))
        async with engine.begin() as conn:
            await conn.execute(text(f"UPDATE {version_table('notify')} SET version_num = 'f00dfeed'"))  # noqa: S608
        with pytest.raises(SchemaOutOfDate, match=r"at revision f00dfeed of notify, which this version"):
            await upgrade_database(engine, "notify", service_metadata("notify"))
    finally:
        await engine.dispose()


async def test_a_table_changed_in_code_without_a_revision_is_refused(db_url: str) -> None:
    ahead = MetaData()
    for table in service_metadata("badges").sorted_tables:
        table.to_metadata(ahead)
    Table("badge_ribbons", ahead, Column("delegate_id", String(64), primary_key=True))
    engine = make_engine(db_url)
    try:
        with pytest.raises(SchemaOutOfDate, match=r"badge_ribbons: delegate_id.*congress db revision --service badges"):
            await upgrade_database(engine, "badges", ahead)
    finally:
        await engine.dispose()
