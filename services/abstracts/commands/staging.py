"""Stage decisions — one abstract, selected rows, the top N of a network, everything above a calibrated score —
and revise or withdraw them freely: nothing is decided or sent until they are released (``releasing``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from schemas.abstracts import AbstractFormat
from services.abstracts.commands import audited, overview
from services.abstracts.commands.context import Deps
from services.abstracts.domain import staging
from services.abstracts.domain.abstract import Status
from services.abstracts.domain.errors import NotAllowed, NotFound
from services.abstracts.domain.staging import Choice, Staged
from services.common.audit import Actor


@dataclass(frozen=True)
class Intent:
    """What to stage: accept (in a format; the asked one if None), reject, or move to a network."""

    choice: Choice
    format: AbstractFormat | None = None
    to_network: str | None = None


async def stage(deps: Deps, abstract_ids: Sequence[str], intent: Intent, actor: Actor) -> list[Staged]:
    """Stage ``intent`` on each abstract (replacing what was staged); all or none, with the first reason."""
    if not abstract_ids:
        raise NotAllowed("choose at least one abstract")
    out: list[Staged] = []
    async with deps.units() as unit:
        for abstract_id in dict.fromkeys(abstract_ids):
            abstract = await unit.abstracts.get(abstract_id)
            if abstract is None:
                raise NotFound(abstract_id)
            staged = Staged(
                abstract_id=abstract_id,
                choice=intent.choice,
                format=intent.format if intent.choice is Choice.ACCEPT else None,
                to_network=intent.to_network if intent.choice is Choice.MOVE else None,
                staged_by=actor.name,
                staged_at=deps.clock(),
            )
            staging.check(abstract, staged, deps.config.network_names)
            await unit.staged.stage(staged)
            audited.note(
                deps,
                unit,
                "abstracts.decision.stage",
                actor,
                abstract_id,
                choice=staged.choice.value,
                format=staged.format.value if staged.format else None,
                to_network=staged.to_network,
            )
            out.append(staged)
    return out


async def stage_top(deps: Deps, network: str, n: int, intent: Intent, actor: Actor) -> list[Staged]:
    """Stage ``intent`` on the ``n`` undecided abstracts of ``network`` best by calibrated score."""
    chosen = staging.top(await _ranked(deps, network), n)
    if not chosen:
        raise NotAllowed(f"no undecided abstract of {network or 'any network'} has a review yet")
    return await stage(deps, chosen, intent, actor)


async def stage_above(deps: Deps, network: str, threshold: float, intent: Intent, actor: Actor) -> list[Staged]:
    """Stage ``intent`` on every undecided abstract of ``network`` (all if empty) scored above ``threshold``."""
    chosen = staging.above(await _ranked(deps, network), threshold)
    if not chosen:
        raise NotAllowed(
            f"no undecided abstract of {network or 'any network'} has a calibrated score above {threshold}"
        )
    return await stage(deps, chosen, intent, actor)


async def unstage(deps: Deps, abstract_id: str, actor: Actor) -> None:
    """Forget what was staged for the abstract."""
    async with deps.units() as unit:
        if not await unit.staged.unstage(abstract_id):
            raise NotFound(abstract_id)
        audited.note(deps, unit, "abstracts.decision.unstage", actor, abstract_id)


async def staged_rows(deps: Deps, network: str = "") -> list[dict[str, Any]]:
    """What is staged (of ``network``, or all), with each abstract's reference, title, network and status."""
    async with deps.units.reading() as unit:
        staged = await unit.staged.staged()
        abstracts = {a.id: a for a in await unit.abstracts.listing(network=network or None)}
    return [
        {
            "abstract_id": s.abstract_id,
            "reference": abstracts[s.abstract_id].reference,
            "title": abstracts[s.abstract_id].title,
            "network": abstracts[s.abstract_id].network,
            "status": abstracts[s.abstract_id].status.value,
            "choice": s.choice.value,
            "format": s.format.value if s.format else None,
            "to_network": s.to_network,
            "staged_by": s.staged_by,
            "staged_at": s.staged_at,
        }
        for s in staged
        if s.abstract_id in abstracts
    ]


async def _ranked(deps: Deps, network: str) -> list[staging.Ranked]:
    rows = await overview.table(deps, network=network)
    return [
        staging.Ranked(r["abstract_id"], r["reference"], r["calibrated"], r["status"] is Status.SUBMITTED) for r in rows
    ]
