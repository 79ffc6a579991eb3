"""The organisers' JSON route to change a symposium's chair, discussant and papers (``commands.symposia``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from services.abstracts.commands import symposia
from services.abstracts.commands.context import Deps
from services.abstracts.domain.errors import Rejected
from services.abstracts.web.api_docs import ORGANISER
from services.abstracts.web.authors import ABSTRACT_BODY_LIMIT, SymposiumIn
from services.abstracts.web.pages import problem
from services.abstracts.web.scope import check_abstract
from services.common.audit import Actor
from services.common.organiser_sessions import OrganiserSessions, organiser_actor, organiser_grant
from services.common.roles import Grant


class SymposiumAmended(BaseModel):
    abstract_id: str
    reference: str
    content_version: int = Field(description="The symposium's version after the change.")


def symposia_router(deps: Deps, sessions: OrganiserSessions) -> APIRouter:
    router = APIRouter(tags=["organisers"])
    acting = Depends(organiser_actor(sessions))
    scoped = Depends(organiser_grant(sessions))

    @router.put(
        "/api/organiser/abstracts/{abstract_id}/symposium",
        response_model=SymposiumAmended,
        responses=ORGANISER,
        max_body_size=ABSTRACT_BODY_LIMIT,  # a symposium at its documented maximum fits
    )
    async def api_amend(abstract_id: str, body: SymposiumIn, actor: Actor = acting, grant: Grant = scoped) -> Any:
        """Change a symposium's chair, discussant and papers (all of them again), also once it is accepted,
        until the programme is first published (then 409)."""
        await check_abstract(deps, grant, abstract_id)
        try:
            done = await symposia.amend(deps, abstract_id, body.draft(), actor)
        except Rejected as exc:
            return problem(422, "The symposium has problems", exc.errors)
        return {"abstract_id": abstract_id, "reference": done.reference, "content_version": done.content_version}

    return router
