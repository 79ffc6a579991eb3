"""Organiser pages and API: the abstracts table, reviewers, assignment, unassignment and decisions.

Every route needs the organiser sign-in (``services.common.auth``: cookie or Bearer token).
Decisions are final here: a decided abstract answers 409 (see docs/abstracts.md).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field, ValidationError

from schemas.abstracts import AbstractFormat, Decision
from services.abstracts.adapters import db
from services.abstracts.commands import authors as handlers
from services.abstracts.commands import committee, expertise
from services.abstracts.commands.context import Deps, NotAllowed, Rejected, Row, portal_link
from services.abstracts.domain import calibration
from services.abstracts.domain import submission as domain
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
from services.abstracts.web.authors import problem, templates_for
from services.abstracts.web.forms import first_error_id
from services.common.organiser_sessions import OrganiserSessions, require_organiser
from services.common.text import SingleLine

STATUSES = ("submitted", "accepted", "rejected", "withdrawn")


class ReviewerIn(BaseModel):
    name: str = Field(default="", max_length=300)
    email: str = Field(default="", max_length=320)
    affiliation: str = Field(default="", max_length=300)
    networks: list[Annotated[str, Field(max_length=40)]] = Field(default_factory=list, max_length=50)
    language: str = Field(default="en", max_length=35)

    def draft(self) -> committee.ReviewerDraft:
        return committee.ReviewerDraft(
            name=domain.nfc(self.name),
            email=self.email.strip(),
            affiliation=domain.nfc(self.affiliation),
            networks=tuple(self.networks),
            language=self.language,
        )


class DecisionIn(BaseModel):
    decision: Decision
    format: AbstractFormat | None = Field(default=None, description="Accepted format; the asked one if omitted.")


class UnassignIn(BaseModel):
    reviewer_id: str = Field(max_length=40)
    reason: SingleLine = Field(default="", max_length=500)


async def table(deps: Deps, network: str = "", status: str = "", order: str = "") -> list[dict[str, Any]]:
    """The abstracts with their number of reviews, mean score (live until decided) and, beside it, the score
    calibrated for each reviewer's severity over all their reviews (``calibration``), its uncertainty and
    whether the reviewers disagree widely. ``order="calibrated"`` ranks by the calibrated score (best first,
    unreviewed last); otherwise by reference."""
    async with deps.sessionmaker() as session:
        rows = await db.list_abstracts(session, network=network or None, status=status or None)
        reviews = await db.all_reviews(session)
    by_abstract: dict[str, list[dict[str, int]]] = defaultdict(list)
    for review in reviews:
        by_abstract[review["abstract_id"]].append(review["scores"])
    fit = calibration.calibrate(
        [calibration.Review(r["abstract_id"], r["reviewer_id"], domain.review_mean(r["scores"])) for r in reviews]
    ).abstracts
    listing = [
        {
            "abstract_id": r["id"],
            "reference": r["reference"],
            "network": r["network"],
            "format": r["format"],
            "title": r["title"],
            "status": r["status"],
            "reviews": len(by_abstract[r["id"]]),
            "mean_score": r["mean_score"] if r["decided_at"] else domain.mean_score(by_abstract[r["id"]]),
            "decided_format": r["decided_format"],
            "calibrated": fit[r["id"]].score if r["id"] in fit else None,
            "calibrated_sd": fit[r["id"]].sd if r["id"] in fit else None,
            "reviewers_disagree": fit[r["id"]].disagree if r["id"] in fit else False,
        }
        for r in rows
    ]
    if order == "calibrated":
        listing.sort(key=lambda r: (r["calibrated"] is None, -(r["calibrated"] or 0.0), r["reference"]))
    return listing


async def reviewer_rows(deps: Deps) -> list[dict[str, Any]]:
    """Reviewers with their load (active assignments of abstracts not withdrawn) and reviews done."""
    async with deps.sessionmaker() as session:
        reviewers = await db.list_reviewers(session)
        withdrawn = {r["id"] for r in await db.list_abstracts(session, status="withdrawn")}
        assignments = [
            a for a in await db.all_assignments(session) if a["active"] and a["abstract_id"] not in withdrawn
        ]
        done = Counter(r["reviewer_id"] for r in await db.all_reviews(session))
    load = Counter(a["reviewer_id"] for a in assignments)
    return [
        {
            "reviewer_id": r["id"],
            "name": r["name"],
            "email": r["email"],
            "affiliation": r["affiliation"],
            "networks": r["networks"],
            "language": r["language"],
            "load": load[r["id"]],
            "reviews_done": done[r["id"]],
            "portal_link": portal_link(deps, r),
        }
        for r in reviewers
    ]


def organiser_router(deps: Deps, sessions: OrganiserSessions) -> APIRouter:
    router = APIRouter(tags=["organisers"])
    organiser = Depends(require_organiser(sessions))
    templates = templates_for(deps)

    async def abstracts_page(request: Request, who: str, filters: dict[str, str], **extra: Any) -> Response:
        context = {"rows": await table(deps, **filters), "statuses": STATUSES, "organiser": who, **filters}
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
        plan = await committee.assign_all(deps)
        message = f"{len(plan.pairs)} assignment(s) made."
        if plan.fallbacks:
            message += f" {len(plan.fallbacks)} of them from another network (its own could not fill the abstract)."
        return await abstracts_page(request, who, {"network": "", "status": ""}, message=message, plan=plan)

    @router.get("/organiser/abstracts/{abstract_id}", include_in_schema=False)
    async def detail(request: Request, abstract_id: str, message: str = "", who: str = organiser) -> Response:
        row = await handlers.load(deps, abstract_id)
        async with deps.sessionmaker() as session:
            reviewers = await db.assigned_reviewers(session, abstract_id)
        mean = domain.mean_score(r["scores"] for r in reviewers if r["scores"])
        fit = await expertise.explain(deps, abstract_id, [r["id"] for r in reviewers])
        context = {"row": row, "reviewers": reviewers, "mean": mean, "message": message, "organiser": who}
        context |= {"fit": fit}
        return templates.TemplateResponse(request, "organiser_abstract.html", context)

    @router.post("/organiser/abstracts/{abstract_id}/decide", include_in_schema=False)
    async def decide_page(request: Request, abstract_id: str, who: str = organiser) -> Response:
        form = await request.form()
        try:
            body = DecisionIn.model_validate({"decision": form.get("decision"), "format": form.get("format") or None})
        except ValidationError as exc:
            raise NotAllowed("choose Accept or Reject, and a format") from exc
        row = await committee.decide(deps, abstract_id, body.decision, body.format, who)
        message = quote(f"{row['reference']} {row['status']}.")
        return RedirectResponse(f"/organiser/abstracts/{abstract_id}?message={message}", status_code=303)

    @router.post("/organiser/abstracts/{abstract_id}/unassign", include_in_schema=False)
    async def unassign_page(request: Request, abstract_id: str, who: str = organiser) -> Response:
        form = await request.form()
        await committee.unassign(deps, abstract_id, str(form.get("reviewer_id", "")), str(form.get("reason", "")))
        return RedirectResponse(f"/organiser/abstracts/{abstract_id}?message=Reviewer+taken+off.", status_code=303)

    reviewer_pages(router, deps, organiser)
    organiser_api(router, deps, organiser)
    return router


def reviewer_pages(router: APIRouter, deps: Deps, organiser: Any) -> None:
    templates = templates_for(deps)

    async def render(request: Request, who: str, **extra: Any) -> Response:
        context = {"reviewers": await reviewer_rows(deps), "values": {}, "errors": {}, "message": "", "organiser": who}
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
            row = await committee.add_reviewer(deps, body.draft())
        except Rejected as exc:
            first_network = f"net-{next(iter(deps.config.network_names), '')}"
            focus = first_error_id(exc.errors, aliases={"networks": first_network})
            return await render(request, who, values=body.model_dump(), errors=exc.errors, focus=focus)
        return RedirectResponse(f"/organiser/reviewers?message={quote(row['name'] + ' added.')}", status_code=303)

    @router.post("/organiser/reviewers/{reviewer_id}/revoke", include_in_schema=False)
    async def revoke_page(reviewer_id: str, who: str = organiser) -> Response:
        await committee.revoke_link(deps, reviewer_id)
        return RedirectResponse("/organiser/reviewers?message=The+old+link+no+longer+works.", status_code=303)


def organiser_api(router: APIRouter, deps: Deps, organiser: Any) -> None:
    @router.get("/api/organiser/abstracts", response_model=list[AbstractRow], responses=ORGANISER_READ)
    async def api_list(
        network: str = "", status: str = "", order: str = "", who: str = organiser
    ) -> list[dict[str, Any]]:
        """The abstracts; ``order=calibrated`` ranks them by the calibrated score."""
        return await table(deps, network, status, order)

    @router.get("/api/organiser/reviewers", response_model=list[ReviewerRow], responses=ORGANISER_READ)
    async def api_reviewers(who: str = organiser) -> list[dict[str, Any]]:
        return await reviewer_rows(deps)

    @router.post("/api/organiser/reviewers", status_code=201, response_model=ReviewerAdded, responses=ORGANISER)
    async def api_add_reviewer(body: ReviewerIn, who: str = organiser) -> Any:
        try:
            row: Row = await committee.add_reviewer(deps, body.draft())
        except Rejected as exc:
            return problem(422, "The reviewer could not be added", exc.errors)
        return {"reviewer_id": row["id"], "portal_link": portal_link(deps, row)}

    @router.post("/api/organiser/reviewers/{reviewer_id}/revoke", responses=ORGANISER)
    async def api_revoke(reviewer_id: str, who: str = organiser) -> ReviewerRevoked:
        await committee.revoke_link(deps, reviewer_id)
        return ReviewerRevoked(reviewer_id=reviewer_id, status="link revoked")

    @router.post("/api/organiser/assign", response_model=Assignment, responses=ORGANISER)
    async def api_assign(who: str = organiser) -> dict[str, Any]:
        """Give every undecided abstract its reviewers; lists those that could not get enough, with the reason."""
        plan = await committee.assign_all(deps)
        return {
            "assigned": [
                {"abstract_id": a, "reviewer_id": r, "other_network": (a, r) in plan.fallbacks} for a, r in plan.pairs
            ],
            "shortfalls": [
                {"abstract_id": s.abstract_id, "reference": s.reference, "reason": s.reason} for s in plan.shortfalls
            ],
        }

    @router.post("/api/organiser/abstracts/{abstract_id}/unassign", responses=ORGANISER)
    async def api_unassign(abstract_id: str, body: UnassignIn, who: str = organiser) -> Unassigned:
        await committee.unassign(deps, abstract_id, body.reviewer_id, body.reason)
        return Unassigned(abstract_id=abstract_id, reviewer_id=body.reviewer_id, status="unassigned")

    @router.post("/api/organiser/abstracts/{abstract_id}/decision", response_model=Decided, responses=ORGANISER)
    async def api_decide(abstract_id: str, body: DecisionIn, who: str = organiser) -> dict[str, Any]:
        """Decide once; a second decision answers 409."""
        row = await committee.decide(deps, abstract_id, body.decision, body.format, who)
        return {k: row[k] for k in ("reference", "status", "decided_format", "mean_score")} | {
            "abstract_id": abstract_id
        }
