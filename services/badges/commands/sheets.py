"""Print sheets for the registration desk: A4 files of four A6 badges, sorted, rendered on the pool."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from services.badges import domain
from services.badges.commands.badges import badge_content
from services.badges.domain import BadgeContent, DelegateRecord
from services.badges.ports import Renderer


def sortable(d: DelegateRecord) -> domain.SortablePerson:
    return domain.SortablePerson(
        d.delegate_id, d.given_name, d.family_name, d.country, d.affiliation, d.registration_number
    )


def in_network(d: DelegateRecord, network: str | None) -> bool:
    """Whether a delegate booked one of the network's add-ons (label, kind or code; folded)."""
    if network is None:
        return True
    wanted = domain.fold(network)
    codes = d.add_on_codes or ("",) * len(d.add_ons)
    return any(
        wanted in domain.fold(f"{label} {kind} {code}") for (label, kind), code in zip(d.add_ons, codes, strict=True)
    )


async def print_sheets(
    renderer: Renderer,
    rows: list[DelegateRecord],
    out_dir: Path,
    *,
    secret: str,
    sort_by: str = "surname",
    per_file: int = 100,
    advance: Callable[[int], None] = lambda n: None,
) -> list[Path]:
    """Write ``sheets-NNN.pdf`` files of A4 sheets (four A6 badges each, crop marks), sorted by ``sort_by``."""
    ordered = sorted(rows, key=lambda r: domain.sort_key(sortable(r), sort_by))
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
