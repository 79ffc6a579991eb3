"""`congress badges print --all | --since … | --network …`: A4 sheets of four badges, sorted for the desk.

Reads the badge station's own replica of delegates (its database), renders the
sheets on the warm pool in chunks (one PDF per chunk, so 2,500 delegates never sit
in one document) and shows a rich progress bar.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)

from services.badges import domain
from services.badges.adapters import db
from services.badges.commands.sheets import in_network, print_sheets
from services.badges.config import BadgesSettings
from services.badges.domain import DelegateRecord
from services.common.db import make_engine, make_sessionmaker
from services.common.migrations import prepare_database

app = typer.Typer(help="Badges: print sheets for the registration desk.", no_args_is_help=True)


async def select_delegates(
    settings: BadgesSettings,
    *,
    since: datetime | None = None,
    network: str | None = None,
) -> list[DelegateRecord]:
    """Confirmed delegates, optionally those whose badge was issued since a time or booked into a network's
    add-ons. Each row carries its badge's version, so a sheet prints the QR code of the badge on record."""
    engine = make_engine(settings.effective_database_url())
    try:
        await prepare_database(engine, settings.service_name, db.metadata)
        async with make_sessionmaker(engine)() as session:
            rows = await db.sheet_rows(session, since)
    finally:
        await engine.dispose()
    return [r for r in rows if in_network(r, network)]


@app.command("print")
def print_command(
    all_: Annotated[bool, typer.Option("--all", help="Every confirmed delegate.")] = False,
    since: Annotated[datetime | None, typer.Option(help="Only badges issued since (ISO, UTC).")] = None,
    network: Annotated[
        str | None,
        typer.Option(help="Only delegates booked into this network's add-ons."),
    ] = None,
    sort: Annotated[str, typer.Option(help=f"Sort by one of: {', '.join(domain.SORT_FIELDS)}.")] = "surname",
    out: Annotated[Path, typer.Option(help="Directory for the sheet PDFs.")] = Path("badge-sheets"),
) -> None:
    """Write A4 badge sheets for the desk."""
    if not (all_ or since or network):
        raise typer.BadParameter("choose --all, --since or --network")
    if sort not in domain.SORT_FIELDS:
        raise typer.BadParameter(f"--sort must be one of {', '.join(domain.SORT_FIELDS)}")
    asyncio.run(_print(BadgesSettings(), since=since, network=network, sort=sort, out=out))


async def _print(
    settings: BadgesSettings,
    *,
    since: datetime | None,
    network: str | None,
    sort: str,
    out: Path,
) -> None:
    from services.badges.adapters.pool import PoolRenderer
    from services.badges.app import header_for
    from services.common.congress import load_congress

    rows = await select_delegates(settings, since=since, network=network)
    pool = PoolRenderer(header_for(load_congress(settings.congress_config)), settings.render_workers)
    columns = (
        TextColumn("badges"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    try:
        with Progress(*columns) as progress:
            task = progress.add_task("badges", total=len(rows))
            paths = await print_sheets(
                pool,
                rows,
                out,
                secret=settings.secret.get_secret_value(),
                sort_by=sort,
                advance=lambda n: progress.advance(task, n),
            )
    finally:
        pool.close()
    typer.echo(
        f"{len(rows)} badges on {sum(-(-min(100, len(rows) - i) // 4) for i in range(0, len(rows), 100))} "
        f"sheets in {len(paths)} file(s) under {out}"
    )
