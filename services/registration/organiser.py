"""Organiser pages and API: list and filter, CSV export, mark invoice paid, refund, cancel, override group.

Every route needs the organiser sign-in (cookie or Bearer token). The CSV neutralises
cells a spreadsheet would run as a formula (leading = + - @ tab CR get a quote).
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field, ValidationError

from services.common.openapi import JSON_BODY, refusals
from services.common.organiser_sessions import OrganiserSessions, require_organiser
from services.registration import domain, erasure, invoice_holds, manage, payments, stripe_tasks
from services.registration.adapters import db
from services.registration.api_models import CSV_BODY, ActionDone, CsvResponse, RegistrationRow
from services.registration.pages import friendly, templates_for
from services.registration.ports import PaymentError
from services.registration.records import Deps, NotAllowed

CSV_COLUMNS = (
    "number",
    "status",
    "paid",
    "payment_method",
    "invoice_number",
    "category",
    "income_group",
    "income_group_reason",
    "given_name",
    "family_name",
    "badge_name",
    "affiliation",
    "country",
    "email",
    "language",
    "add_ons",
    "code",
    "total_minor",
    "refunded_minor",
    "currency",
    "created_at",
)
ACTIONS = {
    "mark-paid": "button",
    "extend-hold": "days",
    "refund": "amount",
    "cancel": "reason",
    "income-group": "group",
    "erase": "button",
}
"""Organiser page actions and the field a business refusal is shown beside."""
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> str:
    """A cell a spreadsheet shows as text, never runs (OWASP CSV injection advice)."""
    text = " ".join(value) if isinstance(value, list) else ("" if value is None else str(value))
    return "'" + text if text.startswith(FORMULA_START) else text


def to_csv(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow([neutralise(row[c]) for c in CSV_COLUMNS])
    return out.getvalue()


class RefundIn(BaseModel):
    amount: int = Field(gt=0, description="Minor units to refund.")


class CancelIn(BaseModel):
    reason: str = Field(default="cancelled by the organisers", max_length=500)


class ExtendHoldIn(BaseModel):
    days: int = Field(
        default=14, ge=1, le=invoice_holds.MAX_EXTENSION_DAYS, description="Days added to the invoice's hold."
    )


class HeldUntil(BaseModel):
    result: str = Field(description="What was done, in words.")
    hold_until: datetime = Field(description="When the invoice's places are now released if it is still unpaid.")


class IncomeGroupIn(BaseModel):
    group: domain.IncomeGroup
    reason: str = Field(min_length=1, max_length=500)


def local_time(deps: Deps, moment: datetime) -> str:
    """A moment as organisers read it: in the congress timezone, with the zone named."""
    return f"{moment.astimezone(deps.congress.tz):%d %b %Y %H:%M} ({deps.congress.timezone})"


def organiser_router(deps: Deps, sessions: OrganiserSessions) -> APIRouter:
    router = APIRouter(tags=["organisers"])
    organiser = Depends(require_organiser(sessions))
    templates = templates_for(deps)

    async def listing(status: str = "", category: str = "", q: str = "") -> list[dict[str, Any]]:
        async with deps.sessionmaker() as session:
            return await db.search(session, status=status or None, category=category or None, text=q or None)

    @router.get("/api/organiser/registrations", response_model=list[RegistrationRow], responses=refusals(401, 422))
    async def api_list(status: str = "", category: str = "", q: str = "", who: str = organiser) -> Any:
        """Registrations; an unpaid invoice's payer row carries ``hold_until``, when its places are released."""
        rows = await listing(status, category, q)
        async with deps.sessionmaker() as session:
            holds = await invoice_holds.hold_ends(session, deps, rows)
        return [r | ({"hold_until": holds[r["id"]]} if r["id"] in holds else {}) for r in rows]

    async def render(
        request: Request,
        who: str,
        *,
        filters: dict[str, str] | None = None,
        message: str = "",
        errors: dict[str, str] | None = None,
        values: dict[str, str] | None = None,
        status_code: int = 200,
    ) -> Response:
        chosen = {"status": "", "category": "", "q": ""} | (filters or {})
        rows = await listing(chosen["status"], chosen["category"], chosen["q"])
        async with deps.sessionmaker() as session:
            seats = await db.seat_counts(session)
            open_invoices = await db.open_invoice_payers(session)
            money = await stripe_tasks.card_money(session, rows)
            holds = {
                p: local_time(deps, end) for p, end in (await invoice_holds.hold_ends(session, deps, rows)).items()
            }
        return templates.TemplateResponse(
            request,
            "organiser_list.html",
            {
                "rows": rows,
                "card": money,
                "holds": holds,
                **chosen,
                "organiser": who,
                "seats": seats,
                "open_invoices": open_invoices,
                "message": message,
                "errors": errors or {},
                "values": values or {},
                "groups": [g.value for g in domain.IncomeGroup],
            },
            status_code=status_code,
        )

    @router.get("/organiser/registrations", include_in_schema=False)
    async def page(
        request: Request, status: str = "", category: str = "", q: str = "", message: str = "", who: str = organiser
    ) -> Response:
        filters = {"status": status, "category": category, "q": q}
        return await render(request, who, filters=filters, message=message)

    @router.get("/organiser/registrations.csv", response_class=CsvResponse, responses=CSV_BODY | refusals(401, 422))
    async def export(status: str = "", category: str = "", q: str = "", who: str = organiser) -> Response:
        return CsvResponse(
            to_csv(await listing(status, category, q)),
            headers={"Content-Disposition": f'attachment; filename="{deps.congress.id}-registrations.csv"'},
        )

    async def do(action: str, rid: str, who: str, data: dict[str, Any]) -> str:
        if action == "mark-paid":
            await payments.mark_invoice_paid(deps, rid, who)
            return "Invoice marked paid."
        if action == "extend-hold":
            end = await invoice_holds.extend(deps, rid, ExtendHoldIn.model_validate(data).days, who)
            return f"Invoice hold extended: its places are held until {local_time(deps, end)}."
        if action == "refund":
            refund_id = await payments.refund(deps, rid, RefundIn.model_validate(data).amount)
            return f"Refund {refund_id} issued."
        if action == "cancel":
            await manage.cancel(deps, rid, by="organiser", reason=CancelIn.model_validate(data).reason)
            return "Registration cancelled."
        if action == "erase":
            await erasure.erase(deps, rid, who)
            return "Personal data erased."
        body = IncomeGroupIn.model_validate(data)
        await manage.override_income_group(deps, rid, body.group, body.reason, who)
        return "Income group overridden."

    @router.post("/organiser/registrations/{rid}/{action}", include_in_schema=False)
    async def page_action(request: Request, rid: str, action: str, who: str = organiser) -> Response:
        if action not in ACTIONS:
            return Response("No such action.", status_code=404)
        form = await request.form()
        data = {k: str(v) for k, v in form.items() if str(v)}
        try:
            message = await do(action, rid, who, data)
        except ValidationError as exc:
            errors = {f"{rid}.{action}.{e['loc'][-1] if e['loc'] else action}": friendly(e) for e in exc.errors()}
        except (NotAllowed, PaymentError) as exc:
            errors = {f"{rid}.{action}.{ACTIONS[action]}": f"{str(exc)[:1].upper()}{str(exc)[1:]}."}
        else:
            return RedirectResponse(f"/organiser/registrations?{urlencode({'message': message})}", status_code=303)
        values = {f"{rid}.{action}.{k}": v for k, v in data.items()}
        return await render(request, who, errors=errors, values=values, status_code=422)

    refused = refusals(401, 409, 422)
    with_body = refusals(401, 409, *JSON_BODY)
    money = refusals(401, 409, 502, *JSON_BODY)

    @router.post("/api/organiser/registrations/{rid}/mark-paid", responses=refused, operation_id="markInvoicePaid")
    async def api_mark_paid(rid: str, who: str = organiser) -> ActionDone:
        """Mark an invoice registration paid (confirms it)."""
        return ActionDone(result=await do("mark-paid", rid, who, {}))

    @router.post(
        "/api/organiser/registrations/{rid}/extend-hold", responses=with_body, operation_id="extendInvoiceHold"
    )
    async def api_extend_hold(rid: str, body: ExtendHoldIn, who: str = organiser) -> HeldUntil:
        """Give an unpaid invoice more days before its places are released (409 if it holds none)."""
        end = await invoice_holds.extend(deps, rid, body.days, who)
        return HeldUntil(result=f"Invoice hold extended by {body.days} days.", hold_until=end)

    @router.post("/api/organiser/registrations/{rid}/refund", responses=money, operation_id="refundRegistration")
    async def api_refund(rid: str, body: RefundIn, who: str = organiser) -> ActionDone:
        """Refund part or all of what was paid by card (through Stripe)."""
        return ActionDone(result=await do("refund", rid, who, body.model_dump()))

    @router.post("/api/organiser/registrations/{rid}/cancel", responses=money, operation_id="cancelRegistration")
    async def api_cancel(rid: str, body: CancelIn, who: str = organiser) -> ActionDone:
        """Cancel a registration (its seats go back; a card payment is refunded by the policy)."""
        return ActionDone(result=await do("cancel", rid, who, body.model_dump()))

    @router.post("/api/organiser/registrations/{rid}/erase", responses=refused, operation_id="eraseRegistration")
    async def api_erase(rid: str, who: str = organiser) -> ActionDone:
        """Erase the delegate's personal data (GDPR); refused while money is still to be settled."""
        return ActionDone(result=await do("erase", rid, who, {}))

    @router.post("/api/organiser/registrations/{rid}/income-group", responses=with_body, operation_id="setIncomeGroup")
    async def api_income_group(rid: str, body: IncomeGroupIn, who: str = organiser) -> ActionDone:
        """Override the income group (and so the price band) of a registration, with a reason."""
        return ActionDone(result=await do("income-group", rid, who, body.model_dump(mode="json")))

    return router
