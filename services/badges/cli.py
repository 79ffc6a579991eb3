"""`congress badges print --all | --since … | --network …`: A4 sheets of four badges, sorted for the desk.

Reads the badge station's own replica of delegates (its database), renders the
sheets on the warm pool in chunks (one PDF per chunk, so 2,500 delegates never sit
in one document) and shows a rich progress bar.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
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
from sqlalchemy import and_, or_, select

from services.badges import domain
from services.badges.adapters import db
from services.badges.adapters.pdf import BadgeContent
from services.badges.commands.registration import badge_content
from services.badges.config import BadgesSettings
from services.badges.ports import Renderer
from services.common.db import make_engine, make_sessionmaker
from services.common.migrations import prepare_database

app = typer.Typer(help="Badges: print sheets for the registration desk.", no_args_is_help=True)


async def select_delegates(
    settings: BadgesSettings,
    *,
    since: datetime | None = None,
    network: str | None = None,
) -> list[db.DelegateRow]:
    """Confirmed delegates, optionally those whose badge was issued since a time or booked into a network's
    add-ons. Each row carries its badge's version, so a sheet prints the QR code of the badge on record."""
    engine = make_engine(settings.effective_database_url())
    try:
        await prepare_database(engine, settings.service_name, db.metadata)
        async with make_sessionmaker(engine)() as session:
            query = (
                select(db.delegates, db.badges.c.version.label("badge_version"))
                .outerjoin(db.badges, db.badges.c.delegate_id == db.delegates.c.delegate_id)
                .where(db.delegates.c.status == "confirmed")
            )
            if since is not None:  # badges issued since, and delegates changed since who have none yet
                query = query.where(
                    or_(
                        db.badges.c.issued_at >= since,
                        and_(db.badges.c.delegate_id.is_(None), db.delegates.c.updated_at >= since),
                    )
                )
            rows = (await session.execute(query)).all()
    finally:
        await engine.dispose()
    wanted = domain.fold(network) if network else None
    return [
        replace(db.DelegateRow.from_row(r), version=r.badge_version or r.version)
        for r in rows
        if wanted is None or any(wanted in domain.fold(" ".join(map(str, a))) for a in r.add_ons)
    ]


async def print_sheets(
    renderer: Renderer,
    rows: list[db.DelegateRow],
    out_dir: Path,
    *,
    secret: str,
    sort_by: str = "surname",
    per_file: int = 100,
    advance: Callable[[int], None] = lambda n: None,
) -> list[Path]:
    """Write ``sheets-NNN.pdf`` files of A4 sheets (four A6 badges each, crop marks), sorted by ``sort_by``."""
    ordered = sorted(rows, key=lambda r: domain.sort_key(db.sortable(r), sort_by))
    contents = [badge_content(r, secret) for r in ordered]
    chunks = [contents[i : i + per_file] for i in range(0, len(contents), per_file)]
    await asyncio.to_thread(out_dir.mkdir, parents=True, exist_ok=True)

    async def one(index: int, chunk: list[BadgeContent]) -> Path:
        pdf = await renderer.render_sheets(chunk)
        path = out_dir / f"sheets-{index:03d}.pdf"
        path.write_bytes(pdf)
        advance(len(chunk))
        return path

    return list(await asyncio.gather(*(one(i, c) for i, c in enumerate(chunks, 1))))


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
