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

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, Field

from schemas.audit import DetailValue
from services.common.audit import Actor
from services.common.openapi import JSON_BODY, refusals
from services.common.organiser_sessions import OrganiserSessions, organiser_actor, require_organiser
from services.common.paging import MAX_PAGE, MAX_PAGE_SIZE
from services.common.text import SingleLine, csv_cell
from services.registration.commands import audited, erasure, invoice_holds, manage, payments, queries
from services.registration.commands.records import Deps, NotAllowed, as_utc
from services.registration.domain import pricing as domain
from services.registration.domain.registration import Registration, plain
from services.registration.ports import SORTS
from services.registration.web.api_models import CSV_BODY, ActionDone, CsvResponse, RegistrationPage
from services.registration.web.organiser_list import filters_of

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
ID_LENGTH = 40
"""Registration ids are at most this long (``reg_registrations.id``)."""
PAGE_SIZE = 500
"""Rows on one page of the list (page and JSON) unless ``size`` asks otherwise."""


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
    return f"{as_utc(moment).astimezone(deps.congress.tz):%d %b %Y %H:%M} ({deps.congress.timezone})"


def id_shaped(rid: str) -> bool:
    """Whether ``rid`` could be a registration id (at most 40 printable characters): others are never looked up,
    since PostgreSQL refuses a NUL in a query parameter."""
    return 0 < len(rid) <= ID_LENGTH and rid.isprintable()


async def act(deps: Deps, action: str, rid: str, actor: Actor, data: dict[str, Any]) -> str:
    """Do one organiser action (page or JSON), recorded on the audit trail as ``actor``; returns what was done."""
    if not id_shaped(rid):
        raise NotAllowed("no such registration")
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
    acting = Depends(organiser_actor(sessions))

    @router.get("/api/organiser/registrations", response_model=RegistrationPage, responses=refusals(401, 422))
    async def api_list(
        status: str = "",
        category: str = "",
        country: str = "",
        method: str = Query("", description="Payment method: card, invoice or waived."),
        q: str = Query("", description="Words to find in the number, names, email, institution or country."),
        sort: str = Query("number", description=f"One of {', '.join(SORTS)}."),
        dir: str = Query("", description="``desc`` for descending."),
        page: int = Query(1, ge=1, le=MAX_PAGE, description="1-based page number."),
        size: int = Query(PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Rows per page."),
        who: str = organiser,
    ) -> Any:
        """One page of the filtered registrations, with the total and the links to the next and previous pages.

        The same filters, search and sort as the list page. An unpaid invoice's payer row carries
        ``hold_until``, when its places are released.
        """
        filters = filters_of(status, category, country, method, q, sort, dir)
        paging, rows = await queries.listed(deps, filters, page, size, "/api/organiser/registrations")
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

    @router.get("/organiser/registrations.csv", response_class=CsvResponse, responses=CSV_BODY | refusals(401, 422))
    async def export(
        status: str = "",
        category: str = "",
        country: str = "",
        method: str = "",
        q: str = "",
        actor: Actor = acting,
    ) -> Response:
        """Every filtered registration (streamed in batches, never cut off), one row each, in number order."""
        filters: dict[str, DetailValue] = {
            "status": status or None,
            "category": category or None,
            "country": country or None,
            "method": method or None,
        }
        await audited.exported(deps, actor, "registration.export", **filters, searched=bool(q.strip()))
        rows = queries.every_row(deps, filters_of(status, category, country, method, q))
        return StreamingResponse(
            csv_stream(rows),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{deps.congress.id}-registrations.csv"'},
        )

    _api_actions(router, deps, acting)
    return router


def _api_actions(router: APIRouter, deps: Deps, acting: Any) -> None:
    """The organisers' actions on one registration as JSON endpoints (each names its refusals)."""
    refused = refusals(401, 409, 422)
    with_body = refusals(401, 409, *JSON_BODY)
    money = refusals(401, 409, 502, *JSON_BODY)

    @router.post("/api/organiser/registrations/{rid}/mark-paid", responses=refused, operation_id="markInvoicePaid")
    async def api_mark_paid(rid: str, actor: Actor = acting) -> ActionDone:
        """Mark an invoice registration paid (confirms it)."""
        return ActionDone(result=await act(deps, "mark-paid", rid, actor, {}))

    @router.post(
        "/api/organiser/registrations/{rid}/extend-hold", responses=with_body, operation_id="extendInvoiceHold"
    )
    async def api_extend_hold(rid: str, body: ExtendHoldIn, actor: Actor = acting) -> HeldUntil:
        """Give an unpaid invoice more days before its places are released (409 if it holds none)."""
        if not id_shaped(rid):
            raise NotAllowed("no such registration")
        end = await invoice_holds.extend(deps, rid, body.days, actor)
        return HeldUntil(result=f"Invoice hold extended by {body.days} days.", hold_until=end)

    @router.post("/api/organiser/registrations/{rid}/refund", responses=money, operation_id="refundRegistration")
    async def api_refund(rid: str, body: RefundIn, actor: Actor = acting) -> ActionDone:
        """Refund part or all of what was paid by card (through Stripe)."""
        return ActionDone(result=await act(deps, "refund", rid, actor, body.model_dump()))

    @router.post("/api/organiser/registrations/{rid}/cancel", responses=money, operation_id="cancelRegistration")
    async def api_cancel(rid: str, body: CancelIn, actor: Actor = acting) -> ActionDone:
        """Cancel a registration (its seats go back; a card payment is refunded by the policy)."""
        return ActionDone(result=await act(deps, "cancel", rid, actor, body.model_dump()))

    @router.post("/api/organiser/registrations/{rid}/erase", responses=refused, operation_id="eraseRegistration")
    async def api_erase(rid: str, actor: Actor = acting) -> ActionDone:
        """Erase the delegate's personal data (GDPR); refused while money is still to be settled."""
        return ActionDone(result=await act(deps, "erase", rid, actor, {}))

    @router.post("/api/organiser/registrations/{rid}/income-group", responses=with_body, operation_id="setIncomeGroup")
    async def api_income_group(rid: str, body: IncomeGroupIn, actor: Actor = acting) -> ActionDone:
        """Override the income group (and so the price band) of a registration, with a reason."""
        return ActionDone(result=await act(deps, "income-group", rid, actor, body.model_dump(mode="json")))
