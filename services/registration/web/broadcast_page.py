"""The organisers' page for messages to delegates: compose, see the reach and a preview, confirm, send.

``GET /organiser/broadcasts`` shows the form; ``POST /organiser/broadcasts/preview`` counts the
segment and shows the message as one recipient receives it, with a confirmation form that carries
the draft and a fresh broadcast id; ``POST /organiser/broadcasts/send`` (the box ticked) sends it —
once per broadcast id, however often the confirmation is posted. All behind the organiser sign-in.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from services.common.audit import Actor
from services.common.broadcast_mail import LANGUAGES
from services.common.languages import LANGUAGES as LANGUAGE_NAMES
from services.common.organiser_sessions import OrganiserSessions, organiser_actor, require_organiser
from services.registration.commands import broadcast
from services.registration.commands.records import Deps
from services.registration.domain.broadcast import draft_from_form
from services.registration.web.pages import templates_for

BROADCAST_ID = re.compile(r"^b_[0-9a-f]{20}$")
FIELDS = (
    "unpaid_invoices",
    "country",
    "category",
    "add_on",
    "network",
    "default_language",
    "as_language",
    *(f"{part}_{lang}" for lang in LANGUAGES for part in ("subject", "body")),
)
"""The form's fields; nothing else posted is read or carried on."""


async def form_of(request: Request) -> dict[str, str]:
    posted = await request.form()
    return {name: value for name in FIELDS if isinstance(value := posted.get(name, ""), str) and value}


def broadcast_router(deps: Deps, sessions: OrganiserSessions) -> APIRouter:
    router = APIRouter(tags=["organisers"])
    organiser = Depends(require_organiser(sessions))
    acting = Depends(organiser_actor(sessions))
    templates = templates_for(deps)

    async def page(request: Request, who: str, status: int = 200, **context: Any) -> Response:
        full = {
            "organiser": who,
            "form": {},
            "errors": {},
            "preview": None,
            "sent": None,
            "networks": await broadcast.known_networks(deps),
            "mail_languages": LANGUAGES,
            "language_names": dict(LANGUAGE_NAMES),
            **context,
        }
        return templates.TemplateResponse(request, "organiser_broadcast.html", full, status_code=status)

    @router.get("/organiser/broadcasts", include_in_schema=False)
    async def compose(request: Request, who: str = organiser) -> Response:
        return await page(request, who)

    @router.post("/organiser/broadcasts/preview", include_in_schema=False, max_body_size=256 * 1024)
    async def preview(request: Request, who: str = organiser, actor: Actor = acting) -> Response:
        form = await form_of(request)
        draft = draft_from_form(form)
        try:
            shown = await broadcast.preview(deps, draft, actor, as_language=form.get("as_language", ""))
        except broadcast.BroadcastRefused as exc:
            return await page(request, who, 422, form=form, errors=exc.errors)
        return await page(request, who, form=form, preview=shown, segment=draft.segment.describe())

    @router.post("/organiser/broadcasts/send", include_in_schema=False, max_body_size=256 * 1024)
    async def send(request: Request, who: str = organiser, actor: Actor = acting) -> Response:
        posted = await request.form()
        form = await form_of(request)
        broadcast_id = str(posted.get("broadcast_id", ""))
        if posted.get("confirm") != "yes" or not BROADCAST_ID.match(broadcast_id):
            errors = {"confirm": "Preview the message and tick the confirmation before sending."}
            return await page(request, who, 422, form=form, errors=errors)
        try:
            sent = await broadcast.send(deps, draft_from_form(form), broadcast_id=broadcast_id, actor=actor)
        except broadcast.BroadcastRefused as exc:
            return await page(request, who, 422, form=form, errors=exc.errors)
        return await page(request, who, sent=sent)

    return router
