"""Organiser view of presenter registration: each accepted abstract, its presenters, covered or not.

A page (``/organiser/presenters``), its CSV export and a JSON API beside it, all behind the
organiser sign-in. ``sort=status`` lists the uncovered abstracts first; the default is by
reference. The facts are ``presenter_deadline.statuses`` (the same the sweep acts on).
"""

from __future__ import annotations

import csv
import io
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from services.common.audit import Actor
from services.common.openapi import refusals
from services.common.organiser_sessions import OrganiserSessions, organiser_actor, require_organiser
from services.common.text import csv_cell
from services.registration.commands import audited, presenter_deadline, queries
from services.registration.commands.records import Deps
from services.registration.web.api_models import CSV_BODY, CsvResponse, PresentationOut
from services.registration.web.pages import templates_for

CSV_COLUMNS = ("reference", "abstract_id", "title", "status", "presenters", "registered", "notices", "accepted_at")


def as_rows(statuses: list[presenter_deadline.Status], sort: str = "") -> list[dict[str, Any]]:
    """One plain row per accepted abstract, for the page, the CSV and the API."""
    rows = [
        {
            "abstract_id": s.presentation.abstract_id,
            "reference": s.presentation.reference,
            "title": s.presentation.title,
            "covered": s.covered,
            "status": "covered" if s.covered else "uncovered",
            "presenters": [
                {"name": p.name, "email": p.email, "language": p.language, "registered": p.key in s.registered}
                for p in s.presentation.presenters
            ],
            "notices": list(s.notices),
            "accepted_at": s.presentation.accepted_at.isoformat(),
        }
        for s in statuses
    ]
    if sort == "status":
        rows.sort(key=lambda r: (r["covered"], r["reference"]))
    return rows


def to_csv(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        flat = row | {
            "presenters": "; ".join(f"{p['name']} <{p['email']}>" for p in row["presenters"]),
            "registered": "; ".join(p["email"] for p in row["presenters"] if p["registered"]),
            "notices": " ".join(row["notices"]),
        }
        writer.writerow([csv_cell(flat[c]) for c in CSV_COLUMNS])
    return out.getvalue()


def presenters_router(deps: Deps, sessions: OrganiserSessions) -> APIRouter:
    router = APIRouter(tags=["organisers"])
    organiser = Depends(require_organiser(sessions))
    acting = Depends(organiser_actor(sessions))
    templates = templates_for(deps)

    async def listing(sort: str) -> list[dict[str, Any]]:
        return as_rows(await queries.presenter_statuses(deps), sort)

    @router.get("/api/organiser/presenters", response_model=list[PresentationOut], responses=refusals(401, 422))
    async def api_list(sort: str = "", who: str = organiser) -> list[dict[str, Any]]:
        """Accepted abstracts with their presenting authors and whether one of them is registered (confirmed)."""
        return await listing(sort)

    @router.get("/organiser/presenters", include_in_schema=False)
    async def page(request: Request, sort: str = "", who: str = organiser) -> Response:
        rows = await listing(sort)
        deadline = presenter_deadline.deadline_of(deps)
        context = {"rows": rows, "sort": sort, "organiser": who, "deadline": deadline}
        return templates.TemplateResponse(request, "organiser_presenters.html", context)

    @router.get("/organiser/presenters.csv", response_class=CsvResponse, responses=CSV_BODY | refusals(401, 422))
    async def export(sort: str = "", actor: Actor = acting) -> Response:
        """Every accepted abstract's presenters and whether one is registered (recorded on the audit trail)."""
        await audited.exported(deps, actor, "registration.export.presenters", sort=sort or None)
        return CsvResponse(
            to_csv(await listing(sort)),
            headers={"Content-Disposition": f'attachment; filename="{deps.congress.id}-presenters.csv"'},
        )

    return router
