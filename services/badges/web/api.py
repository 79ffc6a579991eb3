"""The badges service's JSON API, published in its OpenAPI (``/openapi.json``, ``/docs``).

A delegate's visa request (by the signed link an organiser hands out), the organisers'
visa approvals, visa links and certificates, and the station's link state and camera
frames. The pages (station, organiser overview, visa form) stay out of the document.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from services.badges.commands import CommandRefused, visa
from services.badges.commands.certificates import issue_certificates
from services.badges.domain import VisaRequest
from services.badges.ports import MAX_FRAME_BYTES, BadgeDeps, LinkState, ReadQr
from services.badges.web.access import require_station
from services.badges.web.visa_links import delegate_of
from services.common.audit import Actor
from services.common.openapi import JSON_BODY, Detail, ErrorMessage, RowId, refusals
from services.common.organiser_sessions import OrganiserSessions, organiser_actor, require_organiser

NO_STORE = {"cache-control": "no-store"}


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


def api_router(deps: BadgeDeps, link: LinkState, sessions: OrganiserSessions, read_qr: ReadQr) -> APIRouter:
    """The JSON API: the delegates', the organisers' and the station's routes."""
    router = APIRouter()
    _delegate_routes(router, deps)
    _organiser_routes(router, deps, require_organiser(sessions), organiser_actor(sessions))
    _station_routes(router, link, require_station(deps, sessions), read_qr)
    return router


def _delegate_routes(router: APIRouter, deps: BadgeDeps) -> None:
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
            request_id = await visa.request_visa(deps, delegate_id=delegate_of(deps, token), form=body)
        except CommandRefused as exc:
            return JSONResponse({"error": str(exc)}, status_code=409)
        return JSONResponse(VisaRequested(request_id=request_id, status="requested").model_dump(), status_code=201)


def _organiser_routes(
    router: APIRouter,
    deps: BadgeDeps,
    organiser: Callable[[Request], Awaitable[str]],
    acting: Callable[..., Awaitable[Actor]],
) -> None:
    def today() -> date:
        return deps.clock.now().astimezone(deps.congress.tz).date()

    @router.post(
        "/organiser/visa/{request_id}/approve",
        operation_id="approveVisa",
        tags=["organisers"],
        response_model=VisaIssued,
        responses=refusals(401, 403, 422) | refusals(409, model=ErrorMessage),
    )
    async def approve_visa(request_id: RowId, actor: Actor = Depends(acting)) -> Response:
        """Issue the numbered visa letter of a request (only for a confirmed, paid registration)."""
        try:
            number = await visa.approve_visa(deps, request_id=request_id, actor=actor, today=today())
        except CommandRefused as exc:
            return JSONResponse({"error": str(exc)}, status_code=409)
        return JSONResponse(VisaIssued(document_number=number).model_dump())

    @router.get(
        "/organiser/visa-link/{delegate_id}",
        tags=["organisers"],
        responses=refusals(401, 422) | {200: {"links": TO_VISA_REQUEST}},
    )
    async def visa_link(delegate_id: str, who: str = Depends(organiser)) -> VisaLink:
        """The signed visa request link to send a delegate."""
        token = visa.visa_request_token(deps.secret, delegate_id)
        return VisaLink(url=f"/visa/{token}", token=token)

    @router.post("/organiser/certificates", tags=["organisers"], responses=refusals(401, 403, 409, 422))
    async def certificates(
        early: Annotated[bool, Query(description="Issue before the congress ends.")] = False,
        actor: Actor = Depends(acting),
    ) -> CertificatesIssued:
        """Issue a certificate of attendance to every checked-in delegate who has none yet."""
        if today() < deps.congress.ends_on and not early:
            raise HTTPException(409, "certificates are issued after the congress (pass early=true to override)")
        return CertificatesIssued(issued=await issue_certificates(deps, today=today(), actor=actor))


def _station_routes(
    router: APIRouter, link: LinkState, station: Callable[[Request], Awaitable[str]], read_qr: ReadQr
) -> None:
    @router.get("/station/status", tags=["station"])
    async def station_status(response: Response) -> StationLink:
        """The station's link: online, catching up (events queued) or offline."""
        response.headers.update(NO_STORE)
        return StationLink.model_validate(await link.status())

    @router.post(
        "/station/scan/frame",
        tags=["station"],
        max_body_size=MAX_FRAME_BYTES,
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
        if len(body) > MAX_FRAME_BYTES:
            raise HTTPException(413, "frame too large")
        if not body:
            raise HTTPException(422, "send one camera frame (JPEG or PNG) as the body")
        token = await asyncio.to_thread(read_qr, body)
        response.headers.update(NO_STORE)
        return FrameDecoded(found=token is not None, token=token or "")
