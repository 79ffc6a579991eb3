"""Organiser pages and API: the abstracts table, reviewers, assignment, unassignment and decisions.

Every route needs the organiser sign-in (``services.common.auth``: cookie or Bearer token).
Decisions are final here: a decided abstract answers 409 (see docs/abstracts.md).
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field, ValidationError

from schemas.abstracts import AbstractFormat, Decision
from services.abstracts.commands import assignment, deciding, overview, reviewers
from services.abstracts.commands.context import Deps, Row
from services.abstracts.commands.links import portal_link
from services.abstracts.domain.abstract import Status
from services.abstracts.domain.assignment import AssignmentPlan
from services.abstracts.domain.errors import NotAllowed, Rejected
from services.abstracts.domain.submission import nfc
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
from services.abstracts.web.forms import first_error_id
from services.abstracts.web.pages import problem
from services.common import audit
from services.common.organiser_sessions import OrganiserSessions, require_organiser
from services.common.text import SingleLine

STATUSES = tuple(s.value for s in Status)


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


class DecisionIn(BaseModel):
    decision: Decision
    format: AbstractFormat | None = Field(default=None, description="Accepted format; the asked one if omitted.")


class UnassignIn(BaseModel):
    reviewer_id: str = Field(max_length=40)
    reason: SingleLine = Field(default="", max_length=500)


def organiser_router(deps: Deps, sessions: OrganiserSessions, templates: Jinja2Templates) -> APIRouter:
    router = APIRouter(tags=["organisers"])
    organiser = Depends(require_organiser(sessions))

    async def abstracts_page(request: Request, who: str, filters: dict[str, str], **extra: Any) -> Response:
        context = {"rows": await overview.table(deps, **filters), "statuses": STATUSES, "organiser": who, **filters}
        return templates.TemplateResponse(request, "organiser_abstracts.html", context | {"message": ""} | extra)

    @router.get("/organiser/abstracts", include_in_schema=False)
    async def page(
        request: Request,
        network: str = "",
        status: str = "",
        order: str = "",
        message: str = "",
        who: str = organiser,
    ) -> Any:
        filters = {"network": network, "status": status, "order": "calibrated" if order == "calibrated" else ""}
        return await abstracts_page(request, who, filters, message=message)

    @router.post("/organiser/abstracts/assign", include_in_schema=False)
    async def assign_page(request: Request, who: str = organiser) -> Response:
        plan = await assignment.assign_all(deps, audit.organiser(who))
        message = f"{len(plan.pairs)} assignment(s) made."
        if plan.fallbacks:
            message += f" {len(plan.fallbacks)} of them from another network (its own could not fill the abstract)."
        return await abstracts_page(request, who, {"network": "", "status": ""}, message=message, plan=plan)

    @router.get("/organiser/abstracts/{abstract_id}", include_in_schema=False)
    async def detail(request: Request, abstract_id: str, message: str = "", who: str = organiser) -> Response:
        seen = await overview.detail(deps, abstract_id)
        context = {"row": seen.abstract, "reviewers": seen.reviewers, "mean": seen.mean, "fit": seen.fit}
        context |= {"message": message, "organiser": who}
        return templates.TemplateResponse(request, "organiser_abstract.html", context)

    @router.post("/organiser/abstracts/{abstract_id}/decide", include_in_schema=False)
    async def decide_page(request: Request, abstract_id: str, who: str = organiser) -> Response:
        form = await request.form()
        try:
            body = DecisionIn.model_validate({"decision": form.get("decision"), "format": form.get("format") or None})
        except ValidationError as exc:
            raise NotAllowed("choose Accept or Reject, and a format") from exc
        decided = await deciding.decide(deps, abstract_id, body.decision, body.format, audit.organiser(who))
        message = quote(f"{decided.reference} {decided.status}.")
        return RedirectResponse(f"/organiser/abstracts/{abstract_id}?message={message}", status_code=303)

    @router.post("/organiser/abstracts/{abstract_id}/ask-another", include_in_schema=False)
    async def ask_another_page(abstract_id: str, who: str = organiser) -> Response:
        plan = await assignment.ask_another(deps, abstract_id, audit.organiser(who))
        message = "One more reviewer asked; the invitation is on its way." if plan.pairs else ""
        message = message or f"Nobody more could be asked: {plan.shortfalls[0].reason}."
        return RedirectResponse(f"/organiser/abstracts/{abstract_id}?message={quote(message)}", status_code=303)

    @router.post("/organiser/abstracts/{abstract_id}/unassign", include_in_schema=False)
    async def unassign_page(request: Request, abstract_id: str, who: str = organiser) -> Response:
        form = await request.form()
        reviewer_id, reason = str(form.get("reviewer_id", "")), str(form.get("reason", ""))
        await assignment.unassign(deps, abstract_id, reviewer_id, reason, audit.organiser(who))
        return RedirectResponse(f"/organiser/abstracts/{abstract_id}?message=Reviewer+taken+off.", status_code=303)

    reviewer_pages(router, deps, organiser, templates)
    organiser_api(router, deps, organiser)
    return router


def reviewer_pages(router: APIRouter, deps: Deps, organiser: Any, templates: Jinja2Templates) -> None:

    async def render(request: Request, who: str, **extra: Any) -> Response:
        context = {
            "reviewers": await reviewers.reviewer_rows(deps),
            "values": {},
            "errors": {},
            "message": "",
            "organiser": who,
        }
        status = 422 if extra.get("errors") else 200
        return templates.TemplateResponse(request, "organiser_reviewers.html", context | extra, status_code=status)

    @router.get("/organiser/reviewers", include_in_schema=False)
    async def reviewers_page(request: Request, message: str = "", who: str = organiser) -> Response:
        return await render(request, who, message=message)

    @router.post("/organiser/reviewers", include_in_schema=False)
    async def add_page(request: Request, who: str = organiser) -> Response:
        form = await request.form()
        body = ReviewerIn(
            **{k: str(form.get(k, "")) for k in ("name", "email", "affiliation", "language")},
            networks=[str(v) for v in form.getlist("networks")],
        )
        try:
            row = await reviewers.add_reviewer(deps, body.draft(), audit.organiser(who))
        except Rejected as exc:
            first_network = f"net-{next(iter(deps.config.network_names), '')}"
            focus = first_error_id(exc.errors, aliases={"networks": first_network})
            return await render(request, who, values=body.model_dump(), errors=exc.errors, focus=focus)
        return RedirectResponse(f"/organiser/reviewers?message={quote(row['name'] + ' added.')}", status_code=303)

    @router.post("/organiser/reviewers/{reviewer_id}/revoke", include_in_schema=False)
    async def revoke_page(reviewer_id: str, who: str = organiser) -> Response:
        await reviewers.revoke_link(deps, reviewer_id, audit.organiser(who))
        return RedirectResponse("/organiser/reviewers?message=The+old+link+no+longer+works.", status_code=303)


def organiser_api(router: APIRouter, deps: Deps, organiser: Any) -> None:
    @router.get("/api/organiser/abstracts", response_model=list[AbstractRow], responses=ORGANISER_READ)
    async def api_list(
        network: str = "", status: str = "", order: str = "", who: str = organiser
    ) -> list[dict[str, Any]]:
        """The abstracts; ``order=calibrated`` ranks them by the calibrated score."""
        return await overview.table(deps, network, status, order)

    @router.get("/api/organiser/reviewers", response_model=list[ReviewerRow], responses=ORGANISER_READ)
    async def api_reviewers(who: str = organiser) -> list[dict[str, Any]]:
        return await reviewers.reviewer_rows(deps)

    @router.post("/api/organiser/reviewers", status_code=201, response_model=ReviewerAdded, responses=ORGANISER)
    async def api_add_reviewer(body: ReviewerIn, who: str = organiser) -> Any:
        try:
            row: Row = await reviewers.add_reviewer(deps, body.draft(), audit.organiser(who))
        except Rejected as exc:
            return problem(422, "The reviewer could not be added", exc.errors)
        return {"reviewer_id": row["id"], "portal_link": portal_link(deps, row)}

    @router.post("/api/organiser/reviewers/{reviewer_id}/revoke", responses=ORGANISER)
    async def api_revoke(reviewer_id: str, who: str = organiser) -> ReviewerRevoked:
        await reviewers.revoke_link(deps, reviewer_id, audit.organiser(who))
        return ReviewerRevoked(reviewer_id=reviewer_id, status="link revoked")

    @router.post("/api/organiser/assign", response_model=Assignment, responses=ORGANISER)
    async def api_assign(who: str = organiser) -> dict[str, Any]:
        """Give every undecided abstract its reviewers; lists those that could not get enough, with the reason."""
        return _plan_out(await assignment.assign_all(deps, audit.organiser(who)))

    @router.post("/api/organiser/abstracts/{abstract_id}/unassign", responses=ORGANISER)
    async def api_unassign(abstract_id: str, body: UnassignIn, who: str = organiser) -> Unassigned:
        await assignment.unassign(deps, abstract_id, body.reviewer_id, body.reason, audit.organiser(who))
        return Unassigned(abstract_id=abstract_id, reviewer_id=body.reviewer_id, status="unassigned")

    @router.post("/api/organiser/abstracts/{abstract_id}/ask-another", response_model=Assignment, responses=ORGANISER)
    async def api_ask_another(abstract_id: str, who: str = organiser) -> dict[str, Any]:
        """One reviewer more for this abstract (e.g. its reviewers disagree), by the same engine; the reviewers
        on it stay. ``assigned`` is empty and ``shortfalls`` says why when nobody can be added."""
        return _plan_out(await assignment.ask_another(deps, abstract_id, audit.organiser(who)))

    @router.post("/api/organiser/abstracts/{abstract_id}/decision", response_model=Decided, responses=ORGANISER)
    async def api_decide(abstract_id: str, body: DecisionIn, who: str = organiser) -> dict[str, Any]:
        """Decide once; a second decision answers 409."""
        decided = await deciding.decide(deps, abstract_id, body.decision, body.format, audit.organiser(who))
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
