"""`congress badges print`: A4 sheets of four badges, sorted by surname, filtered by time or network."""

from __future__ import annotations

import logging
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from schemas.values import AddOn
from services.badges.adapters import db
from services.badges.adapters.pool import InProcessRenderer
from services.badges.app import header_for
from services.badges.cli import app, select_delegates
from services.badges.commands.sheets import print_sheets
from services.badges.config import BadgesSettings
from services.common.congress import load_congress
from services.common.db import make_engine, make_sessionmaker
from services.common.migrations import prepare_database
from tests.integration.badges import factories as f


def poppler(tool: str, *args: object) -> str:
    return subprocess.run([tool, *map(str, args)], capture_output=True, text=True, check=True).stdout


async def test_sheets_sorted_by_surname_and_filtered(congress_home: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="weasyprint")
    settings = BadgesSettings(
        database_url=f"sqlite+aiosqlite:///{congress_home / 'b.db'}",
        CONGRESS_SECRET="s",
    )
    engine = make_engine(settings.effective_database_url())
    await prepare_database(engine, "badges", db.metadata)  # as the command itself prepares it
    people = [
        f.delegate(g, fam, number=i)
        for i, (g, fam) in enumerate(
            [
                ("Zoë", "Zimmer"),
                ("Ann", "Ångström"),
                ("Иван", "Петров"),
                ("Bob", "Brown"),
                ("Eve", "Evans"),
            ],
            1,
        )
    ]
    people[4] = people[4].model_copy(
        update={"add_ons": (AddOn(code="ws-leadership", label="Leadership network", kind="workshop"),)}
    )
    long_ago = datetime.now(UTC) - timedelta(days=3)
    # Zimmer paid today (version 2) but wears the badge of version 1; Ångström has not changed since;
    # Петров has no badge yet; Evans's badge is new.
    updated = {"Zimmer": datetime.now(UTC), "Ångström": long_ago}
    issued = {"Zimmer": long_ago, "Ångström": long_ago, "Evans": datetime.now(UTC)}
    async with make_sessionmaker(engine)() as session, session.begin():
        for person in people:
            await db.upsert_delegate(
                session,
                congress_id=f.CONGRESS,
                registration_id="r",
                version=2,
                status="cancelled" if person.family_name == "Brown" else "confirmed",
                paid=True,
                delegate=person,
                now=updated.get(person.family_name, datetime.now(UTC)),
            )
            if person.family_name in issued:
                await db.record_badge(
                    session,
                    delegate_id=person.delegate_id,
                    version=1,
                    sha256="0" * 64,
                    location="mem://",
                    now=issued[person.family_name],
                )
    await engine.dispose()

    rows = await select_delegates(settings)
    assert {r.family_name for r in rows} == {
        "Zimmer",
        "Ångström",
        "Петров",
        "Evans",
    }  # cancelled left out
    # A sheet prints the QR code of the badge on record (version 1), not the registration's version.
    assert {r.family_name: r.version for r in rows} == {"Zimmer": 1, "Ångström": 1, "Петров": 2, "Evans": 1}
    recent = await select_delegates(settings, since=datetime.now(UTC) - timedelta(hours=1))
    assert {r.family_name for r in recent} == {"Петров", "Evans"}  # Zimmer's payment changed no badge
    assert [r.family_name for r in await select_delegates(settings, network="leadership")] == ["Evans"]

    renderer = InProcessRenderer(header_for(load_congress()), font_cache=settings.font_cache)
    done: list[int] = []
    paths = await print_sheets(
        renderer,
        rows,
        congress_home / "out",
        secret="s",
        per_file=2,
        advance=done.append,
    )
    assert [p.name for p in paths] == ["sheets-001.pdf", "sheets-002.pdf"] and sum(done) == 4
    info = poppler("pdfinfo", paths[0])
    assert "Pages:           1" in info and "A4" in info
    text = poppler("pdftotext", paths[0], "-") + poppler("pdftotext", paths[1], "-")
    positions = [text.index(name) for name in ("Ångström", "Evans", "Петров", "Zimmer")]
    assert positions == sorted(positions)  # Ångström sorts as angstrom, Петров as petrov
    css_problems = [r.getMessage() for r in caplog.records if r.name.startswith("weasyprint")]
    assert css_problems == []  # every rule of badge.css is understood (ribbon patterns included)


def test_cli_wants_a_selection() -> None:
    result = CliRunner().invoke(app, ["print"])
    assert result.exit_code != 0
    result = CliRunner().invoke(app, ["print", "--all", "--sort", "shoe_size"])
    assert result.exit_code != 0
