"""The badges service's JSON API, published in its OpenAPI (``/openapi.json``, ``/docs``).

A delegate's visa request (by the signed link an organiser hands out), the organisers'
visa approvals, visa links and certificates, and the station's link state and camera
frames. The pages (station, organiser overview, visa form) stay out of the document.
"""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.badges.adapters import qrscan
from services.badges.commands import desk, stations
from services.badges.commands.registration import BadgeDeps
from services.badges.web import visa_links
from services.badges.web.station import LinkMonitor
from services.common.openapi import JSON_BODY, Detail, ErrorMessage, RowId, refusals
from services.common.organiser_sessions import OrganiserSessions, require_organiser
from services.common.outbox import Outbox
from services.common.text import SingleLine

NO_STORE = {"cache-control": "no-store"}


class VisaRequest(BaseModel):
    """What a visa invitation letter needs, as written in the passport."""

    # A passport number is personal data: a validation error never repeats the input (nor does a log line).
    model_config = ConfigDict(hide_input_in_errors=True)

    passport_name: Annotated[SingleLine, Field(min_length=1, max_length=300, description="Name as in passport.")]
    nationality: Annotated[SingleLine, Field(min_length=1, max_length=100)]
    passport_number: Annotated[SingleLine, Field(min_length=1, max_length=64)]
    arrival: date
    departure: date


class VisaRequested(BaseModel):
    request_id: int = Field(description="Number of the request, for the organisers' approval.")
    status: Literal["requested"]


class VisaIssued(BaseModel):
    document_number: str = Field(description="Number of the issued visa letter, e.g. ICSEI27-VISA-00001.")


class VisaLink(BaseModel):
    url: str = Field(description="Path of the delegate's visa request form (signed, no sign-in needed).")
    token: str = Field(description="The signed token alone, for ``POST /api/visa/{token}``.")


class CertificatesIssued(BaseModel):
    issued: list[str] = Field(description="Numbers of the certificates issued by this call.")


class StationLink(BaseModel):
    """Whether events leave this station (shown on every station page)."""

    state: Literal["online", "catching_up", "offline"]
    label: str
    backlog: int = Field(description="Events kept in the outbox, not yet sent.")
    kafka_reachable: bool
    relay_running: bool
    published: int = Field(description="Events the relay has published since start.")


class FrameDecoded(BaseModel):
    found: bool
    token: str = Field(description="The QR code's text, empty if none was found.")


TO_VISA_REQUEST = {"RequestVisa": {"operationId": "requestVisa", "parameters": {"token": "$response.body#/token"}}}
TO_APPROVAL = {
    "ApproveVisa": {"operationId": "approveVisa", "parameters": {"request_id": "$response.body#/request_id"}}
}
"""OpenAPI links: a visa link leads to its request, a request to its approval (stateful clients follow them)."""


def api_router(
    deps: BadgeDeps,
    sm: async_sessionmaker[AsyncSession],
    outbox: Outbox,
    monitor: LinkMonitor,
    sessions: OrganiserSessions,
) -> APIRouter:
    router = APIRouter()
    organiser = require_organiser(sessions)
    station = stations.require_station(deps.secret, sm, sessions)

    def delegate_of(token: str) -> str:
        """The delegate of a valid visa link; 403 for a forged one, 410 (``VisaLinkExpired``) for an old one."""
        return visa_links.delegate_of(deps, token)

    @router.post(
        "/api/visa/{token}",
        operation_id="requestVisa",
        status_code=201,
        tags=["delegates"],
        response_model=VisaRequested,
        responses=refusals(403, *JSON_BODY) | refusals(409, 410, model=ErrorMessage) | {201: {"links": TO_APPROVAL}},
    )
    async def request_visa(token: str, body: VisaRequest) -> Response:
        """Ask for a visa invitation letter with the link the organisers sent; they approve it."""
        try:
            request_id = await desk.request_visa(
                sm, delegate_id=delegate_of(token), form=body.model_dump(), now=deps.clock.now()
            )
        except desk.CommandRefused as exc:
            return JSONResponse({"error": str(exc)}, status_code=409)
        return JSONResponse(VisaRequested(request_id=request_id, status="requested").model_dump(), status_code=201)

    @router.post(
        "/organiser/visa/{request_id}/approve",
        operation_id="approveVisa",
        tags=["organisers"],
        response_model=VisaIssued,
        responses=refusals(401, 422) | refusals(409, model=ErrorMessage),
    )
    async def approve_visa(request_id: RowId, who: str = Depends(organiser)) -> Response:
        """Issue the numbered visa letter of a request (only for a confirmed, paid registration)."""
        try:
            number = await desk.approve_visa(
                sm,
                outbox,
                deps,
                request_id=request_id,
                organiser=who,
                today=deps.clock.now().astimezone(deps.congress.tz).date(),
            )
        except desk.CommandRefused as exc:
            return JSONResponse({"error": str(exc)}, status_code=409)
        return JSONResponse(VisaIssued(document_number=number).model_dump())

    @router.get(
        "/organiser/visa-link/{delegate_id}",
        tags=["organisers"],
        responses=refusals(401, 422) | {200: {"links": TO_VISA_REQUEST}},
    )
    async def visa_link(delegate_id: str, who: str = Depends(organiser)) -> VisaLink:
        """The signed visa request link to send a delegate."""
        token = visa_links.visa_request_token(deps.secret, delegate_id)
        return VisaLink(url=f"/visa/{token}", token=token)

    @router.post("/organiser/certificates", tags=["organisers"], responses=refusals(401, 409, 422))
    async def certificates(
        early: Annotated[bool, Query(description="Issue before the congress ends.")] = False,
        who: str = Depends(organiser),
    ) -> CertificatesIssued:
        """Issue a certificate of attendance to every checked-in delegate who has none yet."""
        today = deps.clock.now().astimezone(deps.congress.tz).date()
        if today < deps.congress.ends_on and not early:
            raise HTTPException(409, "certificates are issued after the congress (pass early=true to override)")
        return CertificatesIssued(issued=await desk.issue_certificates(sm, outbox, deps, today=today))

    @router.get("/station/status", tags=["station"])
    async def station_status(response: Response) -> StationLink:
        """The station's link: online, catching up (events queued) or offline."""
        response.headers.update(NO_STORE)
        return StationLink.model_validate(await monitor.status())

    @router.post(
        "/station/scan/frame",
        tags=["station"],
        max_body_size=qrscan.MAX_FRAME_BYTES,
        responses=refusals(403, 413) | {422: {"description": "No frame in the body.", "model": Detail}},
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"image/jpeg": {"schema": {"type": "string", "format": "binary"}}},
            }
        },
    )
    async def scan_frame(request: Request, response: Response, station_id: str = Depends(station)) -> FrameDecoded:
        """Decode one camera frame (JPEG or PNG); the page then submits the token like a USB scanner would."""
        body = await request.body()
        if len(body) > qrscan.MAX_FRAME_BYTES:
            raise HTTPException(413, "frame too large")
        if not body:
            raise HTTPException(422, "send one camera frame (JPEG or PNG) as the body")
        token = await asyncio.to_thread(qrscan.decode_frame, body)
        response.headers.update(NO_STORE)
        return FrameDecoded(found=token is not None, token=token or "")

    return router
