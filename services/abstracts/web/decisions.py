"""Staged decisions and their release: the organisers' page and JSON.

Staging (conveners, for their network) and releasing (the programme chair) are separate routes, so the
route-access table can give them to different roles. Nothing reaches an author until a release.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field, ValidationError

from schemas.abstracts import AbstractFormat
from services.abstracts.commands import overview, releasing, staging
from services.abstracts.commands.context import Deps
from services.abstracts.domain.errors import NotAllowed
from services.abstracts.domain.staging import Choice, Staged
from services.abstracts.web.api_docs import ORGANISER, ORGANISER_READ
from services.abstracts.web.scope import check_abstract, visible_abstracts
from services.common.audit import Actor
from services.common.organiser_sessions import OrganiserSessions, organiser_actor, organiser_grant, require_organiser
from services.common.roles import Grant


class StageIn(BaseModel):
    """Which abstracts (listed, the top N of a network, or all above a calibrated score) and what to stage."""

    choice: Choice = Field(description="accept, reject, or move to another network.")
    format: AbstractFormat | None = Field(default=None, description="accept: the format; the asked one if omitted.")
    to_network: str | None = Field(default=None, max_length=40, description="move: the network it goes to.")
    abstract_ids: list[Annotated[str, Field(max_length=40)]] = Field(default_factory=list, max_length=2000)
    network: str = Field(default="", max_length=40, description="For top/above: the network (all if empty).")
    top: int | None = Field(default=None, ge=1, le=10000, description="Stage the N best by calibrated score.")
    above: float | None = Field(default=None, ge=0, le=10, description="Stage every one above this calibrated score.")

    def intent(self) -> staging.Intent:
        return staging.Intent(self.choice, self.format, self.to_network or None)


class ReleaseIn(BaseModel):
    network: str = Field(
        default="", max_length=40, description="Release this network's staged decisions; all if empty."
    )


class StagedOut(BaseModel):
    staged: list[str] = Field(description="The abstracts now staged by this request.")


class ReleaseOut(BaseModel):
    release_id: str
    decided: int = Field(description="Abstracts accepted or rejected.")
    moved: int = Field(description="Abstracts moved to another network.")
    letters: int = Field(description="People told (one message each).")
    corrections: int = Field(description="Decisions that changed an earlier release's.")
    dropped: list[str] = Field(description="Staged decisions that could not apply, with the reason.")


async def check_stage(deps: Deps, grant: Grant, body: StageIn) -> None:
    """A convener stages for their own network(s) only: a named network of theirs for top/above, and only
    their networks' abstracts when listed (another network's answers 404, as everywhere in abstracts)."""
    if grant.networks is None:
        return
    if body.top is not None or body.above is not None:
        if body.network not in grant.networks:
            raise HTTPException(403, "A convener stages for their own network: choose it.")
        return
    for abstract_id in body.abstract_ids:
        await check_abstract(deps, grant, abstract_id)


async def run_stage(deps: Deps, body: StageIn, actor: Actor, grant: Grant) -> list[Staged]:
    await check_stage(deps, grant, body)
    if body.top is not None:
        return await staging.stage_top(deps, body.network, body.top, body.intent(), actor)
    if body.above is not None:
        return await staging.stage_above(deps, body.network, body.above, body.intent(), actor)
    return await staging.stage(deps, body.abstract_ids, body.intent(), actor)


def decisions_router(deps: Deps, sessions: OrganiserSessions, templates: Jinja2Templates) -> APIRouter:
    router = APIRouter(tags=["organisers"])
    organiser = Depends(require_organiser(sessions))
    acting = Depends(organiser_actor(sessions))
    scoped = Depends(organiser_grant(sessions))

    async def staged_of(network: str, grant: Grant) -> list[dict[str, Any]]:
        return visible_abstracts(grant, await staging.staged_rows(deps, network))

    @router.get("/organiser/decisions", include_in_schema=False)
    async def page(
        request: Request, network: str = "", message: str = "", who: str = organiser, grant: Grant = scoped
    ) -> Response:
        context = {
            "rows": visible_abstracts(grant, await overview.table(deps, network=network, order="calibrated")),
            "staged": {s["abstract_id"]: s for s in await staged_of(network, grant)},
            "network": network,
            "message": message,
            "organiser": who,
            "formats": [f.value for f in AbstractFormat],
        }
        return templates.TemplateResponse(request, "organiser_decisions.html", context)

    def back(network: str, message: str) -> Response:
        return RedirectResponse(f"/organiser/decisions?network={quote(network)}&message={quote(message)}", 303)

    @router.post("/organiser/decisions/stage", include_in_schema=False)
    async def stage_page(request: Request, actor: Actor = acting, grant: Grant = scoped) -> Response:
        form = await request.form()
        mode = str(form.get("mode", "selected"))
        raw: dict[str, Any] = {
            "choice": form.get("choice"),
            "format": form.get("format") or None,
            "to_network": form.get("to_network") or None,
            "network": str(form.get("network", "")),
            "abstract_ids": [str(v) for v in form.getlist("abstract_id")] if mode == "selected" else [],
            "top": form.get("top") or None if mode == "top" else None,
            "above": form.get("above") or None if mode == "above" else None,
        }
        try:
            body = StageIn.model_validate(raw)
            done = await run_stage(deps, body, actor, grant)
        except ValidationError:
            return back(raw["network"], "Not staged: choose what to stage, and a number where one is asked.")
        except NotAllowed as exc:
            return back(raw["network"], f"Not staged: {exc}.")
        return back(body.network, f"{len(done)} decision(s) staged; nobody is told until they are released.")

    @router.post("/organiser/decisions/{abstract_id}/unstage", include_in_schema=False)
    async def unstage_page(
        request: Request, abstract_id: str, actor: Actor = acting, grant: Grant = scoped
    ) -> Response:
        form = await request.form()
        await check_abstract(deps, grant, abstract_id)
        await staging.unstage(deps, abstract_id, actor)
        return back(str(form.get("network", "")), "The staged decision was withdrawn.")

    @router.post("/organiser/decisions/release", include_in_schema=False)
    async def release_page(request: Request, actor: Actor = acting) -> Response:
        network = str((await request.form()).get("network", ""))
        try:
            done = await releasing.release_staged(deps, network, actor)
        except NotAllowed as exc:
            return back(network, f"Not released: {exc}.")
        message = f"Released: {done.decided} decided, {done.moved} moved; {done.letters} people told once each."
        if done.dropped:
            message += " Dropped: " + "; ".join(done.dropped) + "."
        return back(network, message)

    @router.get("/api/organiser/decisions", responses=ORGANISER_READ)
    async def api_staged(network: str = "", who: str = organiser, grant: Grant = scoped) -> list[dict[str, Any]]:
        """What is staged and not yet released (of a network, or all; a convener's networks only)."""
        return await staged_of(network, grant)

    @router.post("/api/organiser/decisions/stage", response_model=StagedOut, responses=ORGANISER)
    async def api_stage(body: StageIn, actor: Actor = acting, grant: Grant = scoped) -> StagedOut:
        """Stage a decision on listed abstracts, the top N of a network or all above a score; replaces what was
        staged for them. Nothing is sent."""
        return StagedOut(staged=[s.abstract_id for s in await run_stage(deps, body, actor, grant)])

    @router.delete("/api/organiser/decisions/{abstract_id}", status_code=204, responses=ORGANISER)
    async def api_unstage(abstract_id: str, actor: Actor = acting, grant: Grant = scoped) -> Response:
        await check_abstract(deps, grant, abstract_id)
        await staging.unstage(deps, abstract_id, actor)
        return Response(status_code=204)

    @router.post("/api/organiser/decisions/release", response_model=ReleaseOut, responses=ORGANISER)
    async def api_release(body: ReleaseIn, actor: Actor = acting) -> ReleaseOut:
        """Release a network's (or every) staged decision together: each person is told once."""
        done = await releasing.release_staged(deps, body.network, actor)
        return ReleaseOut(**vars(done))

    return router
