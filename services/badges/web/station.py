"""The on-site station: search, preview, print, scan to check in, and the link state on screen.

Everything here reads the station's local database (the delegate replica) and
writes through the outbox, so it keeps working with Kafka down. Devices sign in
with a station token an organiser issues (``/station/login?token=…``).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.badges import domain
from services.badges.adapters import db
from services.badges.adapters.pdf import TEMPLATES
from services.badges.commands import desk, stations
from services.badges.commands.registration import BadgeDeps
from services.common.csrf import add_csrf_helpers
from services.common.organiser_sessions import OrganiserSessions
from services.common.outbox import Outbox, outbox_table
from services.common.text import shown
from services.common.web_guard import FRAMEABLE_BY_SELF

STATION_RESULTS = 25
"""Delegates one station search shows; when more match, the page says how many and asks for more letters."""
PAGES = add_csrf_helpers(
    Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]), finalize=shown)
)
"""Station and visa pages; every printed string through the one text rule (``shown``), forms with their token."""

SCAN_TEXT = {
    domain.ScanOutcome.CHECKED_IN: "Checked in — welcome!",
    domain.ScanOutcome.ALREADY: "Already checked in",
    domain.ScanOutcome.CANCELLED: "Registration cancelled — badge not valid",
    domain.ScanOutcome.UNKNOWN: "Unknown delegate — send to the help desk",
    domain.ScanOutcome.TAMPERED: "Invalid code — not a badge of this congress",
    domain.ScanOutcome.OTHER_CONGRESS: "Badge of another congress",
    domain.ScanOutcome.SUPERSEDED: "Old badge — print the current one",
}


@dataclass
class LinkMonitor:
    """Whether events leave this station: the relay runs, Kafka answers, and how many wait in the outbox."""

    sessionmaker: async_sessionmaker[AsyncSession]
    bootstrap: str
    runtime: Any
    _reachable: bool = False
    _checked: float = 0.0

    async def _kafka_answers(self) -> bool:
        if time.monotonic() - self._checked < 2.0:
            return self._reachable
        host, _, port = self.bootstrap.split(",")[0].rpartition(":")
        try:
            _, writer = await asyncio.wait_for(asyncio.open_connection(host or "127.0.0.1", int(port)), 0.5)
            writer.close()
            self._reachable = True
        except (OSError, TimeoutError, ValueError):
            self._reachable = False
        self._checked = time.monotonic()
        return self._reachable

    async def status(self) -> dict[str, Any]:
        async with self.sessionmaker() as session:
            backlog = (
                await session.execute(
                    select(func.count()).select_from(outbox_table).where(outbox_table.c.sent_at.is_(None))
                )
            ).scalar_one()
        relay = getattr(self.runtime, "relay", None)
        relay_running = bool(relay and relay.running)
        reachable = await self._kafka_answers()
        if not (relay_running and reachable):
            state, label = "offline", f"Offline — {backlog} event(s) kept locally"
        elif backlog:
            state, label = "catching_up", f"Sending {backlog} queued event(s)…"
        else:
            state, label = "online", "Online"
        return {
            "state": state,
            "label": label,
            "backlog": backlog,
            "kafka_reachable": reachable,
            "relay_running": relay_running,
            "published": relay.published if relay else 0,
        }


def station_router(
    deps: BadgeDeps,
    sm: async_sessionmaker[AsyncSession],
    outbox: Outbox,
    monitor: LinkMonitor,
    sessions: OrganiserSessions,
) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    station = stations.require_station(deps.secret, sm, sessions)

    async def search(q: str) -> dict[str, Any]:
        """The first ``STATION_RESULTS`` matches and how many there are (the page says when it shows fewer)."""
        async with sm() as session:
            found = await db.search(session, q, limit=None) if q else []
        return {"results": found[:STATION_RESULTS], "total": len(found)}

    async def page(request: Request, template: str, **context: Any) -> HTMLResponse:
        link = await monitor.status()
        return HTMLResponse(
            PAGES.get_template(template).render(
                request=request, congress=deps.congress.short_name, link=link, **context
            )
        )

    @router.get("/station/login")
    async def login(token: str) -> Response:
        if await stations.station_for_token(deps.secret, sm, token) is None:
            raise HTTPException(403, "this station token is invalid or revoked")
        response = RedirectResponse("/station", status_code=303)
        response.set_cookie(
            stations.STATION_COOKIE,
            token,
            httponly=True,
            samesite="lax",
            max_age=stations.STATION_MAX_AGE,
        )
        return response

    @router.get("/station")
    async def search_page(request: Request, q: str = "", station_id: str = Depends(station)) -> HTMLResponse:
        return await page(request, "station.html", q=q, **await search(q), scan=None, message="", printed=None)

    @router.post("/station/scan")
    async def scan(request: Request, token: str = Form(""), station_id: str = Depends(station)) -> HTMLResponse:
        result = await desk.check_in(sm, outbox, deps, token=token, station_id=station_id)
        return await page(
            request,
            "station.html",
            q="",
            results=[],
            scan=result,
            scan_text=SCAN_TEXT[result.outcome],
            message="",
            printed=None,
        )

    @router.post("/station/print/{delegate_id}")
    async def print_badge(
        request: Request, delegate_id: str, q: str = Form(""), station_id: str = Depends(station)
    ) -> HTMLResponse:
        results = await search(q)
        try:
            _, count = await desk.print_badge(sm, outbox, deps, delegate_id=delegate_id, station_id=station_id)
        except desk.CommandRefused as exc:
            return await page(
                request,
                "station.html",
                q=q,
                **results,
                scan=None,
                message=str(exc),
                printed=None,
            )
        text = "Printed" if count == 1 else f"Reprinted (print {count})"
        return await page(
            request,
            "station.html",
            q=q,
            **results,
            scan=None,
            message=text,
            printed=delegate_id,
        )

    @router.get("/station/badge/{delegate_id}.pdf")
    async def badge_pdf(delegate_id: str, station_id: str = Depends(station)) -> Response:
        async with sm() as session:
            badge = await db.badge_of(session, delegate_id)
        if badge is None or badge.revoked:
            raise HTTPException(404, "no valid badge for this delegate")
        pdf = deps.store.get(badge.sha256)
        return Response(
            pdf,
            media_type="application/pdf",
            # The station page prints the badge from a frame of its own (station.js).
            headers={"content-disposition": f'inline; filename="badge-{delegate_id}.pdf"'} | FRAMEABLE_BY_SELF,
        )

    return router
