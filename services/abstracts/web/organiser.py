"""Organiser pages and API: the abstracts table, reviewers, assignment, unassignment and decisions.

Every route needs the organiser sign-in (``services.common.auth``: cookie or Bearer token).
Decisions are final here: a decided abstract answers 409 (see docs/abstracts.md).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field, ValidationError

from schemas.abstracts import AbstractFormat, Decision
from schemas.audit import ActorKind
from services.abstracts.commands import assignment, deciding, overview, reviewers
from services.abstracts.commands.context import Deps, Row
from services.abstracts.commands.links import portal_link
from services.abstracts.domain.abstract import Status
from services.abstracts.domain.assignment import AssignmentPlan
from services.abstracts.domain.errors import NotAllowed, Rejected
from services.abstracts.web.api_docs import (
    ORGANISER,
    ORGANISER_READ,
    AbstractRow,
    Assignment,
    Decided,
    ReviewerAdded,
    ReviewerRevoked,
    ReviewerRow,
    Unassigned,
)
from services.abstracts.web.organiser_reviewers import ReviewerIn, reviewer_pages
from services.abstracts.web.pages import problem
from services.abstracts.web.route_access import ROUTES
from services.abstracts.web.scope import (
    check_abstract,
    check_new_reviewer,
    check_reviewer,
    visible_abstracts,
    visible_reviewers,
)
from services.common.accounts import shown_actor
from services.common.audit import Actor
from services.common.organiser_sessions import OrganiserSessions, organiser_actor, organiser_grant, require_organiser
from services.common.paging import MAX_PAGE, MAX_PAGE_SIZE, Paging
from services.common.roles import Grant, opens
from services.common.sortable import column_links
from services.common.text import SingleLine, clean_for_display

STATUSES = tuple(s.value for s in Status)
PAGE_SIZE = 50
"""Abstracts on one page of the organisers' table unless ``size`` asks otherwise."""
COLUMNS = (
    ("reference", "Reference"),
    ("network", "Network"),
    ("format", "Format"),
    ("title", "Title"),
    ("status", "Status"),
    ("reviews", "Reviews"),
    ("mean", "Mean score"),
    ("calibrated", "Calibrated"),
)


def sort_links(chosen: dict[str, str]) -> list[tuple[str, str, str]]:
    """Each column's key, heading and the URL that sorts by it (``services.common.sortable``); a column sort
    ends the calibrated ``order``."""
    descending = chosen["dir"] == "desc"
    return column_links(
        "/organiser/abstracts", COLUMNS, chosen, current=chosen["sort"], descending=descending, reset=("order",)
    )


class DecisionIn(BaseModel):
    decision: Decision
    format: AbstractFormat | None = Field(default=None, description="Accepted format; the asked one if omitted.")


class UnassignIn(BaseModel):
    reviewer_id: str = Field(max_length=40)
    reason: SingleLine = Field(default="", max_length=500)


def organiser_router(deps: Deps, sessions: OrganiserSessions, templates: Jinja2Templates) -> APIRouter:
    router = APIRouter(tags=["organisers"])
    organiser = Depends(require_organiser(sessions))
    acting = Depends(organiser_actor(sessions))
    scoped = Depends(organiser_grant(sessions))

    async def abstracts_page(
        request: Request,
        who: str,
        filters: dict[str, str],
        grant: Grant | None = None,
        page: int = 1,
        size: int = PAGE_SIZE,
        **extra: Any,
    ) -> Response:
        chosen = {"network": "", "status": "", "order": "", "q": "", "sort": "", "dir": ""} | filters
        rows = await overview.table(
            deps,
            chosen["network"],
            chosen["status"],
            chosen["order"],
            q=chosen["q"],
            sort=chosen["sort"],
            descending=chosen["dir"] == "desc",
        )
        rows = visible_abstracts(grant, rows) if grant is not None else rows
        paging = Paging.of(page, size, len(rows), "/organiser/abstracts", **chosen)
        shown = rows[paging.offset : paging.offset + paging.size]
        context = {"rows": shown, "paging": paging, "shown": paging.summary(len(shown)), "statuses": STATUSES}
        context |= {"organiser": who, "columns": sort_links(chosen), **chosen}
        return templates.TemplateResponse(request, "organiser_abstracts.html", context | {"message": ""} | extra)

    @router.get("/organiser/abstracts", include_in_schema=False)
    async def page(
        request: Request,
        network: str = "",
        status: str = "",
        order: str = "",
        q: str = "",
        sort: str = "",
        dir: str = "",
        message: str = "",
        page: int = Query(1, ge=1, le=MAX_PAGE),
        size: int = Query(PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE),
        who: str = organiser,
        grant: Grant = scoped,
    ) -> Any:
        filters = {
            "network": clean_for_display(network)[:40],
            "status": clean_for_display(status)[:20],
            "order": "calibrated" if order == "calibrated" else "",
            "q": clean_for_display(q)[:200],
            "sort": sort if sort in overview.SORTS else "",
            "dir": "desc" if dir == "desc" else "",
        }
        return await abstracts_page(request, who, filters, grant, page, size, message=clean_for_display(message)[:300])

    @router.post("/organiser/abstracts/assign", include_in_schema=False)
    async def assign_page(request: Request, who: str = organiser, actor: Actor = acting) -> Response:
        plan = await assignment.assign_all(deps, actor)
        message = f"{len(plan.pairs)} assignment(s) made."
        if plan.fallbacks:
            message += f" {len(plan.fallbacks)} of them from another network (its own could not fill the abstract)."
        return await abstracts_page(request, who, {"network": "", "status": ""}, message=message, plan=plan)

    @router.get("/organiser/abstracts/{abstract_id}", include_in_schema=False)
    async def detail(
        request: Request, abstract_id: str, message: str = "", who: str = organiser, grant: Grant = scoped
    ) -> Response:
        await check_abstract(deps, grant, abstract_id)
        seen = await overview.detail(deps, abstract_id)
        context = {"row": seen.abstract, "reviewers": seen.reviewers, "mean": seen.mean, "fit": seen.fit}
        context |= {"calibrated": seen.calibrated, "session": seen.session}
        decider = seen.abstract.decided_by  # the deciding organiser's account id (an address before decision 75)
        shown = shown_actor(sessions.accounts, ActorKind.ORGANISER, decider) if decider else ""
        context |= {"message": message, "organiser": who, "decided_by": shown}
        context["may_decide"] = opens(ROUTES, grant.roles, "POST", "/organiser/abstracts/{abstract_id}/decide")
        return templates.TemplateResponse(request, "organiser_abstract.html", context)

    @router.post("/organiser/abstracts/{abstract_id}/decide", include_in_schema=False)
    async def decide_page(request: Request, abstract_id: str, actor: Actor = acting, grant: Grant = scoped) -> Response:
        await check_abstract(deps, grant, abstract_id)
        form = await request.form()
        try:
            body = DecisionIn.model_validate({"decision": form.get("decision"), "format": form.get("format") or None})
        except ValidationError as exc:
            raise NotAllowed("choose Accept or Reject, and a format") from exc
        decided = await deciding.decide(deps, abstract_id, body.decision, body.format, actor)
        message = quote(f"{decided.reference} {decided.status}.")
        return RedirectResponse(f"/organiser/abstracts/{abstract_id}?message={message}", status_code=303)

    @router.post("/organiser/abstracts/{abstract_id}/ask-another", include_in_schema=False)
    async def ask_another_page(abstract_id: str, actor: Actor = acting, grant: Grant = scoped) -> Response:
        await check_abstract(deps, grant, abstract_id)
        plan = await assignment.ask_another(deps, abstract_id, actor)
        message = "One more reviewer asked; the invitation is on its way." if plan.pairs else ""
        message = message or f"Nobody more could be asked: {plan.shortfalls[0].reason}."
        return RedirectResponse(f"/organiser/abstracts/{abstract_id}?message={quote(message)}", status_code=303)

    @router.post("/organiser/abstracts/{abstract_id}/unassign", include_in_schema=False)
    async def unassign_page(
        request: Request, abstract_id: str, actor: Actor = acting, grant: Grant = scoped
    ) -> Response:
        await check_abstract(deps, grant, abstract_id)
        form = await request.form()
        reviewer_id, reason = str(form.get("reviewer_id", "")), str(form.get("reason", ""))
        await assignment.unassign(deps, abstract_id, reviewer_id, reason, actor)
        return RedirectResponse(f"/organiser/abstracts/{abstract_id}?message=Reviewer+taken+off.", status_code=303)

    reviewer_pages(router, deps, organiser, acting, scoped, templates)
    organiser_api(router, deps, organiser, acting, scoped)
    return router


def organiser_api(router: APIRouter, deps: Deps, organiser: Any, acting: Any, scoped: Any) -> None:
    @router.get("/api/organiser/abstracts", response_model=list[AbstractRow], responses=ORGANISER_READ)
    async def api_list(
        network: str = "", status: str = "", order: str = "", who: str = organiser, grant: Grant = scoped
    ) -> list[dict[str, Any]]:
        """The abstracts; ``order=calibrated`` ranks them by the calibrated score. A convener sees their networks'."""
        return visible_abstracts(grant, await overview.table(deps, network, status, order))

    @router.get("/api/organiser/reviewers", response_model=list[ReviewerRow], responses=ORGANISER_READ)
    async def api_reviewers(who: str = organiser, grant: Grant = scoped) -> list[dict[str, Any]]:
        return visible_reviewers(grant, await reviewers.reviewer_rows(deps))

    @router.post("/api/organiser/reviewers", status_code=201, response_model=ReviewerAdded, responses=ORGANISER)
    async def api_add_reviewer(body: ReviewerIn, actor: Actor = acting, grant: Grant = scoped) -> Any:
        check_new_reviewer(grant, body.networks)
        try:
            row: Row = await reviewers.add_reviewer(deps, body.draft(), actor)
        except Rejected as exc:
            return problem(422, "The reviewer could not be added", exc.errors)
        return {"reviewer_id": row["id"], "portal_link": portal_link(deps, row)}

    @router.post("/api/organiser/reviewers/{reviewer_id}/revoke", responses=ORGANISER)
    async def api_revoke(reviewer_id: str, actor: Actor = acting, grant: Grant = scoped) -> ReviewerRevoked:
        await check_reviewer(deps, grant, reviewer_id)
        await reviewers.revoke_link(deps, reviewer_id, actor)
        return ReviewerRevoked(reviewer_id=reviewer_id, status="link revoked")

    @router.post("/api/organiser/assign", response_model=Assignment, responses=ORGANISER)
    async def api_assign(actor: Actor = acting) -> dict[str, Any]:
        """Give every undecided abstract its reviewers; lists those that could not get enough, with the reason."""
        return _plan_out(await assignment.assign_all(deps, actor))

    @router.post("/api/organiser/abstracts/{abstract_id}/unassign", responses=ORGANISER)
    async def api_unassign(
        abstract_id: str, body: UnassignIn, actor: Actor = acting, grant: Grant = scoped
    ) -> Unassigned:
        await check_abstract(deps, grant, abstract_id)
        await assignment.unassign(deps, abstract_id, body.reviewer_id, body.reason, actor)
        return Unassigned(abstract_id=abstract_id, reviewer_id=body.reviewer_id, status="unassigned")

    @router.post("/api/organiser/abstracts/{abstract_id}/ask-another", response_model=Assignment, responses=ORGANISER)
    async def api_ask_another(abstract_id: str, actor: Actor = acting, grant: Grant = scoped) -> dict[str, Any]:
        """One reviewer more for this abstract (e.g. its reviewers disagree), by the same engine; the reviewers
        on it stay. ``assigned`` is empty and ``shortfalls`` says why when nobody can be added."""
        await check_abstract(deps, grant, abstract_id)
        return _plan_out(await assignment.ask_another(deps, abstract_id, actor))

    @router.post("/api/organiser/abstracts/{abstract_id}/decision", response_model=Decided, responses=ORGANISER)
    async def api_decide(
        abstract_id: str, body: DecisionIn, actor: Actor = acting, grant: Grant = scoped
    ) -> dict[str, Any]:
        """Decide once; a second decision answers 409."""
        await check_abstract(deps, grant, abstract_id)
        decided = await deciding.decide(deps, abstract_id, body.decision, body.format, actor)
        return {
            "abstract_id": abstract_id,
            "reference": decided.reference,
            "status": decided.status.value,
            "decided_format": decided.decided_format.value if decided.decided_format else None,
            "mean_score": decided.mean_score,
        }


def _plan_out(plan: AssignmentPlan) -> dict[str, Any]:
    return {
        "assigned": [
            {"abstract_id": a, "reviewer_id": r, "other_network": (a, r) in plan.fallbacks} for a, r in plan.pairs
        ],
        "shortfalls": [
            {"abstract_id": s.abstract_id, "reference": s.reference, "reason": s.reason} for s in plan.shortfalls
        ],
    }
