"""HTTP: the live page, the delegate drill-down, JSON endpoints (OpenAPI) and the server-sent event stream.

Every route is for organisers only (``require_organiser``): pages redirect to the
sign-in page, the API answers 401.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, StreamingResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field

from services.common.congress import Congress
from services.common.csrf import add_csrf_helpers
from services.common.openapi import refusals
from services.common.organiser_sessions import OrganiserSessions, require_organiser
from services.console.audit_web import audit_api, audit_pages
from services.console.entries import to_view
from services.console.figures import Figures
from services.console.live import LiveFeed

HERE = Path(__file__).parent


class EventView(BaseModel):
    """One record as the console shows it."""

    seq: int = Field(description="Arrival number in this console process; the SSE event id.")
    kind: str = Field(description="event, deadletter, tombstone or malformed.")
    type: str = Field(description="CloudEvents type, or the kind.")
    name: str = Field(description="Event name without context and version.")
    context: str = Field(description="registration, badges, notify, delegates, deadletter...")
    subject: str = Field(description="Delegate (or other) id the event is about.")
    key: str | None = Field(description="Kafka key.")
    topic: str = Field(description="Topic without the deployment prefix.")
    partition: int
    offset: int
    time: str = Field(description="When it happened (UTC, ISO 8601).")
    local_time: str = Field(description="The same in the congress timezone.")
    summary: str = Field(description="Key fields in words.")
    reason: str | None = Field(description="Dead-letter reason (dlq.reason) or why a message is malformed.")
    doc: dict[str, Any] | None = Field(description="The whole CloudEvent; for a dead letter its headers and value.")


def build_web(feed: LiveFeed, congress: Congress, sessions: OrganiserSessions) -> FastAPI:
    app = FastAPI(
        title=f"{congress.short_name} console",
        version="1",
        description="The organisers' live view of the congress event stream.",
    )
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(_pages(feed, congress, sessions))
    app.include_router(_api(feed, sessions), prefix="/api")
    return app


def _pages(feed: LiveFeed, congress: Congress, sessions: OrganiserSessions) -> APIRouter:
    templates = Jinja2Templates(directory=HERE / "templates")
    add_csrf_helpers(templates.env)
    router = APIRouter(include_in_schema=False, dependencies=[Depends(require_organiser(sessions))])

    @router.get("/", response_class=HTMLResponse)
    async def live_page(request: Request) -> HTMLResponse:
        return templates.TemplateResponse(request, "live.html", {"congress": congress})

    @router.get("/delegates/{delegate_id}", response_class=HTMLResponse)
    async def delegate_page(request: Request, delegate_id: str) -> HTMLResponse:
        entries = [
            {
                **to_view(e, feed.tz, feed.projection.name_organiser),
                "doc_json": json.dumps(e.doc, ensure_ascii=False, indent=2),
            }
            for e in feed.projection.delegate(delegate_id)
        ]
        registration = feed.projection.registrations.get(delegate_id)
        return templates.TemplateResponse(
            request,
            "delegate.html",
            {
                "congress": congress,
                "delegate_id": delegate_id,
                "entries": entries,
                "registration": registration,
            },
            status_code=200 if entries else 404,
        )

    router.include_router(audit_pages(feed, congress, templates, sessions.accounts))
    return router


def _api(feed: LiveFeed, sessions: OrganiserSessions) -> APIRouter:
    signed_in = refusals(401)
    router = APIRouter(tags=["console"], dependencies=[Depends(require_organiser(sessions))], responses=signed_in)

    @router.get("/figures", response_model=Figures)
    async def figures() -> dict[str, Any]:
        """Live figures: registrations, revenue, add-on fill, invoices, badges, check-ins, emails, dead letters, lag."""
        return feed.projection.figures()

    @router.get("/events", response_model=list[EventView])
    async def events(
        context: str | None = None,
        type: str | None = None,
        subject: str | None = None,
        after: int = 0,
        limit: Annotated[int, Query(ge=1, le=2000)] = 200,
    ) -> list[dict[str, Any]]:
        """Recent events, newest first; ``type`` matches the full type or the bare name."""
        found = feed.projection.entries(context=context, type_=type, subject=subject, after=after, limit=limit)
        return [to_view(e, feed.tz, feed.projection.name_organiser) for e in found]

    @router.get("/events/{seq}", response_model=EventView, responses=refusals(404, 422))
    async def event(seq: int) -> dict[str, Any]:
        for entry in feed.projection.entries(after=seq - 1, limit=feed.projection.recent.maxlen or 2000):
            if entry.seq == seq:
                return to_view(entry, feed.tz, feed.projection.name_organiser)
        raise HTTPException(404, "no such event among the recent ones")

    @router.get("/delegates/{delegate_id}/events", response_model=list[EventView])
    async def delegate_events(delegate_id: str) -> list[dict[str, Any]]:
        """Every event about one delegate, in the order the facts happened."""
        return [to_view(e, feed.tz, feed.projection.name_organiser) for e in feed.projection.delegate(delegate_id)]

    @router.get("/stream", response_class=StreamingResponse, responses={200: {"content": {"text/event-stream": {}}}})
    async def stream(
        after: int | None = None, last_event_id: Annotated[int | None, Header()] = None
    ) -> StreamingResponse:
        """Server-sent events: ``entry`` (an EventView, id = seq) and ``figures``; resumes after Last-Event-ID."""
        resume = last_event_id if last_event_id is not None else after
        return StreamingResponse(
            feed.stream(after=resume),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    router.include_router(audit_api(feed, sessions.accounts))
    return router
