"""The reviewer's profile and bids (portal link, no account): pages and JSON.

Bids are made on the undecided abstracts of the reviewer's networks, shown through ``review.blind()`` — title,
keywords and text, never an author. Registered before the review pages, whose ``/review/<token>/<abstract id>``
would otherwise take ``profile`` and ``bids`` for abstract ids.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field

from services.abstracts.commands import profiles, reviewing
from services.abstracts.commands.context import Deps
from services.abstracts.domain.errors import Rejected
from services.abstracts.domain.reviewer_profile import BIDS
from services.abstracts.web.api_docs import REVIEWER_LINK
from services.abstracts.web.forms import first_error_id
from services.abstracts.web.pages import problem
from services.abstracts.web.review import blind

BID_LABELS: tuple[tuple[str, str], ...] = (
    ("eager", "Eager"),
    ("willing", "Willing"),
    ("none", "No bid"),
    ("not_willing", "Not willing"),
    ("conflict", "Conflict: I must not review it"),
)
Short = Annotated[str, Field(max_length=300)]


PROFILE_BODY_LIMIT = 1024 * 1024
"""A profile at its largest (60 keywords, 5 own abstracts of 5,000 characters, 50 conflicts) is about 46,000
characters, up to ~550 KB as JSON escapes: above the 64 KiB default, so a too-long item gets its 422 naming it."""


class ProfileIn(BaseModel):
    keywords: list[Annotated[str, Field(max_length=100)]] = Field(default_factory=list, max_length=60)
    own_abstracts: list[Annotated[str, Field(max_length=5000)]] = Field(default_factory=list, max_length=5)
    max_load: int | None = Field(default=None, ge=1, le=1000, description="None: the network's default.")
    country: str = Field(default="", max_length=2, description="ISO 3166-1 alpha-2 of your institution.")
    conflicts: list[Short] = Field(default_factory=list, max_length=50, description="People and institutions.")

    def typed(self) -> profiles.Typed:
        load = "" if self.max_load is None else str(self.max_load)
        return profiles.Typed(self.keywords, self.own_abstracts, load, self.country, "\n".join(self.conflicts))


class BidsIn(BaseModel):
    bids: dict[Annotated[str, Field(max_length=40)], Annotated[str, Field(max_length=20)]] = Field(
        max_length=2000, description=f"Abstract id → one of {', '.join(BIDS)} or none."
    )


def profile_router(deps: Deps, templates: Jinja2Templates) -> APIRouter:
    router = APIRouter()

    async def profile_page(request: Request, token: str, values: Any = None, errors: Any = None) -> Response:
        reviewer = await reviewing.reviewer_for(deps, token)
        seen = await profiles.view(deps, reviewer)
        p = seen.profile
        shown = values or {
            "keywords": list(p.keywords),
            "own_abstracts": list(p.own_abstracts),
            "max_load": "" if p.max_load is None else str(p.max_load),
            "country": p.country or "",
            "conflicts": "\n".join(p.conflicts),
        }
        context = {
            "token": token,
            "reviewer": reviewer,
            "cap": seen.cap,
            "choices": sorted(set(seen.keyword_choices) | set(shown["keywords"]), key=str.casefold),
            "values": shown,
            "errors": errors or {},
            "focus": first_error_id(errors or {}),
            "message": request.query_params.get("message", ""),
        }
        return templates.TemplateResponse(request, "review_profile.html", context, status_code=422 if errors else 200)

    @router.get("/review/{token}/profile", include_in_schema=False)
    async def show_profile(request: Request, token: str) -> Response:
        return await profile_page(request, token)

    @router.post("/review/{token}/profile", include_in_schema=False, max_body_size=PROFILE_BODY_LIMIT)
    async def post_profile(request: Request, token: str) -> Response:
        reviewer = await reviewing.reviewer_for(deps, token)
        form = await request.form()
        extra = str(form.get("other_keywords", ""))[:3000].split(",")
        typed = profiles.Typed(
            keywords=[str(k)[:100] for k in form.getlist("keywords")][:60] + [k[:100] for k in extra][:30],
            own_abstracts=[str(form.get(f"own_{i}", ""))[:6000] for i in range(3)],
            max_load=str(form.get("max_load", ""))[:10],
            country=str(form.get("country", ""))[:2],
            conflicts=str(form.get("conflicts", ""))[:16000],
        )
        values = vars(typed) | {"keywords": [k.strip() for k in typed.keywords if k.strip()]}
        try:
            await profiles.save_profile(deps, reviewer, typed)
        except Rejected as exc:
            return await profile_page(request, token, values=values, errors=exc.errors)
        return RedirectResponse(f"/review/{token}/profile?message={quote('Your profile is saved.')}", status_code=303)

    @router.get("/review/{token}/bids", include_in_schema=False)
    async def show_bids(request: Request, token: str) -> Response:
        reviewer = await reviewing.reviewer_for(deps, token)
        abstracts, mine = await profiles.biddable(deps, reviewer)
        context = {
            "token": token,
            "items": [blind(deps, reviewing.Assigned(a)) for a in abstracts],
            "mine": mine,
            "labels": BID_LABELS,
            "message": request.query_params.get("message", ""),
        }
        return templates.TemplateResponse(request, "review_bids.html", context)

    @router.post("/review/{token}/bids", include_in_schema=False)
    async def post_bids(request: Request, token: str) -> Response:
        reviewer = await reviewing.reviewer_for(deps, token)
        form = await request.form()
        chosen = {k.removeprefix("bid."): str(v) for k, v in form.multi_items() if k.startswith("bid.")}
        saved = await profiles.save_bids(deps, reviewer, dict(list(chosen.items())[:2000]))
        return RedirectResponse(f"/review/{token}/bids?message={quote(f'{saved} bid(s) saved.')}", status_code=303)

    api(router, deps)
    return router


def api(router: APIRouter, deps: Deps) -> None:
    @router.get("/api/review/{token}/profile", tags=["reviewers"], responses=REVIEWER_LINK)
    async def get_profile(token: str) -> dict[str, Any]:
        """The reviewer's profile, the most load they may set, and their networks' keywords."""
        seen = await profiles.view(deps, await reviewing.reviewer_for(deps, token))
        p = seen.profile
        return {
            "keywords": list(p.keywords),
            "own_abstracts": list(p.own_abstracts),
            "max_load": p.max_load,
            "country": p.country,
            "conflicts": list(p.conflicts),
            "load_cap": seen.cap,
            "keyword_choices": list(seen.keyword_choices),
        }

    @router.put(
        "/api/review/{token}/profile", tags=["reviewers"], responses=REVIEWER_LINK, max_body_size=PROFILE_BODY_LIMIT
    )
    async def put_profile(token: str, body: ProfileIn) -> Any:
        reviewer = await reviewing.reviewer_for(deps, token)
        try:
            await profiles.save_profile(deps, reviewer, body.typed())
        except Rejected as exc:
            return problem(422, "Your profile has problems", exc.errors)
        return {"reviewer_id": reviewer["id"], "status": "saved"}

    @router.get("/api/review/{token}/bids", tags=["reviewers"], responses=REVIEWER_LINK)
    async def get_bids(token: str) -> dict[str, Any]:
        """The undecided abstracts of the reviewer's networks, blind, each with their bid."""
        reviewer = await reviewing.reviewer_for(deps, token)
        abstracts, mine = await profiles.biddable(deps, reviewer)
        items = [blind(deps, reviewing.Assigned(a)) | {"bid": mine.get(a.id, "none")} for a in abstracts]
        return {"abstracts": [{k: v for k, v in i.items() if k != "my_review"} for i in items]}

    @router.put("/api/review/{token}/bids", tags=["reviewers"], responses=REVIEWER_LINK)
    async def put_bids(token: str, body: BidsIn) -> Any:
        reviewer = await reviewing.reviewer_for(deps, token)
        try:
            saved = await profiles.save_bids(deps, reviewer, body.bids)
        except Rejected as exc:
            return problem(422, "Some bids cannot be made", exc.errors)
        return {"reviewer_id": reviewer["id"], "saved": saved}
