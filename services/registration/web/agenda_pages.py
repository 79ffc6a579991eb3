"""A delegate's programme and personal agenda (signed in by magic link), and the private calendar feed.

``/me/programme`` lists the published programme with a mark/unmark button per session; ``/me/agenda`` the
marked sessions by day in the congress timezone, clashes flagged and cancelled sessions shown as cancelled.
Every change is a plain POST form (CSRF token checked by the web guard), so the pages work without JavaScript.
The feed URL ``/agenda/{token}.ics`` is shown once, when the delegate creates or regenerates it (only the
token's hash is stored); revoking it makes it answer 404 like any unknown token.
Both pages open without a network after a first visit (the shared offline worker, ``services/common/offline.py``)
and say when their copy was made; signing out (``/me/sign-out``) deletes the copy from the device.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from services.common.offline import offline_routes
from services.registration.commands import agenda
from services.registration.commands.records import Deps
from services.registration.web.pages import PageProblem, templates_for
from services.registration.web.self_service import signed_in_row

FEED_TOKEN_MAX = 100
"""Longer than any token ``agenda.new_feed`` makes; a longer path is refused before any lookup."""
BACK = {"programme": "/me/programme", "agenda": "/me/agenda"}


def agenda_router(deps: Deps) -> APIRouter:
    pages = APIRouter(include_in_schema=False)
    templates = templates_for(deps)
    offline_routes(pages)  # /offline-worker.js and /offline-register.js, for the two pages below

    def made_at() -> dict[str, object]:
        """When this copy of the page was made, in the congress timezone (an offline copy may be old)."""
        return {"updated": deps.clock().astimezone(deps.congress.tz)}

    @pages.get("/me/programme")
    async def my_programme(request: Request) -> Response:
        row = await signed_in_row(deps, request)
        view = await agenda.programme(deps, row.id)
        context = {"view": view, "lang": row.language, "live": row.live} | made_at()
        return templates.TemplateResponse(request, "me_programme.html", context)

    async def agenda_page(request: Request, feed_url: str = "") -> Response:
        row = await signed_in_row(deps, request)
        mine = await agenda.my_agenda(deps, row.id)
        context = {"mine": mine, "feed_url": feed_url, "lang": row.language} | made_at()
        return templates.TemplateResponse(request, "me_agenda.html", context)

    @pages.get("/me/agenda")
    async def my_agenda(request: Request) -> Response:
        return await agenda_page(request)

    async def session_form(request: Request) -> tuple[str, str, str]:
        row = await signed_in_row(deps, request)
        form = await request.form()
        session_id = str(form.get("session", ""))[:64]
        if not session_id:
            raise PageProblem(422, "No session chosen", "Please choose a session from the programme.")
        return row.id, session_id, BACK.get(str(form.get("back", "")), "/me/agenda")

    @pages.post("/me/agenda/mark")
    async def mark(request: Request) -> Response:
        rid, session_id, back = await session_form(request)
        await agenda.mark(deps, rid, session_id)
        return RedirectResponse(f"{back}#s-{session_id}", status_code=303)

    @pages.post("/me/agenda/unmark")
    async def unmark(request: Request) -> Response:
        rid, session_id, back = await session_form(request)
        await agenda.unmark(deps, rid, session_id)
        return RedirectResponse(f"{back}#s-{session_id}", status_code=303)

    @pages.post("/me/agenda/feed")
    async def new_feed(request: Request) -> Response:
        row = await signed_in_row(deps, request)
        token = await agenda.new_feed(deps, row.id)
        return await agenda_page(request, feed_url=f"{deps.public_url}/agenda/{token}.ics")

    @pages.post("/me/agenda/feed/revoke")
    async def revoke_feed(request: Request) -> Response:
        row = await signed_in_row(deps, request)
        await agenda.revoke_feed(deps, row.id)
        return RedirectResponse("/me/agenda", status_code=303)

    @pages.get("/agenda/{token}.ics")
    async def feed(token: str) -> Response:
        body = await agenda.feed(deps, token) if len(token) <= FEED_TOKEN_MAX else None
        if body is None:
            return Response("No such calendar feed.\n", status_code=404, media_type="text/plain")
        headers = {"Cache-Control": "private, no-store", "Content-Disposition": 'inline; filename="agenda.ics"'}
        return Response(body, media_type="text/calendar; charset=utf-8", headers=headers)

    return pages
