"""Pages of the badges service for organisers: station tokens and the visa requests waiting.

Their JSON counterparts (approve a visa, links, certificates) are in ``api.py``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse

from services.badges.commands import stations
from services.badges.ports import BadgeDeps, LinkState
from services.badges.web.pages import render
from services.common.audit import Actor
from services.common.organiser_sessions import OrganiserSessions, organiser_actor, require_organiser


def organiser_router(deps: BadgeDeps, link: LinkState, sessions: OrganiserSessions) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    organiser = require_organiser(sessions)
    acting = organiser_actor(sessions)

    async def page(request: Request, message: str = "", new_link: str = "") -> HTMLResponse:
        async with deps.units.read() as store:
            rows, visas, replaced = await store.stations(), await store.visa_requests(), await store.replaced_badges()
        context: dict[str, Any] = {
            "stations": rows,
            "visas": visas,
            "replaced": replaced,
            "message": message,
            "new_link": new_link,
        }
        return await render(request, deps, link, "organiser.html", **context)

    @router.get("/organiser/badges")
    async def overview(request: Request, who: str = Depends(organiser)) -> HTMLResponse:
        return await page(request)

    @router.post("/organiser/stations")
    async def issue_station(request: Request, label: str = Form(...), actor: Actor = Depends(acting)) -> HTMLResponse:
        station_id, token = await stations.issue(deps, label=label, actor=actor)
        return await page(request, f"Station {station_id} issued.", f"/station/login?token={token}")

    @router.post("/organiser/stations/{station_id}/revoke")
    async def revoke_station(request: Request, station_id: str, actor: Actor = Depends(acting)) -> HTMLResponse:
        await stations.revoke(deps, station_id, actor)
        return await page(request, f"Station {station_id} revoked.")

    return router
