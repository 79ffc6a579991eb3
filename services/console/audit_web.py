"""The console's audit page: every organiser action and automatic one, newest first, filtered, paged, as CSV.

Reads the projection's ``AuditLog`` (``congress.audit``, read like every topic). Filters: person (actor),
action (a name or the start of one), delegate, abstract. The CSV carries every filtered record, each cell
through ``csv_cell`` (no formula runs in a spreadsheet).

Records name an organiser by account id (decision 75); ``who`` is the account as the organiser directory
knows it now (``shown_actor``: name and address, "erased account", or an address recorded before), and the
person filter looks the typed address or name up in the directory (``AccountDirectory.ids_matching``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import datetime, tzinfo
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field

from services.common.accounts import AccountDirectory, shown_actor
from services.common.congress import Congress
from services.common.paging import MAX_PAGE_SIZE, Paging
from services.common.text import csv_cell
from services.console.audit_log import COLUMNS, AuditFilter, AuditRecord
from services.console.live import LiveFeed

PAGE_SIZE = 100
CSV_BATCH = 500

MAX_FILTER = 200


class AuditRecordView(BaseModel):
    """One audit record as the console shows it."""

    audit_id: str
    at: str = Field(description="When (UTC, ISO 8601).")
    service: str
    actor_kind: str = Field(description="organiser, system, delegate or station.")
    actor: str = Field(
        description="As recorded: an organiser's account id (an address in records made before decision 75), "
        "a job's name, a delegate id or a station id."
    )
    who: str = Field(
        description="Who that is now: an organiser's current name and address, `erased account`, "
        "or the recorded actor for every other kind."
    )
    action: str
    subject_kind: str
    subject_id: str
    delegate_id: str = Field(description="The delegate concerned, or empty.")
    reason: str = Field(description="The organiser's reason, or empty.")
    details: str = Field(description="Figures, codes and statuses as `key=value` pairs.")


class AuditPage(BaseModel):
    total: int
    page: int
    size: int
    items: list[AuditRecordView]
    next: str | None
    previous: str | None


SHOWN_COLUMNS = (*COLUMNS[: COLUMNS.index("actor") + 1], "who", *COLUMNS[COLUMNS.index("actor") + 1 :])
"""The columns of the page's rows, the API's items and the CSV: the record's, and ``who`` after ``actor``."""


def shown(record: AuditRecord, accounts: AccountDirectory) -> dict[str, str]:
    """A record's fields with ``who``: its actor as the directory knows them now."""
    row = record.row() | {"who": shown_actor(accounts, record.actor_kind, record.actor)}
    return {c: row[c] for c in SHOWN_COLUMNS}


def csv_text(rows: Iterable[AuditRecord], accounts: AccountDirectory, *, header: bool = False) -> str:
    """Records as CSV lines, every cell through ``csv_cell``."""
    out = io.StringIO()
    writer = csv.writer(out)
    if header:
        writer.writerow(SHOWN_COLUMNS)
    writer.writerows([csv_cell(value) for value in shown(r, accounts).values()] for r in rows)
    return out.getvalue()


def csv_chunks(rows: list[AuditRecord], accounts: AccountDirectory) -> Iterator[str]:
    yield csv_text([], accounts, header=True)
    for start in range(0, len(rows), CSV_BATCH):
        yield csv_text(rows[start : start + CSV_BATCH], accounts)


def wanted(chosen: dict[str, str], accounts: AccountDirectory) -> AuditFilter:
    """The filter for what was typed, the person looked up among the organiser accounts."""
    return AuditFilter(**chosen, actor_ids=accounts.ids_matching(chosen["actor"]))


def filters(actor: str, action: str, delegate: str, abstract: str) -> dict[str, str]:
    """The filters as typed, trimmed."""
    return {
        "actor": actor.strip(),
        "action": action.strip(),
        "delegate": delegate.strip(),
        "abstract": abstract.strip(),
    }


def local(at: str, tz: tzinfo) -> str:
    return f"{datetime.fromisoformat(at).astimezone(tz):%d %b %Y %H:%M:%S}"


def audit_pages(
    feed: LiveFeed, congress: Congress, templates: Jinja2Templates, accounts: AccountDirectory
) -> APIRouter:
    """The page and the CSV (the router that includes them checks the organiser sign-in)."""
    router = APIRouter(include_in_schema=False)

    @router.get("/audit", response_class=HTMLResponse)
    async def audit_page(
        request: Request,
        actor: str = Query("", max_length=MAX_FILTER),
        action: str = Query("", max_length=MAX_FILTER),
        delegate: str = Query("", max_length=MAX_FILTER),
        abstract: str = Query("", max_length=MAX_FILTER),
        page: int = Query(1, ge=1, le=1_000_000),
        size: int = Query(PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE),
    ) -> HTMLResponse:
        chosen = filters(actor, action, delegate, abstract)
        found = feed.projection.audit.select(wanted(chosen, accounts))
        paging = Paging.of(page, size, len(found), "/audit", **chosen)
        rows = found[paging.offset : paging.offset + paging.size]
        context: dict[str, Any] = {
            "congress": congress,
            "rows": [{**shown(r, accounts), "local": local(r.at, feed.tz)} for r in rows],
            "paging": paging,
            "shown": paging.summary(len(rows)),
            "actions": feed.projection.audit.actions(),
            "csv_url": "/audit.csv"
            + (f"?{urlencode(kept)}" if (kept := {k: v for k, v in chosen.items() if v}) else ""),
            **chosen,
        }
        return templates.TemplateResponse(request, "audit.html", context)

    @router.get("/audit.csv")
    async def audit_csv(
        actor: str = Query("", max_length=MAX_FILTER),
        action: str = Query("", max_length=MAX_FILTER),
        delegate: str = Query("", max_length=MAX_FILTER),
        abstract: str = Query("", max_length=MAX_FILTER),
    ) -> Response:
        chosen = wanted(filters(actor, action, delegate, abstract), accounts)
        return StreamingResponse(
            csv_chunks(feed.projection.audit.select(chosen), accounts),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{congress.id}-audit.csv"'},
        )

    return router


def audit_api(feed: LiveFeed, accounts: AccountDirectory) -> APIRouter:
    """``GET /api/audit``: one page of the filtered records, newest first, with the total and the neighbours."""
    router = APIRouter()

    @router.get("/audit", response_model=AuditPage)
    async def audit(
        actor: str = Query("", max_length=MAX_FILTER),
        action: str = Query("", max_length=MAX_FILTER),
        delegate: str = Query("", max_length=MAX_FILTER),
        abstract: str = Query("", max_length=MAX_FILTER),
        page: int = Query(1, ge=1, le=1_000_000),
        size: int = Query(PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE),
    ) -> dict[str, Any]:
        """The audit trail newest first; filter by person (part of an organiser's address or name, of an address
        recorded before, or of a job's name), action (or its start), delegate or abstract."""
        chosen = filters(actor, action, delegate, abstract)
        found = feed.projection.audit.select(wanted(chosen, accounts))
        paging = Paging.of(page, size, len(found), "/api/audit", **chosen)
        rows = found[paging.offset : paging.offset + paging.size]
        return {
            "total": paging.total,
            "page": paging.page,
            "size": paging.size,
            "items": [shown(r, accounts) for r in rows],
            "next": paging.next,
            "previous": paging.previous,
        }

    return router
