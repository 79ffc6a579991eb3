"""Privacy pages: a delegate changes their consents and special needs; the participants' list (only those who
consented to be listed); the organisers' catering and venue counts (only for the role 'registration & finance').

Organiser routes keep ``require_organiser``; the roles helper maps them (docs/privacy.md lists them).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from schemas.audit import ActorKind
from services.common.audit import Actor
from services.common.organiser_sessions import OrganiserSessions, organiser_actor, require_organiser
from services.common.page_language import N_
from services.registration.commands import consent, erasure, personal_export
from services.registration.commands.records import Deps, NotAllowed
from services.registration.commands.requests import NeedsIn
from services.registration.domain.registration import Registration
from services.registration.web.pages import PageProblem, templates_for
from services.registration.web.self_service import DELEGATE_COOKIE, signed_in_row


def _needs_from(form: FormData) -> NeedsIn:
    """The form's needs, checked by the same rules as at registration (a clear 422 page otherwise)."""
    fields = {
        "special_needs_consent": bool(form.get("special_needs_consent")),
        "diets": [str(v) for v in form.getlist("diets")],
        "diet_other": str(form.get("diet_other", "")),
        "access": [str(v) for v in form.getlist("access")],
        "access_other": str(form.get("access_other", "")),
    }
    try:
        return NeedsIn.model_validate(fields)
    except ValidationError as exc:
        wrong = ", ".join(str(e["loc"][0]) for e in exc.errors())
        raise PageProblem(422, "These needs could not be read", f"Please check: {wrong}.") from exc


def privacy_router(deps: Deps, sessions: OrganiserSessions) -> APIRouter:
    pages = APIRouter(include_in_schema=False)
    templates = templates_for(deps)
    organiser = Depends(require_organiser(sessions))
    acting = Depends(organiser_actor(sessions))

    @pages.post("/me/consents")
    async def me_consents(request: Request) -> Response:
        row = await signed_in_row(deps, request)
        form = await request.form()
        ticked = {k: bool(form.get(k)) for k in ("listed", "photos", "sponsors")}
        await consent.change_consents(deps, row.id, language=row.language, **ticked)
        return RedirectResponse("/me", status_code=303)

    @pages.post("/me/needs")
    async def me_needs(request: Request) -> Response:
        row = await signed_in_row(deps, request)
        await consent.change_needs(deps, row.id, _needs_from(await request.form()))
        return RedirectResponse("/me", status_code=303)

    def zip_response(done: personal_export.Archive) -> Response:
        disposition = f'attachment; filename="{done.filename}"'
        headers = {"content-disposition": disposition, "cache-control": "no-store"}
        return Response(done.content, media_type="application/zip", headers=headers)

    @pages.post("/me/export")
    async def me_export(request: Request) -> Response:
        row = await signed_in_row(deps, request)
        actor = Actor(ActorKind.DELEGATE, row.delegate_id)
        return zip_response(await personal_export.archive(deps, row.id, actor))

    async def erase_page(request: Request, row: Registration, status: int = 200, error: str = "") -> Response:
        try:
            await erasure.check(deps, row.id)
            refused = ""
        except NotAllowed as exc:
            refused = str(exc)
        context = {"refused": refused, "error": error, "lang": row.language}
        return templates.TemplateResponse(request, "me_erase.html", context, status_code=status)

    @pages.get("/me/erase")
    async def me_erase_form(request: Request) -> Response:
        row = await signed_in_row(deps, request)
        return await erase_page(request, row)

    @pages.post("/me/erase")
    async def me_erase(request: Request) -> Response:
        """The delegate's own erasure: they type their address to confirm; one erasure reaches every service."""
        row = await signed_in_row(deps, request)
        typed = str((await request.form()).get("confirm_email", "")).strip().casefold()
        if typed != row.email.strip().casefold():
            error = N_("Type the email address of this registration to confirm.")
            return await erase_page(request, row, 422, error)
        try:
            await erasure.erase(deps, row.id, Actor(ActorKind.DELEGATE, row.delegate_id))
        except NotAllowed as exc:
            return await erase_page(request, row, 409, str(exc).capitalize() + ".")
        response = templates.TemplateResponse(request, "me_erased.html", {}, status_code=200)
        response.delete_cookie(DELEGATE_COOKIE)
        return response

    @pages.post("/organiser/personal-export/{rid}")
    async def organiser_export(rid: str, actor: Actor = acting) -> Response:
        return zip_response(await personal_export.archive(deps, rid, actor))

    @pages.get("/me/participants")
    async def me_participants(request: Request) -> Response:
        row = await signed_in_row(deps, request)
        people = await consent.participants(deps)
        return templates.TemplateResponse(request, "participants.html", {"people": people, "lang": row.language})

    @pages.get("/organiser/participants")
    async def organiser_participants(request: Request, who: str = organiser) -> Response:
        people = await consent.participants(deps)
        return templates.TemplateResponse(request, "participants.html", {"people": people})

    @pages.get("/organiser/needs")
    async def organiser_needs(request: Request, who: str = organiser) -> Response:
        overview = await consent.needs_overview(deps)
        return templates.TemplateResponse(request, "organiser_needs.html", {"o": overview})

    return pages
