"""The organisers' registrations list: compact rows, sort, filter, search and pages, all in the query string.

One line per registration (number, name, email, institution, country, category, status, amount, date),
each linking to its own page (``registration_page.py``), where the actions are. A URL says everything
shown (``?status=confirmed&country=JP&q=tanaka&sort=name&dir=desc&page=2``), so it can be shared; the
JSON list and the CSV export read the same parameters (``filters_of``). Unknown sorts fall back to the
number, values that match nothing show nothing: no query string makes a 5xx.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from schemas.values import PaymentMethod
from services.common.organiser_sessions import OrganiserSessions, require_organiser
from services.common.paging import MAX_PAGE, MAX_PAGE_SIZE
from services.common.sortable import column_links
from services.common.text import clean_for_display
from services.registration.commands import queries
from services.registration.commands.records import Deps, as_utc
from services.registration.domain.registration import Status
from services.registration.ports import SORTS, Filters
from services.registration.web.pages import templates_for

PAGE_SIZE = 50
"""Rows on one page of the list page unless ``size`` asks otherwise."""
COLUMNS = (
    ("number", "Number"),
    ("name", "Name"),
    ("email", "Email"),
    ("institution", "Institution"),
    ("country", "Country"),
    ("category", "Category"),
    ("status", "Status"),
    ("amount", "Amount"),
    ("date", "Registered"),
)
"""The list's columns: the sort key each header sets, and its heading."""


def _tidy(value: str, most: int = 200) -> str:
    return clean_for_display(value)[:most]


def filters_of(
    status: str = "",
    category: str = "",
    country: str = "",
    method: str = "",
    q: str = "",
    sort: str = "number",
    direction: str = "",
) -> Filters:
    """The list's query parameters as ``Filters`` (hidden characters gone, an unknown sort is the number)."""
    return Filters(
        status=_tidy(status, 20),
        category=_tidy(category, 40),
        text=_tidy(q),
        country=_tidy(country, 2).upper(),
        payment_method=_tidy(method, 16),
        sort=sort if sort in SORTS else "number",
        descending=direction == "desc",
    )


def sort_links(filters: Filters) -> list[tuple[str, str, str]]:
    """Each column's key, heading and the URL that sorts the list by it (``services.common.sortable``)."""
    return column_links(
        "/organiser/registrations", COLUMNS, filters.query(), current=filters.sort, descending=filters.descending
    )


def list_router(deps: Deps, sessions: OrganiserSessions) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    organiser = Depends(require_organiser(sessions))
    templates = templates_for(deps)

    @router.get("/organiser/registrations")
    async def list_page(
        request: Request,
        status: str = "",
        category: str = "",
        country: str = "",
        method: str = "",
        q: str = "",
        sort: str = "number",
        dir: str = "",
        message: str = "",
        page: int = Query(1, ge=1, le=MAX_PAGE),
        size: int = Query(PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE),
        who: str = organiser,
    ) -> Response:
        filters = filters_of(status, category, country, method, q, sort, dir)
        paging, rows = await queries.listed(deps, filters, page, size, "/organiser/registrations")
        context: dict[str, Any] = {
            "rows": rows,
            "paging": paging,
            "shown": paging.summary(len(rows)),
            "filters": filters,
            "columns": sort_links(filters),
            "export": "/organiser/registrations.csv?" + urlencode({k: v for k, v in filters.query().items() if v}),
            "countries": await queries.countries(deps),
            "statuses": [s.value for s in Status],
            "methods": [m.value for m in PaymentMethod],
            "seats": await queries.seats(deps),
            "organiser": who,
            "message": _tidy(message, 300),
            "day": lambda moment: f"{as_utc(moment).astimezone(deps.congress.tz):%Y-%m-%d}",
        }
        return templates.TemplateResponse(request, "organiser_list.html", context)

    return router
