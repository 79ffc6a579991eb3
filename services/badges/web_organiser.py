"""Pages of the badges service for organisers (station tokens, visa requests) and the delegate's visa form.

Their JSON counterparts (approve a visa, links, certificates) are in ``api.py``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.badges import commands, stations, visa_links
from services.badges.adapters import db, unprintable
from services.badges.api import VisaRequest
from services.badges.handlers import BadgeDeps
from services.badges.web import PAGES, LinkMonitor
from services.common.organiser_sessions import OrganiserSessions, require_organiser
from services.common.outbox import Outbox


def organiser_router(
    deps: BadgeDeps,
    sm: async_sessionmaker[AsyncSession],
    outbox: Outbox,
    monitor: LinkMonitor,
    sessions: OrganiserSessions,
) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    organiser = require_organiser(sessions)

    async def page(request: Request, message: str = "", new_link: str = "") -> HTMLResponse:
        async with sm() as session:
            rows = (await session.execute(select(db.stations).order_by(db.stations.c.issued_at))).all()
            visas = (await session.execute(select(db.visa_requests).order_by(db.visa_requests.c.id))).all()
            replaced = await unprintable.replaced_badges(session)
        return HTMLResponse(
            PAGES.get_template("organiser.html").render(
                request=request,
                congress=deps.congress.short_name,
                link=await monitor.status(),
                stations=rows,
                visas=visas,
                replaced=replaced,
                message=message,
                new_link=new_link,
            )
        )

    @router.get("/organiser/badges")
    async def overview(request: Request, who: str = Depends(organiser)) -> HTMLResponse:
        return await page(request)

    @router.post("/organiser/stations")
    async def issue_station(request: Request, label: str = Form(...), who: str = Depends(organiser)) -> HTMLResponse:
        station_id, token = await stations.issue(deps.secret, sm, label=label, organiser=who, now=deps.clock.now())
        return await page(request, f"Station {station_id} issued.", f"/station/login?token={token}")

    @router.post("/organiser/stations/{station_id}/revoke")
    async def revoke_station(request: Request, station_id: str, who: str = Depends(organiser)) -> HTMLResponse:
        await stations.revoke(sm, station_id, deps.clock.now())
        return await page(request, f"Station {station_id} revoked.")

    def delegate_of(token: str) -> str:
        return visa_links.delegate_of(deps, token)

    async def visa_page(
        request: Request,
        message: str = "",
        status_code: int = 200,
        *,
        done: bool = False,
        values: dict[str, str] | None = None,
        errors: dict[str, str] | None = None,
    ) -> HTMLResponse:
        page = PAGES.get_template("visa_form.html").render(
            request=request,
            congress=deps.congress.short_name,
            link=await monitor.status(),
            message=message,
            done=done,
            values=values or {},
            errors=errors or {},
        )
        return HTMLResponse(page, status_code=status_code)

    @router.get("/visa/{token}")
    async def visa_form(request: Request, token: str) -> HTMLResponse:
        delegate_of(token)
        return await visa_page(request)

    @router.post("/visa/{token}")
    async def visa_submit(
        request: Request,
        token: str,
        passport_name: Annotated[str, Form()] = "",
        nationality: Annotated[str, Form()] = "",
        passport_number: Annotated[str, Form()] = "",
        arrival: Annotated[str, Form()] = "",
        departure: Annotated[str, Form()] = "",
    ) -> HTMLResponse:
        delegate_id = delegate_of(token)
        fields = {"passport_name": passport_name, "nationality": nationality, "passport_number": passport_number}
        typed = fields | {"arrival": arrival, "departure": departure}
        try:
            form = VisaRequest.model_validate(typed)
        except ValidationError as exc:
            # Never the input itself in a message, and never a passport number back in the form: each field's
            # label and what is wrong with it, beside the field; what was typed well comes back.
            errors = _errors(exc)
            kept = {k: v for k, v in typed.items() if k not in errors and k != "passport_number"}
            return await visa_page(request, _problems(exc), status_code=422, values=kept, errors=errors)
        try:
            await commands.request_visa(sm, delegate_id=delegate_id, form=form.model_dump(), now=deps.clock.now())
        except commands.CommandRefused as exc:
            return await visa_page(request, str(exc), status_code=409)
        return await visa_page(
            request, "Thank you. The organisers will review your request and email the letter.", done=True
        )

    return router


_LABELS = {
    "passport_name": "Name as in passport",
    "nationality": "Nationality",
    "passport_number": "Passport number",
    "arrival": "Arrival",
    "departure": "Departure",
}


def _errors(exc: ValidationError) -> dict[str, str]:
    """What is wrong with each field, without the input (pydantic's message)."""
    errors: dict[str, str] = {}
    for error in exc.errors(include_input=False, include_url=False):
        if error["loc"]:
            errors.setdefault(str(error["loc"][0]), str(error["msg"]))
    return errors


def _problems(exc: ValidationError) -> str:
    """One line per field: its label and what is wrong (pydantic's message, without the input)."""
    lines = []
    for error in exc.errors(include_input=False, include_url=False):
        field = str(error["loc"][0]) if error["loc"] else ""
        lines.append(f"{_LABELS.get(field, field)}: {error['msg']}.")
    return " ".join(lines)
