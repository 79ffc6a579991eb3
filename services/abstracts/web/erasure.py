"""The organisers' erasure of a person the call for papers knows by email (an author who never registered, a
reviewer): a form, a page saying what will happen with the fields repeated and ``confirm=yes``, then the erasure
(``commands.erasure``, audited). The delegate's erasure reaches abstracts by ``RegistrationErased`` instead."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field

from services.abstracts.commands import erasure
from services.abstracts.commands.context import Deps
from services.abstracts.web.api_docs import ORGANISER
from services.common.audit import Actor
from services.common.organiser_sessions import OrganiserSessions, organiser_actor, require_organiser
from services.common.text import SingleLine

PAGE = "organiser_erase.html"


class EraseIn(BaseModel):
    """Who to erase and why (the reason goes into the audit record)."""

    email: str = Field(min_length=3, max_length=320, description="The author's or reviewer's email address.")
    reason: SingleLine = Field(min_length=1, max_length=500, description="Why (e.g. the person's request, dated).")


class ErasedOut(BaseModel):
    abstracts: int = Field(description="Abstracts whose author entries or submitter address were the person's.")
    reviewer: bool = Field(description="Whether a reviewer record was erased.")


def erasure_router(deps: Deps, sessions: OrganiserSessions, templates: Jinja2Templates) -> APIRouter:
    router = APIRouter(tags=["organisers"])
    organiser = Depends(require_organiser(sessions))
    acting = Depends(organiser_actor(sessions))

    def page(request: Request, context: dict[str, object], status: int = 200) -> Response:
        values = {"email": "", "reason": "", "error": "", "preview": None, "done": None} | context
        return templates.TemplateResponse(request, PAGE, values, status_code=status)

    @router.get("/organiser/erase-person", include_in_schema=False)
    async def form(request: Request, who: str = organiser) -> Response:
        return page(request, {"organiser": who})

    @router.post("/organiser/erase-person", include_in_schema=False)
    async def erase_page(request: Request, who: str = organiser, actor: Actor = acting) -> Response:
        raw = await request.form()
        email, reason = str(raw.get("email", "")).strip(), str(raw.get("reason", "")).strip()
        shown: dict[str, object] = {"email": email, "reason": reason, "organiser": who}
        if not deps.is_email(email) or not reason or len(reason) > 500:
            error = "Give the person's email address and the reason for the erasure."
            return page(request, shown | {"error": error}, 422)
        if raw.get("confirm") != "yes":
            return page(request, shown | {"preview": await erasure.preview(deps, email)})
        done = await erasure.erase_by_email(deps, email, actor, reason)
        return page(request, {"done": done, "organiser": who})

    @router.post("/api/organiser/people/erase", response_model=ErasedOut, responses=ORGANISER)
    async def api_erase(body: EraseIn, actor: Actor = acting) -> ErasedOut:
        """Erase an author or reviewer known by this address (see docs/privacy.md for what a published programme
        keeps). Audited with the reason."""
        if not deps.is_email(body.email):
            raise HTTPException(422, "email: not an email address")
        done = await erasure.erase_by_email(deps, body.email, actor, body.reason)
        return ErasedOut(abstracts=done.abstracts, reviewer=done.reviewers > 0)

    return router
