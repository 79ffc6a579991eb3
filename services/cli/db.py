"""``congress db``: a service's schema revisions (Alembic) for developers and operators.

``congress db revision --service registration --autogenerate -m "add roles table"`` writes a new
revision from the difference between the code's tables and a scratch database at head.
``congress db upgrade`` does what start-up does; ``congress db current`` shows where a database is.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import typer
from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData

from services.common.db import make_engine
from services.common.migrations import alembic_config, has_migrations, upgrade_database
from services.common.settings import ServiceSettings

app = typer.Typer(help="Schema revisions of each service's database (Alembic).", no_args_is_help=True)

SERVICES = ("registration", "abstracts", "badges", "notify")
ServiceOption = typer.Option(..., "--service", "-s", help=f"One of: {', '.join(SERVICES)}.")
UrlOption = typer.Option(None, help="Database URL; default: the service's own (<SERVICE>_DATABASE_URL, …).")


def service_metadata(service: str) -> MetaData:
    """The service's tables, as its migrations package gathers them."""
    if service not in SERVICES or not has_migrations(service):
        raise typer.BadParameter(f"no migrations for {service!r}; one of: {', '.join(SERVICES)}")
    importlib.import_module(f"services.{service}.app")  # every table the running service uses is defined
    metadata: MetaData = importlib.import_module(f"services.{service}.migrations").metadata
    return metadata


def database_url(service: str, url: str | None) -> str:
    """The URL the service itself would use: ``<SERVICE>_DATABASE_URL``, ``DATABASE_URL``, or its SQLite file."""
    own = os.environ.get(f"{service.upper()}_DATABASE_URL")
    return url or ServiceSettings(service_name=service, database_url=own).effective_database_url()


async def _on_connection(service: str, url: str, run: Callable[[Config], None]) -> None:
    metadata = service_metadata(service)
    engine = make_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(lambda sync_conn: run(alembic_config(service, metadata, sync_conn)))
    finally:
        await engine.dispose()


async def _upgrade(service: str, url: str) -> None:
    engine = make_engine(url)
    try:
        await upgrade_database(engine, service, service_metadata(service))
    finally:
        await engine.dispose()


@app.command("upgrade")
def upgrade(service: str = ServiceOption, url: str | None = UrlOption) -> None:
    """Bring the database to head, as start-up does (stamping a database made before migrations)."""
    asyncio.run(_upgrade(service, database_url(service, url)))
    asyncio.run(_on_connection(service, database_url(service, url), command.current))


@app.command("current")
def current(service: str = ServiceOption, url: str | None = UrlOption) -> None:
    """Print the database's revision (nothing if it has none yet)."""
    asyncio.run(_on_connection(service, database_url(service, url), lambda config: command.current(config)))


@app.command("history")
def history(service: str = ServiceOption) -> None:
    """List the service's revisions, newest first."""
    command.history(alembic_config(service, service_metadata(service)))


@app.command("revision")
def revision(
    service: str = ServiceOption,
    message: str = typer.Option(..., "--message", "-m", help="What the revision changes, e.g. 'add roles table'."),
    autogenerate: bool = typer.Option(False, "--autogenerate", help="Write the operations from the code's tables."),
    rev_id: str | None = typer.Option(None, help="The revision id, e.g. 0002 (default: a random one)."),
    url: str | None = typer.Option(None, help="Compare with this database (default: a scratch SQLite at head)."),
) -> None:
    """Write a new revision file under services/<service>/migrations/versions/; read it before committing."""

    def write(config: Config) -> None:
        config.set_section_option("post_write_hooks", "hooks", "ruff")
        config.set_section_option("post_write_hooks", "ruff.type", "module")
        config.set_section_option("post_write_hooks", "ruff.module", "ruff")
        config.set_section_option("post_write_hooks", "ruff.options", "format REVISION_SCRIPT_FILENAME")
        command.revision(config, message=message, autogenerate=autogenerate, rev_id=rev_id)

    if url is not None:
        asyncio.run(_on_connection(service, url, write))
        return
    with tempfile.TemporaryDirectory(prefix="congress-revision-") as scratch:
        scratch_url = f"sqlite+aiosqlite:///{Path(scratch) / 'scratch.sqlite3'}"
        asyncio.run(_on_connection(service, scratch_url, lambda config: command.upgrade(config, "head")))
        asyncio.run(_on_connection(service, scratch_url, write))
