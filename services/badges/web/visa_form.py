"""The delegate's visa request form, reached by the signed link an organiser hands out (no sign-in)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError

from services.badges.commands import CommandRefused, visa
from services.badges.domain import VisaRequest
from services.badges.ports import BadgeDeps, LinkState
from services.badges.web.pages import render
from services.badges.web.visa_links import delegate_of


def visa_form_router(deps: BadgeDeps, link: LinkState) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    async def visa_page(
        request: Request,
        message: str = "",
        status_code: int = 200,
        *,
        done: bool = False,
        values: dict[str, str] | None = None,
        errors: dict[str, str] | None = None,
    ) -> HTMLResponse:
        context = {"message": message, "done": done, "values": values or {}, "errors": errors or {}}
        return await render(request, deps, link, "visa_form.html", status_code, **context)

    @router.get("/visa/{token}")
    async def visa_form(request: Request, token: str) -> HTMLResponse:
        delegate_of(deps, token)
        return await visa_page(request)

    @router.post("/visa/{token}")
    async def visa_submit(
        request: Request,
        token: str,
        passport_name: Annotated[str, Form()] = "",
        nationality: Annotated[str, Form()] = "",
        passport_number: Annotated[str, Form()] = "",
        arrival: Annotated[str, Form()] = "",
        departure: Annotated[str, Form()] = "",
    ) -> HTMLResponse:
        delegate_id = delegate_of(deps, token)
        fields = {"passport_name": passport_name, "nationality": nationality, "passport_number": passport_number}
        typed = fields | {"arrival": arrival, "departure": departure}
        try:
            form = VisaRequest.model_validate(typed)
        except ValidationError as exc:
            # Never the input itself in a message, and never a passport number back in the form: each field's
            # label and what is wrong with it, beside the field; what was typed well comes back.
            errors = _errors(exc)
            kept = {k: v for k, v in typed.items() if k not in errors and k != "passport_number"}
            return await visa_page(request, _problems(exc), status_code=422, values=kept, errors=errors)
        try:
            await visa.request_visa(deps, delegate_id=delegate_id, form=form)
        except CommandRefused as exc:
            return await visa_page(request, str(exc), status_code=409)
        return await visa_page(
            request, "Thank you. The organisers will review your request and email the letter.", done=True
        )

    return router


_LABELS = {
    "passport_name": "Name as in passport",
    "nationality": "Nationality",
    "passport_number": "Passport number",
    "arrival": "Arrival",
    "departure": "Departure",
}


def _errors(exc: ValidationError) -> dict[str, str]:
    """What is wrong with each field, without the input (pydantic's message)."""
    errors: dict[str, str] = {}
    for error in exc.errors(include_input=False, include_url=False):
        if error["loc"]:
            errors.setdefault(str(error["loc"][0]), str(error["msg"]))
    return errors


def _problems(exc: ValidationError) -> str:
    """One line per field: its label and what is wrong (pydantic's message, without the input)."""
    lines = []
    for error in exc.errors(include_input=False, include_url=False):
        field = str(error["loc"][0]) if error["loc"] else ""
        lines.append(f"{_LABELS.get(field, field)}: {error['msg']}.")
    return " ".join(lines)
