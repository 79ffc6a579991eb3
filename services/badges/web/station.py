"""The on-site station: search, preview, print, scan to check in, and the link state on screen.

Everything here reads the station's local database (the delegate replica) and
writes through the outbox, so it keeps working with Kafka down. Devices sign in
with a station token an organiser issues (``/station/login?token=…``).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.badges import domain
from services.badges.commands import CommandRefused, desk, stations
from services.badges.ports import BadgeDeps, LinkState
from services.badges.web.access import STATION_COOKIE, require_station
from services.badges.web.pages import render
from services.common.organiser_sessions import OrganiserSessions
from services.common.web_guard import FRAMEABLE_BY_SELF

STATION_RESULTS = 25
"""Delegates one station search shows; when more match, the page says how many and asks for more letters."""

SCAN_TEXT = {
    domain.ScanOutcome.CHECKED_IN: "Checked in — welcome!",
    domain.ScanOutcome.ALREADY: "Already checked in",
    domain.ScanOutcome.CANCELLED: "Registration cancelled — badge not valid",
    domain.ScanOutcome.UNKNOWN: "Unknown delegate — send to the help desk",
    domain.ScanOutcome.TAMPERED: "Invalid code — not a badge of this congress",
    domain.ScanOutcome.OTHER_CONGRESS: "Badge of another congress",
    domain.ScanOutcome.SUPERSEDED: "Old badge — print the current one",
}


def station_router(deps: BadgeDeps, link: LinkState, sessions: OrganiserSessions) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    station = require_station(deps, sessions)

    async def search(q: str) -> dict[str, Any]:
        """The first ``STATION_RESULTS`` matches and how many there are (the page says when it shows fewer)."""
        async with deps.units.read() as store:
            found = await store.search(q) if q else []
        return {"results": found[:STATION_RESULTS], "total": len(found)}

    async def page(request: Request, q: str, results: dict[str, Any], **context: Any) -> HTMLResponse:
        fields: dict[str, Any] = {"scan": None, "message": "", "printed": None} | context
        return await render(request, deps, link, "station.html", q=q, **results, **fields)

    @router.get("/station/login")
    async def login(token: str) -> Response:
        if await stations.station_for_token(deps, token) is None:
            raise HTTPException(403, "this station token is invalid or revoked")
        response = RedirectResponse("/station", status_code=303)
        response.set_cookie(STATION_COOKIE, token, httponly=True, samesite="lax", max_age=stations.STATION_MAX_AGE)
        return response

    @router.get("/station")
    async def search_page(request: Request, q: str = "", station_id: str = Depends(station)) -> HTMLResponse:
        return await page(request, q, await search(q))

    @router.post("/station/scan")
    async def scan(request: Request, token: str = Form(""), station_id: str = Depends(station)) -> HTMLResponse:
        result = await desk.check_in(deps, token=token, station_id=station_id)
        return await page(request, "", {"results": []}, scan=result, scan_text=SCAN_TEXT[result.outcome])

    @router.post("/station/print/{delegate_id}")
    async def print_badge(
        request: Request, delegate_id: str, q: str = Form(""), station_id: str = Depends(station)
    ) -> HTMLResponse:
        results = await search(q)
        try:
            _, count = await desk.print_badge(deps, delegate_id=delegate_id, station_id=station_id)
        except CommandRefused as exc:
            return await page(request, q, results, message=str(exc))
        text = "Printed" if count == 1 else f"Reprinted (print {count})"
        return await page(request, q, results, message=text, printed=delegate_id)

    @router.get("/station/badge/{delegate_id}.pdf")
    async def badge_pdf(delegate_id: str, station_id: str = Depends(station)) -> Response:
        async with deps.units.read() as store:
            badge = await store.badge(delegate_id)
        if badge is None or badge.revoked:
            raise HTTPException(404, "no valid badge for this delegate")
        return Response(
            deps.store.get(badge.sha256),
            media_type="application/pdf",
            # The station page prints the badge from a frame of its own (station.js).
            headers={"content-disposition": f'inline; filename="badge-{delegate_id}.pdf"'} | FRAMEABLE_BY_SELF,
        )

    return router
