"""Schema migrations: every service brings its own database to its Alembic head at start-up.

Each service with a database has an Alembic environment in ``services/<service>/migrations/``
(``env.py`` and ``versions/``), configured here in code, so nothing reads an alembic.ini at run time.
A service records its revision in its own version table, ``alembic_version_<service>``.
``upgrade_database`` is what start-up calls (docs/ARCHITECTURE.md, decision 4):

- an empty database, or one at an older revision, is upgraded to head;
- a database made by the create_all of earlier versions (tables, no version table) is stamped at the
  initial revision if it has every table and column of that revision, then upgraded; otherwise refused;
- after the upgrade the code's tables must all be there: a model changed without a revision is refused.

One process upgrades at a time: PostgreSQL takes an advisory lock for the transaction, SQLite's
``BEGIN IMMEDIATE`` (services/common/db.py) holds the write lock. All of it is one transaction.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from alembic import command, context
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, MetaData, create_engine, inspect, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from services.common import consumer, outbox
from services.common.db import (
    SchemaOutOfDate,
    create_tables,
    kernel_metadata,
    lacking,
    missing_columns,
    out_of_date,
)

__all__ = ["consumer", "outbox"]  # imported for the kernel's tables (inbox, outbox) on kernel_metadata

log = logging.getLogger("congress.migrations")

SERVICES_DIR = Path(__file__).resolve().parents[1]


def script_location(service: str) -> Path:
    return SERVICES_DIR / service / "migrations"


def has_migrations(service: str) -> bool:
    return (script_location(service) / "env.py").is_file()


def version_table(service: str) -> str:
    return f"alembic_version_{service}"


def target_metadata(metadata: MetaData | None) -> list[MetaData]:
    """What a service's revisions describe: the kernel's tables plus the service's own."""
    return [kernel_metadata, *([metadata] if metadata is not None else [])]


def alembic_config(service: str, metadata: MetaData | None, connection: Connection | None = None) -> Config:
    """An Alembic ``Config`` for ``service``; ``connection`` is the one ``env.py`` runs on."""
    config = Config()
    config.set_main_option("script_location", str(script_location(service)))
    config.set_main_option("version_path_separator", "os")
    config.attributes.update(service=service, target_metadata=target_metadata(metadata), connection=connection)
    return config


def configure_context(connection: Connection, service: str, metadata: Sequence[MetaData]) -> dict[str, Any]:
    """The options every migration context of ``service`` runs with (env.py, tests' compare_metadata)."""
    return {
        "connection": connection,
        "target_metadata": list(metadata),
        "version_table": version_table(service),
        "render_as_batch": True,  # SQLite alters a table by copying it
        "compare_type": True,
        "compare_server_default": True,
    }


def run_environment() -> None:
    """The body of every service's ``env.py``: run on the connection the caller put in ``attributes``."""
    config = context.config
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations with `congress db …` or services.common.migrations, not bare alembic")
    options = configure_context(connection, config.attributes["service"], config.attributes["target_metadata"])
    context.configure(**options)
    with context.begin_transaction():
        context.run_migrations()


async def prepare_database(engine: AsyncEngine, service: str, metadata: MetaData | None) -> None:
    """What start-up calls: upgrade a service that has migrations; create_all for one that has none (tests)."""
    if has_migrations(service):
        await upgrade_database(engine, service, metadata)
    else:
        await create_tables(engine, *([metadata] if metadata is not None else []))


_in_process = asyncio.Lock()
"""Alembic's ``context`` and ``op`` are module-wide proxies: two upgrades in one process must not interleave."""


async def upgrade_database(engine: AsyncEngine, service: str, metadata: MetaData | None) -> None:
    """Bring ``service``'s database to head (see the module docstring), in one locked transaction."""
    async with _in_process, engine.begin() as conn:
        await upgrade_in(conn, service, metadata)


async def upgrade_in(conn: AsyncConnection, service: str, metadata: MetaData | None) -> None:
    """Take the upgrade lock and upgrade within ``conn``'s transaction (committed by the caller)."""
    await hold_upgrade_lock(conn, service)
    where = conn.engine.url.render_as_string(hide_password=True)
    await conn.run_sync(_upgrade, service, metadata, where)


async def hold_upgrade_lock(conn: AsyncConnection, service: str) -> None:
    """Wait for the service's upgrade lock and hold it until the transaction ends.

    PostgreSQL: a transaction-level advisory lock. SQLite: the write lock ``BEGIN IMMEDIATE`` already took.
    """
    if conn.dialect.name == "postgresql":
        await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key(service)})


def lock_key(service: str) -> int:
    """A stable 64-bit advisory lock key per service."""
    digest = hashlib.sha256(f"congress.migrations.{service}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _upgrade(conn: Connection, service: str, metadata: MetaData | None, where: str) -> None:
    config = alembic_config(service, metadata, conn)
    script = ScriptDirectory.from_config(config)
    if _is_unversioned_legacy(conn, service):
        initial = script.get_base() or "base"
        absent = lacking(conn, initial_schema(service))
        if absent:
            raise SchemaOutOfDate(out_of_date(where, absent))
        command.stamp(config, initial)
        log.warning("%s: tables made before migrations stamped at revision %s", service, initial)
    before = _revision(conn, service)
    if before is not None and before not in {rev.revision for rev in script.walk_revisions()}:
        raise SchemaOutOfDate(
            f"the database {where} is at revision {before} of {service}, which this version of congress does not "
            "know: a newer version ran on it. Start that version, or restore a backup taken before it."
        )
    command.upgrade(config, "head")
    after = _revision(conn, service)
    if after != before:
        log.info("%s: database upgraded from revision %s to %s", service, before, after)
    _check_code_tables(conn, service, metadata, where)


def _revision(conn: Connection, service: str) -> str | None:
    return MigrationContext.configure(conn, opts={"version_table": version_table(service)}).get_current_revision()


def _check_code_tables(conn: Connection, service: str, metadata: MetaData | None, where: str) -> None:
    """At head, every table and column the code uses must exist: else a model changed without a revision."""
    absent = {}
    for meta in target_metadata(metadata):
        absent.update(missing_columns(conn, meta))
    if absent:
        raise SchemaOutOfDate(
            f"the database {where} is at the newest revision of {service}, yet lacks what the code uses: "
            + "; ".join(f"{table}: {', '.join(cols)}" for table, cols in absent.items())
            + f". The code changed a table without a revision: `congress db revision --service {service} "
            '--autogenerate -m "…"` (README, "Changing a table").'
        )


def _is_unversioned_legacy(conn: Connection, service: str) -> bool:
    """Tables made by an earlier create_all: some of the initial revision's tables, and no version table."""
    have = set(inspect(conn).get_table_names())
    if not have or version_table(service) in have:
        return False  # an empty database (the initial schema is not worked out for it) or a versioned one
    return bool(have & set(initial_schema(service)))


_initial_schemas: dict[str, dict[str, list[str]]] = {}


def initial_schema(service: str) -> dict[str, list[str]]:
    """Tables and columns of ``service``'s initial revision: it is run once on an in-memory SQLite."""
    if service not in _initial_schemas:
        engine = create_engine("sqlite://")
        try:
            with engine.begin() as conn:
                config = alembic_config(service, None, conn)
                command.upgrade(config, ScriptDirectory.from_config(config).get_base() or "base")
                inspector = inspect(conn)
                _initial_schemas[service] = {
                    table: [column["name"] for column in inspector.get_columns(table)]
                    for table in inspector.get_table_names()
                    if table != version_table(service)
                }
        finally:
            engine.dispose()
    return _initial_schemas[service]
