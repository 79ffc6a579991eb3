"""The public programme (no sign-in): ``/programme``, ``/programme.ics`` and ``/api/programme``.

They show only what was published: titles and presenters' names, never emails. Times are shown in the
congress timezone; the .ics carries UTC. ``/programme`` is kept for offline use by the shared offline
worker (``services/common/offline.py``) and says which version it shows and when that was published;
its script (``static/programme.js``) shows the session on now and next in each room.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, tzinfo
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates
from icalendar import Calendar, Event

from schemas.programme import SessionScheduled
from services.abstracts.commands import publishing
from services.abstracts.commands.planning import Programme
from services.abstracts.web.programme_models import PublicSession
from services.common.offline import offline_routes


class CalendarResponse(Response):
    media_type = "text/calendar"  # Starlette adds "; charset=utf-8" to text types


CALENDAR: dict[int | str, Any] = {200: {"content": {"text/calendar": {"schema": {"type": "string"}}}}}


def by_day(sessions: list[SessionScheduled], programme: Programme) -> dict[date, dict[str, list[SessionScheduled]]]:
    """Sessions by local day, then by local start–end time."""
    tz = programme.deps.congress.tz
    days: dict[date, dict[str, list[SessionScheduled]]] = defaultdict(lambda: defaultdict(list))
    for s in sessions:
        start, end = s.starts_at.astimezone(tz), s.ends_at.astimezone(tz)
        days[start.date()][f"{start:%H:%M}–{end:%H:%M}"].append(s)
    return {d: dict(sorted(times.items())) for d, times in sorted(days.items())}


def calendar(sessions: list[SessionScheduled], programme: Programme, stamp: datetime) -> bytes:
    """The published sessions as an iCalendar file (times in UTC)."""
    congress = programme.deps.congress
    cal = Calendar()
    cal.add("prodid", f"-//{congress.short_name}//programme//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"{congress.short_name} programme")
    cal.add("x-wr-timezone", congress.timezone)
    for s in sessions:
        event = Event()
        event.add("uid", f"{s.session_id}@{congress.id}")
        event.add("dtstamp", stamp)
        event.add("dtstart", s.starts_at)
        event.add("dtend", s.ends_at)
        event.add("summary", s.title)
        event.add("location", f"{s.room_name}, {congress.venue.name}")
        lines = [f"{p.title} — {', '.join(x.name for x in p.presenters)}" for p in s.presentations]
        event.add("description", "\n".join(lines))
        event.add("categories", [s.kind.value])
        cal.add_component(event)
    body: bytes = cal.to_ical()
    return body


def last_updated(done: publishing.Publication | None, tz: tzinfo) -> datetime | None:
    """When the published programme last changed, in the congress timezone (``None`` if unknown)."""
    if done is None or done.published_at is None:
        return None
    return done.published_at.astimezone(tz)


def public_routes(router: APIRouter, programme: Programme, templates: Jinja2Templates) -> None:

    offline_routes(router)

    @router.get("/programme", include_in_schema=False)
    async def public_page(request: Request) -> Response:
        done = await publishing.publication(programme)
        sessions = done.sessions if done else []
        context = {
            "days": by_day(sessions, programme),
            "published": bool(sessions),
            "version": done.version if done else None,
            "updated": last_updated(done, programme.deps.congress.tz),
        }
        return templates.TemplateResponse(request, "programme.html", context)

    @router.get("/programme.ics", tags=["programme"], response_class=CalendarResponse, responses=CALENDAR)
    async def ics() -> Response:
        """The published programme as an iCalendar file, one event per session."""
        sessions = await publishing.published(programme)
        body = calendar(sessions, programme, programme.deps.clock())
        headers = {"content-disposition": f'attachment; filename="{programme.deps.congress.id}-programme.ics"'}
        return CalendarResponse(body, headers=headers)

    @router.get("/api/programme", tags=["programme"], response_model=list[PublicSession])
    async def api_public() -> list[dict[str, Any]]:
        """The published programme's sessions (presenters' names only)."""
        sessions = await publishing.published(programme)
        return [
            s.model_dump(mode="json", exclude={"presentations": {"__all__": {"presenters": {"__all__": {"email"}}}}})
            for s in sessions
        ]
