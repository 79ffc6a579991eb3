"""Organiser pages of the badges service: station tokens, visa letter approvals, certificates."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.badges import commands, stations
from services.badges.adapters import db
from services.badges.handlers import BadgeDeps
from services.badges.web import PAGES, LinkMonitor
from services.common.auth import InvalidToken, sign, verify
from services.common.organiser_sessions import OrganiserSessions, require_organiser
from services.common.outbox import Outbox

VISA_PURPOSE = "visa-request"


def visa_request_token(secret: str, delegate_id: str) -> str:
    """The link a delegate uses to ask for a visa letter (no sign-in needed; carries only the id)."""
    return sign(secret, VISA_PURPOSE, {"d": delegate_id})


class VisaRequest(BaseModel):
    passport_name: str = Field(min_length=1, max_length=300)
    nationality: str = Field(min_length=1, max_length=100)
    passport_number: str = Field(min_length=1, max_length=64)
    arrival: date
    departure: date


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
        return HTMLResponse(
            PAGES.get_template("organiser.html").render(
                request=request,
                congress=deps.congress.short_name,
                link=await monitor.status(),
                stations=rows,
                visas=visas,
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

    @router.post("/organiser/visa/{request_id}/approve")
    async def approve(request_id: int, who: str = Depends(organiser)) -> Response:
        try:
            number = await commands.approve_visa(
                sm,
                outbox,
                deps,
                request_id=request_id,
                organiser=who,
                today=deps.clock.now().astimezone(deps.congress.tz).date(),
            )
        except commands.CommandRefused as exc:
            return JSONResponse({"error": str(exc)}, status_code=409)
        return JSONResponse({"document_number": number})

    @router.get("/organiser/visa-link/{delegate_id}")
    async def visa_link(delegate_id: str, who: str = Depends(organiser)) -> dict[str, str]:
        return {"url": f"/visa/{visa_request_token(deps.secret, delegate_id)}"}

    @router.post("/organiser/certificates")
    async def certificates(early: bool = False, who: str = Depends(organiser)) -> dict[str, Any]:
        today = deps.clock.now().astimezone(deps.congress.tz).date()
        if today < deps.congress.ends_on and not early:
            raise HTTPException(
                409,
                "certificates are issued after the congress (pass early=true to override)",
            )
        return {"issued": await commands.issue_certificates(sm, outbox, deps, today=today)}

    def delegate_of(token: str) -> str:
        try:
            return str(verify(deps.secret, VISA_PURPOSE, token)["d"])
        except (InvalidToken, KeyError):
            raise HTTPException(403, "this link is not valid") from None

    @router.get("/visa/{token}")
    async def visa_form(request: Request, token: str) -> HTMLResponse:
        delegate_of(token)
        return HTMLResponse(
            PAGES.get_template("visa_form.html").render(
                request=request,
                congress=deps.congress.short_name,
                link=await monitor.status(),
                message="",
            )
        )

    @router.post("/api/visa/{token}")
    async def visa_api(token: str, body: VisaRequest) -> JSONResponse:
        try:
            request_id = await commands.request_visa(
                sm,
                delegate_id=delegate_of(token),
                form=body.model_dump(),
                now=deps.clock.now(),
            )
        except commands.CommandRefused as exc:
            return JSONResponse({"error": str(exc)}, status_code=409)
        return JSONResponse({"request_id": request_id, "status": "requested"}, status_code=201)

    @router.post("/visa/{token}")
    async def visa_submit(
        request: Request,
        token: str,
        passport_name: Annotated[str, Form()],
        nationality: Annotated[str, Form()],
        passport_number: Annotated[str, Form()],
        arrival: Annotated[date, Form()],
        departure: Annotated[date, Form()],
    ) -> HTMLResponse:
        form = VisaRequest(
            passport_name=passport_name,
            nationality=nationality,
            passport_number=passport_number,
            arrival=arrival,
            departure=departure,
        )
        try:
            await commands.request_visa(
                sm,
                delegate_id=delegate_of(token),
                form=form.model_dump(),
                now=deps.clock.now(),
            )
            message = "Thank you. The organisers will review your request and email the letter."
        except commands.CommandRefused as exc:
            message = str(exc)
        return HTMLResponse(
            PAGES.get_template("visa_form.html").render(
                request=request,
                congress=deps.congress.short_name,
                link=await monitor.status(),
                message=message,
            )
        )

    return router
