"""Organiser pages and API: list and filter, CSV export, mark invoice paid, refund, cancel, override group.

Every route needs the organiser sign-in (cookie or Bearer token). The list pages with a total
(page and JSON); the CSV streams every filtered row, each cell through ``csv_cell`` (the one
text rule, then a quote before anything a spreadsheet would run as a formula).
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Iterable
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse
from pydantic import BaseModel, Field, ValidationError

from schemas.audit import DetailValue
from services.common import audit
from services.common.openapi import JSON_BODY, refusals
from services.common.organiser_sessions import OrganiserSessions, require_organiser
from services.common.paging import MAX_PAGE_SIZE, Paging
from services.common.text import SingleLine, csv_cell
from services.registration.commands import audited, erasure, invoice_holds, manage, payments, queries
from services.registration.commands.records import Deps, NotAllowed
from services.registration.domain import pricing as domain
from services.registration.domain.registration import Registration, plain
from services.registration.ports import Filters, PaymentError
from services.registration.web.api_models import CSV_BODY, ActionDone, CsvResponse, RegistrationPage
from services.registration.web.pages import friendly, templates_for

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
PAGE_SIZE = 500
"""Rows on one page of the list (page and JSON) unless ``size`` asks otherwise."""
MAX_PAGE = 1_000_000


def csv_lines(rows: Iterable[dict[str, Any]], *, header: bool = False) -> str:
    """Rows as CSV text, every cell through ``csv_cell``."""
    out = io.StringIO()
    writer = csv.writer(out)
    if header:
        writer.writerow(CSV_COLUMNS)
    writer.writerows([csv_cell(row[c]) for c in CSV_COLUMNS] for row in rows)
    return out.getvalue()


async def csv_stream(rows: AsyncIterator[Registration], batch: int = queries.EXPORT_BATCH) -> AsyncIterator[str]:
    """The header, then the rows a batch at a time, as they are read."""
    yield csv_lines([], header=True)
    chunk: list[dict[str, Any]] = []
    async for row in rows:
        chunk.append(plain(row))
        if len(chunk) == batch:
            yield csv_lines(chunk)
            chunk = []
    if chunk:
        yield csv_lines(chunk)


class RefundIn(BaseModel):
    amount: int = Field(gt=0, description="Minor units to refund.")


class CancelIn(BaseModel):
    reason: SingleLine = Field(default="cancelled by the organisers", max_length=500)


class ExtendHoldIn(BaseModel):
    days: int = Field(
        default=14, ge=1, le=invoice_holds.MAX_EXTENSION_DAYS, description="Days added to the invoice's hold."
    )


class HeldUntil(BaseModel):
    result: str = Field(description="What was done, in words.")
    hold_until: datetime = Field(description="When the invoice's places are now released if it is still unpaid.")


class IncomeGroupIn(BaseModel):
    group: domain.IncomeGroup
    reason: SingleLine = Field(min_length=1, max_length=500)


def local_time(deps: Deps, moment: datetime) -> str:
    """A moment as organisers read it: in the congress timezone, with the zone named."""
    return f"{moment.astimezone(deps.congress.tz):%d %b %Y %H:%M} ({deps.congress.timezone})"


async def act(deps: Deps, action: str, rid: str, who: str, data: dict[str, Any]) -> str:
    """Do one organiser action (page or JSON), recorded on the audit trail as ``who``; returns what was done."""
    actor = audit.organiser(who)
    if action == "mark-paid":
        await payments.mark_invoice_paid(deps, rid, actor)
        return "Invoice marked paid."
    if action == "extend-hold":
        end = await invoice_holds.extend(deps, rid, ExtendHoldIn.model_validate(data).days, actor)
        return f"Invoice hold extended: its places are held until {local_time(deps, end)}."
    if action == "refund":
        refund_id = await payments.refund(deps, rid, RefundIn.model_validate(data).amount, actor)
        return f"Refund {refund_id} issued."
    if action == "cancel":
        await manage.cancel(deps, rid, by="organiser", reason=CancelIn.model_validate(data).reason, actor=actor)
        return "Registration cancelled."
    if action == "erase":
        await erasure.erase(deps, rid, actor)
        return "Personal data erased."
    body = IncomeGroupIn.model_validate(data)
    await manage.override_income_group(deps, rid, body.group, body.reason, actor)
    return "Income group overridden."


def organiser_router(deps: Deps, sessions: OrganiserSessions) -> APIRouter:
    router = APIRouter(tags=["organisers"])
    organiser = Depends(require_organiser(sessions))
    templates = templates_for(deps)

    async def rows_page(filters: Filters, page: int, size: int, path: str) -> tuple[Paging, list[Registration]]:
        return await queries.listed(deps, filters, page, size, path)

    @router.get("/api/organiser/registrations", response_model=RegistrationPage, responses=refusals(401, 422))
    async def api_list(
        status: str = "",
        category: str = "",
        q: str = "",
        page: int = Query(1, ge=1, le=MAX_PAGE, description="1-based page number."),
        size: int = Query(PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Rows per page."),
        who: str = organiser,
    ) -> Any:
        """One page of the filtered registrations, with the total and the links to the next and previous pages.

        An unpaid invoice's payer row carries ``hold_until``, when its places are released.
        """
        filters = Filters(status, category, q)
        paging, rows = await rows_page(filters, page, size, "/api/organiser/registrations")
        holds = await queries.hold_ends(deps, rows)
        items = [plain(r) | ({"hold_until": holds[r.id]} if r.id in holds else {}) for r in rows]
        return {
            "total": paging.total,
            "page": paging.page,
            "size": paging.size,
            "items": items,
            "next": paging.next,
            "previous": paging.previous,
        }

    async def render(
        request: Request,
        who: str,
        *,
        filters: dict[str, str] | None = None,
        message: str = "",
        errors: dict[str, str] | None = None,
        values: dict[str, str] | None = None,
        status_code: int = 200,
        page: int = 1,
        size: int = PAGE_SIZE,
    ) -> Response:
        chosen = {"status": "", "category": "", "q": ""} | (filters or {})
        wanted = Filters(chosen["status"], chosen["category"], chosen["q"])
        paging, rows = await rows_page(wanted, page, size, "/organiser/registrations")
        shown = await queries.beside(deps, rows)
        seats, open_invoices, money = shown.seats, shown.open_invoices, shown.money
        holds = {p: local_time(deps, end) for p, end in shown.holds.items()}
        return templates.TemplateResponse(
            request,
            "organiser_list.html",
            {
                "rows": rows,
                "paging": paging,
                "shown": paging.summary(len(rows)),
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
    async def list_page(
        request: Request,
        status: str = "",
        category: str = "",
        q: str = "",
        message: str = "",
        page: int = Query(1, ge=1, le=MAX_PAGE),
        size: int = Query(PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE),
        who: str = organiser,
    ) -> Response:
        filters = {"status": status, "category": category, "q": q}
        return await render(request, who, filters=filters, message=message, page=page, size=size)

    @router.get("/organiser/registrations.csv", response_class=CsvResponse, responses=CSV_BODY | refusals(401, 422))
    async def export(status: str = "", category: str = "", q: str = "", who: str = organiser) -> Response:
        """Every filtered registration (streamed in batches, never cut off), one row each."""
        filters: dict[str, DetailValue] = {"status": status or None, "category": category or None}
        await audited.exported(deps, audit.organiser(who), "registration.export", **filters, searched=bool(q.strip()))
        rows = queries.every_row(deps, Filters(status, category, q))
        return StreamingResponse(
            csv_stream(rows),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{deps.congress.id}-registrations.csv"'},
        )

    @router.post("/organiser/registrations/{rid}/{action}", include_in_schema=False)
    async def page_action(request: Request, rid: str, action: str, who: str = organiser) -> Response:
        if action not in ACTIONS:
            return Response("No such action.", status_code=404)
        form = await request.form()
        data = {k: str(v) for k, v in form.items() if str(v)}
        try:
            message = await act(deps, action, rid, who, data)
        except ValidationError as exc:
            errors = {f"{rid}.{action}.{e['loc'][-1] if e['loc'] else action}": friendly(e) for e in exc.errors()}
        except (NotAllowed, PaymentError) as exc:
            errors = {f"{rid}.{action}.{ACTIONS[action]}": f"{str(exc)[:1].upper()}{str(exc)[1:]}."}
        else:
            return RedirectResponse(f"/organiser/registrations?{urlencode({'message': message})}", status_code=303)
        values = {f"{rid}.{action}.{k}": v for k, v in data.items()}
        return await render(request, who, errors=errors, values=values, status_code=422)

    _api_actions(router, deps, organiser)
    return router


def _api_actions(router: APIRouter, deps: Deps, organiser: Any) -> None:
    """The organisers' actions on one registration as JSON endpoints (each names its refusals)."""
    refused = refusals(401, 409, 422)
    with_body = refusals(401, 409, *JSON_BODY)
    money = refusals(401, 409, 502, *JSON_BODY)

    @router.post("/api/organiser/registrations/{rid}/mark-paid", responses=refused, operation_id="markInvoicePaid")
    async def api_mark_paid(rid: str, who: str = organiser) -> ActionDone:
        """Mark an invoice registration paid (confirms it)."""
        return ActionDone(result=await act(deps, "mark-paid", rid, who, {}))

    @router.post(
        "/api/organiser/registrations/{rid}/extend-hold", responses=with_body, operation_id="extendInvoiceHold"
    )
    async def api_extend_hold(rid: str, body: ExtendHoldIn, who: str = organiser) -> HeldUntil:
        """Give an unpaid invoice more days before its places are released (409 if it holds none)."""
        end = await invoice_holds.extend(deps, rid, body.days, audit.organiser(who))
        return HeldUntil(result=f"Invoice hold extended by {body.days} days.", hold_until=end)

    @router.post("/api/organiser/registrations/{rid}/refund", responses=money, operation_id="refundRegistration")
    async def api_refund(rid: str, body: RefundIn, who: str = organiser) -> ActionDone:
        """Refund part or all of what was paid by card (through Stripe)."""
        return ActionDone(result=await act(deps, "refund", rid, who, body.model_dump()))

    @router.post("/api/organiser/registrations/{rid}/cancel", responses=money, operation_id="cancelRegistration")
    async def api_cancel(rid: str, body: CancelIn, who: str = organiser) -> ActionDone:
        """Cancel a registration (its seats go back; a card payment is refunded by the policy)."""
        return ActionDone(result=await act(deps, "cancel", rid, who, body.model_dump()))

    @router.post("/api/organiser/registrations/{rid}/erase", responses=refused, operation_id="eraseRegistration")
    async def api_erase(rid: str, who: str = organiser) -> ActionDone:
        """Erase the delegate's personal data (GDPR); refused while money is still to be settled."""
        return ActionDone(result=await act(deps, "erase", rid, who, {}))

    @router.post("/api/organiser/registrations/{rid}/income-group", responses=with_body, operation_id="setIncomeGroup")
    async def api_income_group(rid: str, body: IncomeGroupIn, who: str = organiser) -> ActionDone:
        """Override the income group (and so the price band) of a registration, with a reason."""
        return ActionDone(result=await act(deps, "income-group", rid, who, body.model_dump(mode="json")))
