"""The reviewer portal (signed link, no account): the abstracts assigned to them, double-blind, and the score form.

Double-blind is enforced here by construction: pages and JSON are built from ``blind()``,
which copies only the fields a reviewer may see — never an author's name, email,
affiliation or country, nor the submitter's email.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field

from schemas.abstracts import Recommendation
from schemas.access import AccessKind
from services.abstracts.commands import renewal, reviewing
from services.abstracts.commands.context import Deps, Row
from services.abstracts.domain.errors import Rejected
from services.abstracts.web.api_docs import REVIEWER_LINK, BlindAbstract, ReviewerPortal, ReviewSaved
from services.abstracts.web.forms import first_error_id, small_number
from services.abstracts.web.pages import problem

RECOMMENDATIONS = (
    (Recommendation.ACCEPT.value, "Accept"),
    (Recommendation.ACCEPT_AS_POSTER.value, "Accept as a poster"),
    (Recommendation.REJECT.value, "Reject"),
)


def blind(deps: Deps, item: reviewing.Assigned) -> dict[str, Any]:
    """What a reviewer may see of an abstract (and of their own review of it)."""
    abstract, mine = item.abstract, item.my_review
    return {
        "abstract_id": abstract.id,
        "reference": abstract.reference,
        "status": abstract.status.value,
        "format": abstract.format.value,
        "network": abstract.network,
        "network_name": deps.config.network_names.get(abstract.network, abstract.network),
        "title": abstract.title,
        "keywords": list(abstract.keywords),
        "language": abstract.language,
        "text": abstract.text,
        "papers": [{"title": p.title, "text": p.text} for p in abstract.symposium.papers] if abstract.symposium else [],
        "rubric": [c.code for c in deps.config.rubric_for(abstract.format.value)],
        "content_version": abstract.content_version,
        "reviewed": bool(mine) or bool(item.reviewed_at),
        "my_review": (
            {k: mine[k] for k in ("scores", "recommendation", "comments_to_authors", "comments_to_committee")}
            if mine
            else None
        ),
    }


class ReviewIn(BaseModel):
    scores: dict[Annotated[str, Field(max_length=40)], int | None] = Field(
        max_length=50, description="Score per rubric criterion code, 1 (weak) to 5 (excellent)."
    )
    recommendation: str = Field(max_length=40, description="accept, accept_as_poster or reject.")
    comments_to_authors: str = Field(default="", max_length=20_000)
    comments_to_committee: str = Field(default="", max_length=20_000)


async def listing(deps: Deps, reviewer: Row) -> list[dict[str, Any]]:
    """The reviewer's assigned abstracts, blind, without their texts."""
    items = await reviewing.assigned(deps, reviewer)
    return [{k: v for k, v in blind(deps, item).items() if k not in ("text", "my_review")} for item in items]


def review_router(deps: Deps, templates: Jinja2Templates) -> APIRouter:
    router = APIRouter()
    portal_pages(router, deps, templates)
    portal_api(router, deps)

    @router.post("/new-link", include_in_schema=False)
    async def new_link(request: Request) -> Response:
        """Mail a fresh reviewer or edit link in place of an expired one, to the address on record."""
        form = await request.form()
        edit = form.get("kind") == AccessKind.ABSTRACT_EDIT.value
        await renewal.renew(
            deps, AccessKind.ABSTRACT_EDIT if edit else AccessKind.REVIEWER, str(form.get("t", ""))[:2000]
        )
        return templates.TemplateResponse(request, "link_sent.html", {})

    return router


def portal_pages(router: APIRouter, deps: Deps, templates: Jinja2Templates) -> None:
    @router.get("/review/{token}", include_in_schema=False)
    async def portal(request: Request, token: str) -> Response:
        reviewer = await reviewing.reviewer_for(deps, token)
        items = await listing(deps, reviewer)
        context = {"reviewer": reviewer, "items": items, "token": token, "lang": reviewer["language"]}
        return templates.TemplateResponse(request, "review_list.html", context)

    async def page(
        request: Request, token: str, abstract_id: str, *, values: Any = None, errors: Any = None, status: int = 200
    ) -> Response:
        reviewer = await reviewing.reviewer_for(deps, token)
        item = blind(deps, await reviewing.assigned_abstract(deps, reviewer, abstract_id))
        context = {
            "item": item,
            "token": token,
            "values": values if values is not None else (item["my_review"] or {}),
            "errors": errors or {},
            "focus": first_error_id(errors or {}, aliases={"recommendation": f"rec-{RECOMMENDATIONS[0][0]}"}),
            "recommendations": RECOMMENDATIONS,
            "message": request.query_params.get("message", ""),
        }
        return templates.TemplateResponse(request, "review_abstract.html", context, status_code=status)

    @router.get("/review/{token}/{abstract_id}", include_in_schema=False)
    async def abstract_page(request: Request, token: str, abstract_id: str) -> Response:
        return await page(request, token, abstract_id)

    @router.post("/review/{token}/{abstract_id}", include_in_schema=False)
    async def review_form(request: Request, token: str, abstract_id: str) -> Response:
        reviewer = await reviewing.reviewer_for(deps, token)
        form = await request.form()
        fmt = (await reviewing.assigned_abstract(deps, reviewer, abstract_id)).abstract.format.value
        body = {
            "scores": {c: _int(str(form.get(f"scores.{c}", ""))) for c in deps.config.criteria_for(fmt)},
            **{k: str(form.get(k, "")) for k in ("recommendation", "comments_to_authors", "comments_to_committee")},
        }
        try:
            await reviewing.record_review(deps, reviewer, abstract_id, body)
        except Rejected as exc:
            return await page(request, token, abstract_id, values=body, errors=exc.errors, status=422)
        message = quote("Thank you — your review is saved. You can change it until the abstract is decided.")
        return RedirectResponse(f"/review/{token}/{abstract_id}?message={message}", status_code=303)


def portal_api(router: APIRouter, deps: Deps) -> None:
    @router.get("/api/review/{token}", tags=["reviewers"], response_model=ReviewerPortal, responses=REVIEWER_LINK)
    async def api_portal(token: str) -> Any:
        """The abstracts assigned to the reviewer this link belongs to (no author identities)."""
        reviewer = await reviewing.reviewer_for(deps, token)
        return {"reviewer_id": reviewer["id"], "abstracts": await listing(deps, reviewer)}

    @router.get(
        "/api/review/{token}/{abstract_id}", tags=["reviewers"], response_model=BlindAbstract, responses=REVIEWER_LINK
    )
    async def api_abstract(token: str, abstract_id: str) -> Any:
        """One assigned abstract, blind, with the reviewer's own review if any."""
        reviewer = await reviewing.reviewer_for(deps, token)
        return blind(deps, await reviewing.assigned_abstract(deps, reviewer, abstract_id))

    @router.post(
        "/api/review/{token}/{abstract_id}", tags=["reviewers"], response_model=ReviewSaved, responses=REVIEWER_LINK
    )
    async def api_review(token: str, abstract_id: str, body: ReviewIn) -> Any:
        """Submit or change a review while the abstract is undecided."""
        reviewer = await reviewing.reviewer_for(deps, token)
        try:
            await reviewing.record_review(deps, reviewer, abstract_id, body.model_dump())
        except Rejected as exc:
            return problem(422, "Your review has problems", exc.errors)
        return {"abstract_id": abstract_id, "reviewer_id": reviewer["id"], "status": "saved"}


def _int(value: str) -> int | None:
    return small_number(value)
