"""Programme pages and API for the organisers: the draft grid (generate, update, move, chair, publish).

Every route needs the organiser sign-in; the public programme is ``public_programme.py``.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field

from schemas.programme import ProgrammePublished
from services.abstracts.commands import planning as planner
from services.abstracts.commands import publishing
from services.abstracts.commands.planning import Programme
from services.abstracts.domain.errors import Rejected
from services.abstracts.domain.session_chair import SessionChairDraft
from services.abstracts.web.api_docs import ORGANISER, ORGANISER_READ
from services.abstracts.web.pages import problem
from services.abstracts.web.programme_models import (
    ChairNamed,
    Draft,
    Generated,
    PresentationMovedOut,
    SessionMoved,
    Updated,
)
from services.abstracts.web.public_programme import public_routes
from services.common.audit import Actor
from services.common.languages import LANGUAGES
from services.common.organiser_sessions import OrganiserSessions, organiser_actor, require_organiser
from services.common.text import SingleLine


class SessionMoveIn(BaseModel):
    day: date
    slot: int = Field(ge=0, le=1000, description="Slot of the day, from 0.")
    room: str = Field(max_length=100)


class PresentationMoveIn(BaseModel):
    to_session: str = Field(max_length=60)


class ChairIn(BaseModel):
    chair: SingleLine = Field(default="", max_length=300, description="The chair's name; empty clears it.")
    email: SingleLine = Field(
        default="",
        max_length=320,
        description="The chair's email address: with it the chair is a person (registration's chair role and "
        "ribbon, an email with the slot's calendar entry); empty: a name only.",
    )
    language: SingleLine = Field(default="en", max_length=16, description="Language of the chair's emails.")

    def draft(self) -> SessionChairDraft:
        return SessionChairDraft(self.chair, self.email, self.language)


def place_value(day: date, slot: int, room: str) -> str:
    return f"{day.isoformat()}|{slot}|{room}"


def parse_place(value: str) -> SessionMoveIn:
    """The (day, slot, room) a form's place select names, or ``Rejected``."""
    try:
        day, slot, room = value.split("|")
        return SessionMoveIn(day=date.fromisoformat(day), slot=int(slot), room=room)
    except ValueError:
        raise Rejected({"place": "Choose a day, time and room."}) from None


def programme_router(programme: Programme, sessions: OrganiserSessions, templates: Jinja2Templates) -> APIRouter:
    router = APIRouter()
    organiser, acting = Depends(require_organiser(sessions)), Depends(organiser_actor(sessions))
    organiser_pages(router, programme, organiser, acting, templates)
    organiser_api(router, programme, organiser, acting)
    public_routes(router, programme, templates)
    return router


def organiser_pages(
    router: APIRouter, programme: Programme, organiser: Any, acting: Any, templates: Jinja2Templates
) -> None:
    templates.env.globals["place_value"] = place_value
    templates.env.globals["chair_languages"] = list(LANGUAGES)

    async def render(request: Request, who: str, **extra: Any) -> Response:
        context = {"organiser": who, "message": "", "errors": {}, "values": {}, **await planner.draft_view(programme)}
        status = 422 if extra.get("errors") else 200
        return templates.TemplateResponse(request, "organiser_programme.html", context | extra, status_code=status)

    def done(message: str) -> Response:
        return RedirectResponse(f"/organiser/programme?message={quote(message)}", status_code=303)

    @router.get("/organiser/programme", include_in_schema=False)
    async def page(request: Request, message: str = "", who: str = organiser) -> Response:
        return await render(request, who, message=message)

    @router.post("/organiser/programme/generate", include_in_schema=False)
    async def generate_page(request: Request, who: str = organiser, actor: Actor = acting) -> Response:
        form = await request.form()
        if form.get("confirm") != "replace" and await planner.has_draft(programme):
            return await render(request, who, confirm_generate=True)  # a step of its own: no script needed
        result = await planner.generate(programme, actor)
        return done(f"Draft generated: {len(result.places)} session(s) placed, {len(result.unplaced)} not placed.")

    @router.post("/organiser/programme/update", include_in_schema=False)
    async def update_page(actor: Actor = acting) -> Response:
        return done(planner.update_message(await planner.update(programme, actor)))

    @router.post("/organiser/programme/move-session", include_in_schema=False)
    async def move_session_page(request: Request, who: str = organiser, actor: Actor = acting) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        try:
            target = parse_place(form.get("place", ""))
            session_id = form.get("session_id", "")
            warnings = await planner.move_session(programme, session_id, **target.model_dump(), actor=actor)
        except Rejected as exc:
            return await render(request, who, errors=exc.errors, values=form, focus="place")
        return done(" ".join([f"{form['session_id']} moved.", *warnings]))

    @router.post("/organiser/programme/move-presentation", include_in_schema=False)
    async def move_presentation_page(request: Request, who: str = organiser, actor: Actor = acting) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        try:
            warnings = await planner.move_presentation(
                programme, form.get("abstract_id", ""), form.get("to_session", ""), actor
            )
        except Rejected as exc:
            return await render(request, who, errors=exc.errors, values=form, focus="to_session")
        return done(" ".join(["Presentation moved.", *warnings]))

    @router.post("/organiser/programme/chair", include_in_schema=False)
    async def chair_page(request: Request, who: str = organiser, actor: Actor = acting) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        typed = SessionChairDraft(form.get("chair", ""), form.get("chair_email", ""), form.get("chair_language", "en"))
        try:
            await planner.set_chair(programme, form.get("session_id", ""), typed, actor)
        except Rejected as exc:
            return await render(request, who, errors=exc.errors, values=form, focus=next(iter(exc.errors)))
        return done(f"Chair of {form.get('session_id', '')} saved.")

    @router.post("/organiser/programme/publish", include_in_schema=False)
    async def publish_page(actor: Actor = acting) -> Response:
        result = await publishing.publish(programme, actor)
        return done(
            f"Version {result.programme_version} published: {result.sessions_changed} session(s) changed, "
            f"{result.presentations_moved} presentation(s) moved."
        )


def organiser_api(router: APIRouter, programme: Programme, organiser: Any, acting: Any) -> None:
    @router.post("/api/organiser/programme/generate", tags=["programme"], response_model=Generated, responses=ORGANISER)
    async def api_generate(actor: Actor = acting) -> dict[str, Any]:
        """Replace the draft with a new schedule of the accepted abstracts; lists what could not be placed."""
        result = await planner.generate(programme, actor)
        return {
            "sessions": [s.id for s in result.sessions],
            "placed": {sid: place_value(p.day, p.slot, p.room) for sid, p in result.places.items()},
            "unplaced": [{"session_id": u.session_id, "reason": u.reason} for u in result.unplaced],
        }

    @router.post("/api/organiser/programme/update", tags=["programme"], response_model=Updated, responses=ORGANISER)
    async def api_update(actor: Actor = acting) -> dict[str, Any]:
        """Bring the draft up to date with the decisions, keeping every placed session, its chair and running
        order: withdrawn or rejected presentations leave, newly accepted ones join a session with room or new
        sessions placed around the others. With no draft yet, the same as generate."""
        result = await planner.update(programme, actor)
        return {
            "generated": result.generated,
            "added_to_sessions": result.joined,
            "placed": {sid: place_value(p.day, p.slot, p.room) for sid, p in result.placed.items()},
            "removed_presentations": result.dropped,
            "removed_sessions": list(result.emptied),
            "unplaced": [{"session_id": u.session_id, "reason": u.reason} for u in result.unplaced],
            "message": planner.update_message(result),
        }

    @router.get("/api/organiser/programme", tags=["programme"], response_model=Draft, responses=ORGANISER_READ)
    async def api_draft(who: str = organiser) -> dict[str, Any]:
        return draft_json(await planner.draft_view(programme))

    move_api(router, programme, acting)


def audience_json(view: dict[str, Any], session_id: str) -> dict[str, Any]:
    """A session's expected audience beside its room's capacity (``DraftSession``'s audience fields)."""
    expected, capacity = view["audience"][session_id], view["capacity"].get(session_id)
    return {
        "expected_audience": expected.seats,
        "audience_basis": expected.basis.value,
        "room_capacity": capacity,
        "overflow": max(0, expected.seats - capacity) if capacity is not None else 0,
    }


def draft_json(view: dict[str, Any]) -> dict[str, Any]:
    """The draft as the JSON API gives it (``Draft``)."""
    places = view["places"]
    return {
        "version": view["version"],
        "network_clashes": view["clashes"],
        "sessions": [
            {
                "session_id": s.id,
                "kind": s.kind,
                "network": s.network,
                "title": s.title,
                "chair": view["chairs"].get(s.id),
                "chair_email": view["chair_emails"].get(s.id),
                "place": place_value(places[s.id].day, places[s.id].slot, places[s.id].room)
                if s.id in places
                else None,
                "abstracts": [t.abstract_id for t in s.talks],
                "presentations": [
                    {"abstract_id": t.abstract_id, "presenter_unregistered": t.abstract_id in view["unregistered"]}
                    for t in s.talks
                ],
                **audience_json(view, s.id),
            }
            for s in view["sessions"]
        ],
        "unplaced": [{"session_id": s.id, "reason": reason} for s, reason in view["unplaced"]],
        "presenter_unregistered_count": len(view["unregistered"]),
    }


def move_api(router: APIRouter, programme: Programme, acting: Any) -> None:
    @router.post(
        "/api/organiser/programme/sessions/{session_id}/move",
        tags=["programme"],
        response_model=SessionMoved,
        responses=ORGANISER,
    )
    async def api_move_session(session_id: str, body: SessionMoveIn, actor: Actor = acting) -> Any:
        """Move a session to another day, slot and room; 422 naming the rule it would break."""
        try:
            warnings = await planner.move_session(programme, session_id, body.day, body.slot, body.room, actor)
        except Rejected as exc:
            return problem(422, "The session cannot go there", exc.errors)
        return {"session_id": session_id, "warnings": warnings}

    @router.post(
        "/api/organiser/programme/presentations/{abstract_id}/move",
        tags=["programme"],
        response_model=PresentationMovedOut,
        responses=ORGANISER,
    )
    async def api_move_presentation(abstract_id: str, body: PresentationMoveIn, actor: Actor = acting) -> Any:
        """Move an accepted paper or poster into another session of its kind; 422 naming the rule it would break."""
        try:
            warnings = await planner.move_presentation(programme, abstract_id, body.to_session, actor)
        except Rejected as exc:
            return problem(422, "The presentation cannot go there", exc.errors)
        return {"abstract_id": abstract_id, "session_id": body.to_session, "warnings": warnings}

    @router.post(
        "/api/organiser/programme/sessions/{session_id}/chair",
        tags=["programme"],
        response_model=ChairNamed,
        responses=ORGANISER,
    )
    async def api_chair(session_id: str, body: ChairIn, actor: Actor = acting) -> Any:
        """Name the session's chair (published with the session): with an email a person, who gets the chair's
        role and ribbon and an email with the slot's calendar entry; an empty name clears it. 422: the mistakes."""
        try:
            chair = await planner.set_chair(programme, session_id, body.draft(), actor)
        except Rejected as exc:
            return problem(422, "The chair cannot be saved", exc.errors)
        return {
            "session_id": session_id,
            "chair": chair.name if chair else None,
            "email": chair.email if chair else None,
        }

    @router.post(
        "/api/organiser/programme/publish", tags=["programme"], response_model=ProgrammePublished, responses=ORGANISER
    )
    async def api_publish(actor: Actor = acting) -> dict[str, Any]:
        """Publish the draft: the changes since the last publication go out as events; 409 if nothing changed."""
        return (await publishing.publish(programme, actor)).model_dump(mode="json")
