"""Release staged decisions — a network's or the whole call's — in one unit of work: each abstract decided
(``AbstractDecided`` with the release's id) or moved (``AbstractMoved``), and one ``DecisionsReleased`` per
person, so each author hears once per release. A staged decision that can no longer apply (the abstract was
withdrawn meanwhile) is dropped and said so."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from schemas.abstracts import Outcome
from services.abstracts.commands import audited
from services.abstracts.commands.context import Deps
from services.abstracts.domain import release, reviews
from services.abstracts.domain.errors import NotAllowed
from services.common.audit import Actor
from services.common.db import new_id

log = logging.getLogger("congress.abstracts")


@dataclass(frozen=True)
class Release:
    """What a release did."""

    release_id: str
    decided: int
    moved: int
    letters: int
    corrections: int
    dropped: list[str] = field(default_factory=list)
    """Staged decisions that could not apply, each "reference: why"."""


async def release_staged(deps: Deps, network: str, actor: Actor) -> Release:
    """Release what is staged for abstracts of ``network`` (every network if empty); 409 when nothing is."""
    ctx = release.Context(deps.congress.id, new_id("rel"), actor.name, deps.clock())
    done: list[release.Released] = []
    dropped: list[str] = []
    handled: list[str] = []
    async with deps.units() as unit:
        for staged in await unit.staged.staged():
            abstract = await unit.abstracts.get(staged.abstract_id)
            if abstract is not None and network and abstract.network != network:
                continue
            handled.append(staged.abstract_id)
            if abstract is None:
                continue
            counted = await unit.abstracts.reviews_of(abstract.id)
            mean = reviews.mean_score(r["scores"] for r in counted)
            try:
                released, event = release.apply(
                    abstract, staged, mean, [r["comments_to_authors"] for r in counted], ctx
                )
            except NotAllowed as exc:
                dropped.append(f"{abstract.reference}: {exc}")
                continue
            if not await unit.abstracts.save(released.after, was=abstract.status):
                raise NotAllowed(f"{abstract.reference} changed meanwhile; nothing was released, try again")
            unit.stage(event)
            done.append(released)
            audited.note(
                deps,
                unit,
                "abstracts.decision.release",
                actor,
                abstract.id,
                outcome=released.outcome.value,
                release=ctx.release_id,
                correction=not released.before.is_open,
            )
        if not handled:
            raise NotAllowed(f"nothing is staged{' in ' + network if network else ''}")
        letters = release.letters(done, ctx)
        for letter in letters:
            unit.stage(letter)
        await unit.staged.drop(handled)
    moved = sum(1 for r in done if r.outcome is Outcome.MOVED)
    log.info("decisions released", extra={"release_id": ctx.release_id, "decided": len(done) - moved})
    return Release(
        release_id=ctx.release_id,
        decided=len(done) - moved,
        moved=moved,
        letters=len(letters),
        corrections=sum(1 for r in done if not r.before.is_open),
        dropped=dropped,
    )
