"""The organisers' page of one registration, and the actions on it with a confirmation step where money or data go.

``GET /organiser/registrations/{id}`` shows everything registration knows about it (``commands.registration_file``)
and holds the actions: mark an invoice paid, extend its hold, override the income group, refund, cancel, erase.
Amounts are typed and shown in the currency's units (``740.00``), read with its exponent (``domain.amounts``).
A refund, a cancellation and an erasure first answer with a page that says what will happen and asks to confirm
(the same form again with ``confirm=yes``); nothing changes until then. Refusals and typing mistakes come back on
the registration page, beside their field, with status 422; an unknown registration is a 404 page.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from services.common.audit import Actor
from services.common.organiser_sessions import OrganiserSessions, organiser_actor, require_organiser
from services.common.roles import Grant, opens
from services.registration.commands import erasure, registration_file
from services.registration.commands.records import Deps, NotAllowed
from services.registration.commands.registration_file import RegistrationFile
from services.registration.domain import pricing
from services.registration.domain.amounts import AmountInvalid, amount_text, parse_amount
from services.registration.ports import PaymentError
from services.registration.web.history import history_rows
from services.registration.web.organiser import ACTIONS, CancelIn, act, id_shaped, local_time
from services.registration.web.pages import PageProblem, friendly, templates_for
from services.registration.web.route_access import ROUTES

CONFIRMED = frozenset({"refund", "cancel", "erase"})
"""Actions that ask "are you sure?" with a summary before they are done."""


class FieldError(ValueError):
    """A refusal to show beside one field of one action's form."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _sentence(text: str) -> str:
    text = text.strip()
    return f"{text[:1].upper()}{text[1:]}{'' if text.endswith('.') else '.'}"


async def checked(deps: Deps, file: RegistrationFile, action: str, data: dict[str, str]) -> dict[str, Any]:
    """The action's fields as the command takes them, or the first reason it would be refused (before confirming)."""
    if action == "refund":
        currency = deps.congress.currency
        try:
            minor = parse_amount(data.get("amount", ""), currency)
        except AmountInvalid as exc:
            raise FieldError("amount", str(exc)) from exc
        left = file.card.refundable
        if left <= 0:
            raise FieldError("amount", "Nothing paid by card is left to refund.")
        if minor > left:
            raise FieldError("amount", f"At most {amount_text(left, currency)} {currency} can be refunded by card.")
        return {"amount": minor}
    if action == "cancel":
        CancelIn.model_validate(data)
        if not file.registration.live:
            raise FieldError("reason", f"This registration is {file.registration.status.value} already.")
    if action == "erase":
        try:
            await erasure.check(deps, file.registration.id)
        except NotAllowed as exc:
            raise FieldError("button", _sentence(str(exc))) from exc
    return data


def registration_page_router(deps: Deps, sessions: OrganiserSessions) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    organiser = Depends(require_organiser(sessions))
    acting = Depends(organiser_actor(sessions))
    templates = templates_for(deps)
    currency = deps.congress.currency

    async def loaded(rid: str) -> RegistrationFile:
        file = await registration_file.read(deps, rid) if id_shaped(rid) else None
        if file is None:
            raise PageProblem(404, "No such registration", "There is no registration with this id.")
        return file

    def render(request: Request, file: RegistrationFile, who: str, status_code: int = 200, **context: Any) -> Response:
        row = file.registration
        grant = getattr(request.state, "organiser_grant", None)
        roles = grant.roles if isinstance(grant, Grant) else frozenset()
        context = {
            "may_act": opens(ROUTES, roles, "POST", "/organiser/registrations/{rid}/{action}"),
            "f": file,
            "r": row,
            "organiser": who,
            "currency": currency,
            "refund_default": amount_text(file.card.refundable, currency) if file.card.refundable > 0 else "",
            "hold_until": local_time(deps, file.hold_until) if file.hold_until else "",
            "when": lambda moment: local_time(deps, moment),
            "groups": [g.value for g in pricing.IncomeGroup],
            "history": history_rows(file.audit, deps.congress.tz, sessions.accounts),
            "message": "",
            "errors": {},
            "values": {},
        } | context
        name = "organiser_confirm.html" if "confirming" in context else "organiser_registration.html"
        return templates.TemplateResponse(request, name, context, status_code=status_code)

    @router.get("/organiser/registrations/{rid}")
    async def show(request: Request, rid: str, message: str = "", who: str = organiser) -> Response:
        return render(request, await loaded(rid), who, message=message[:300])

    @router.post("/organiser/registrations/{rid}/{action}")
    async def page_action(
        request: Request, rid: str, action: str, who: str = organiser, actor: Actor = acting
    ) -> Response:
        if action not in ACTIONS:
            return Response("No such action.", status_code=404)
        file = await loaded(rid)
        form = await request.form()
        data = {k: str(v) for k, v in form.items() if str(v) and k not in ("csrf_token", "confirm")}
        try:
            fields = await checked(deps, file, action, data)
            if action in CONFIRMED and form.get("confirm") != "yes":
                return _confirm(request, file, who, action, data)
            message = await act(deps, action, rid, actor, fields)
        except ValidationError as exc:
            errors = {f"{rid}.{action}.{e['loc'][-1] if e['loc'] else action}": friendly(e) for e in exc.errors()}
        except FieldError as exc:
            errors = {f"{rid}.{action}.{exc.field}": str(exc)}
        except (NotAllowed, PaymentError) as exc:
            errors = {f"{rid}.{action}.{ACTIONS[action]}": _sentence(str(exc))}
        else:
            return RedirectResponse(f"/organiser/registrations/{quote(rid)}?{urlencode({'message': message})}", 303)
        values = {f"{rid}.{action}.{k}": v for k, v in data.items()}
        return render(request, await loaded(rid), who, 422, errors=errors, values=values)

    def _confirm(request: Request, file: RegistrationFile, who: str, action: str, data: dict[str, str]) -> Response:
        amount = parse_amount(data["amount"], currency) if action == "refund" else 0
        context = {
            "action": action,
            "fields": data,
            "amount": f"{amount_text(amount, currency)} {currency}",
            "refundable": f"{amount_text(file.card.refundable, currency)} {currency}",
            "after": f"{amount_text(file.card.refundable - amount, currency)} {currency}",
        }
        return render(request, file, who, confirming=context)

    return router
