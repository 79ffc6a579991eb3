"""Organiser pages of the reviewers: the list (with a search) and a page per reviewer, holding their actions.

A reviewer's page shows their networks, load, reviews done and every abstract assigned to them (with the
abstract's status and whether they have reviewed it), each linking to the abstract's organiser page. These are
organiser pages: they show what organisers may see; reviewers never reach them (``require_organiser``).
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field

from services.abstracts.commands import reviewers
from services.abstracts.commands.context import Deps
from services.abstracts.domain.errors import Rejected
from services.abstracts.domain.submission import nfc
from services.abstracts.web.forms import first_error_id
from services.abstracts.web.scope import check_new_reviewer, check_reviewer, visible_reviewers
from services.common.audit import Actor
from services.common.folding import search_key, words
from services.common.roles import Grant
from services.common.text import clean_for_display


class ReviewerIn(BaseModel):
    name: str = Field(default="", max_length=300)
    email: str = Field(default="", max_length=320)
    affiliation: str = Field(default="", max_length=300)
    networks: list[Annotated[str, Field(max_length=40)]] = Field(default_factory=list, max_length=50)
    language: str = Field(default="en", max_length=35)

    def draft(self) -> reviewers.ReviewerDraft:
        return reviewers.ReviewerDraft(
            name=nfc(self.name),
            email=self.email.strip(),
            affiliation=nfc(self.affiliation),
            networks=tuple(self.networks),
            language=self.language,
        )


def reviewer_pages(
    router: APIRouter, deps: Deps, organiser: Any, acting: Any, scoped: Any, templates: Jinja2Templates
) -> None:

    async def render(request: Request, who: str, grant: Grant, q: str = "", **extra: Any) -> Response:
        wanted = words(q)
        rows = visible_reviewers(grant, await reviewers.reviewer_rows(deps))
        if wanted:
            keyed = [(r, search_key([r["name"], r["email"], r["affiliation"], *r["networks"]])) for r in rows]
            rows = [r for r, key in keyed if all(w in key for w in wanted)]
        context = {
            "reviewers": rows,
            "q": q,
            "values": {},
            "errors": {},
            "message": "",
            "organiser": who,
        }
        status = 422 if extra.get("errors") else 200
        return templates.TemplateResponse(request, "organiser_reviewers.html", context | extra, status_code=status)

    @router.get("/organiser/reviewers", include_in_schema=False)
    async def reviewers_page(
        request: Request, q: str = "", message: str = "", who: str = organiser, grant: Grant = scoped
    ) -> Response:
        return await render(request, who, grant, q=clean_for_display(q)[:200], message=clean_for_display(message)[:300])

    @router.get("/organiser/reviewers/{reviewer_id}", include_in_schema=False)
    async def reviewer_page(
        request: Request, reviewer_id: str, message: str = "", who: str = organiser, grant: Grant = scoped
    ) -> Response:
        await check_reviewer(deps, grant, reviewer_id)
        seen = await reviewers.reviewer_file(deps, reviewer_id)
        context = {"r": seen.reviewer, "assignments": seen.assignments, "organiser": who}
        context["message"] = clean_for_display(message)[:300]
        return templates.TemplateResponse(request, "organiser_reviewer.html", context)

    @router.post("/organiser/reviewers", include_in_schema=False)
    async def add_page(
        request: Request, who: str = organiser, actor: Actor = acting, grant: Grant = scoped
    ) -> Response:
        form = await request.form()
        body = ReviewerIn(
            **{k: str(form.get(k, "")) for k in ("name", "email", "affiliation", "language")},
            networks=[str(v) for v in form.getlist("networks")],
        )
        check_new_reviewer(grant, body.networks)
        try:
            row = await reviewers.add_reviewer(deps, body.draft(), actor)
        except Rejected as exc:
            first_network = f"net-{next(iter(deps.config.network_names), '')}"
            focus = first_error_id(exc.errors, aliases={"networks": first_network})
            return await render(request, who, grant, values=body.model_dump(), errors=exc.errors, focus=focus)
        return RedirectResponse(f"/organiser/reviewers?message={quote(row['name'] + ' added.')}", status_code=303)

    @router.post("/organiser/reviewers/{reviewer_id}/revoke", include_in_schema=False)
    async def revoke_page(request: Request, reviewer_id: str, actor: Actor = acting, grant: Grant = scoped) -> Response:
        await check_reviewer(deps, grant, reviewer_id)
        await reviewers.revoke_link(deps, reviewer_id, actor)
        back = (
            f"/organiser/reviewers/{quote(reviewer_id)}" if "page" in (await request.form()) else "/organiser/reviewers"
        )
        return RedirectResponse(f"{back}?message=The+old+link+no+longer+works.", status_code=303)
