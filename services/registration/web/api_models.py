"""The bodies the registration JSON API answers with, as published in its OpenAPI.

Also ``publish_choices``: the categories and add-ons come from the edition's YAML at run
time, so they are written into the OpenAPI document as enums when the app is built, while
validation stays the domain's (one message per field, the same for pages and API).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.responses import Response
from pydantic import BaseModel, Field

from services.common.openapi import UtcDatetime
from services.registration.commands.records import Deps

PriceLine = tuple[str, int]
"""A line of a price: its description and its amount in minor units (negative for a discount)."""


class CsvResponse(Response):
    """A CSV export (UTF-8, cells neutralised against formulas)."""

    media_type = "text/csv"  # Starlette adds "; charset=utf-8" to text types


CSV_BODY: dict[int | str, Any] = {200: {"content": {"text/csv": {"schema": {"type": "string"}}}}}


ACTIONS = (
    "markInvoicePaid",
    "extendInvoiceHold",
    "refundRegistration",
    "cancelRegistration",
    "eraseRegistration",
    "setIncomeGroup",
)
"""operationIds of the organisers' actions on one registration."""
ORGANISER_ACTIONS = {
    operation: {
        "operationId": operation,
        "parameters": {"rid": "$response.body#/registrations/0/registration_id"},
        "description": "An organiser acts on the first registration made.",
    }
    for operation in ACTIONS
}
"""OpenAPI links from a new registration to what an organiser can do with it (stateful clients follow them)."""


class RegistrationMade(BaseModel):
    registration_id: str
    number: str = Field(description="Registration number, e.g. ICSEI27-00042.")
    status: str = Field(description="pending (awaiting payment) or confirmed.")
    total: int = Field(description="Minor units.")
    lines: list[PriceLine]


class RegistrationDone(BaseModel):
    """What a registration (one delegate or a group) made."""

    payer_id: str
    payment_url: str | None = Field(description="Where the payer pays by card; none for an invoice or nothing due.")
    total: int = Field(description="Minor units, for the whole group.")
    currency: str
    waitlisted: list[str] = Field(description="Add-ons the delegates joined the waiting list of.")
    registrations: list[RegistrationMade]


class DelegateQuote(BaseModel):
    lines: list[PriceLine]
    total: int
    early_bird: bool
    income_group: str = Field(description="World Bank income group of the country: low … high.")


class QuoteOut(BaseModel):
    currency: str
    total: int
    delegates: list[DelegateQuote]


class Accepted(BaseModel):
    status: str


class ActionDone(BaseModel):
    result: str = Field(description="What was done, in words.")


class InvoiceOut(BaseModel):
    institution_name: str
    institution_address: str
    email: str
    vat_id: str | None = None
    purchase_order: str | None = None


class RegistrationRow(BaseModel):
    """One registration as the organisers see it."""

    id: str
    delegate_id: str
    payer_id: str
    group_id: str | None
    number: str
    status: str
    paid: bool
    payment_method: str
    version: int
    category: str
    income_group: str
    income_group_reason: str | None
    given_name: str
    family_name: str
    badge_name: str
    affiliation: str
    country: str
    email: str
    language: str
    roles: list[str]
    add_ons: list[str]
    code: str | None
    total_minor: int
    currency: str
    lines: list[PriceLine]
    invoice: InvoiceOut | None
    invoice_number: str | None
    checkout_session_id: str | None
    payment_reference: str | None
    refunded_minor: int
    created_at: UtcDatetime
    updated_at: UtcDatetime
    hold_until: UtcDatetime | None = Field(
        default=None, description="An unpaid invoice payer's row: when its places are released."
    )


class RegistrationPage(BaseModel):
    """One page of the filtered registrations: the total, the rows and the links to the pages beside it."""

    total: int = Field(description="How many registrations match the filters, on every page.")
    page: int = Field(description="This page's number, from 1.")
    size: int = Field(description="Rows per page.")
    items: list[RegistrationRow]
    next: str | None = Field(description="Path of the next page, or null on the last.")
    previous: str | None = Field(description="Path of the previous page, or null on the first.")


class PresenterOut(BaseModel):
    name: str
    email: str
    language: str
    registered: bool


class PresentationOut(BaseModel):
    """An accepted abstract and whether one of its presenters is registered."""

    abstract_id: str
    reference: str
    title: str
    covered: bool
    status: str = Field(description="covered or uncovered.")
    presenters: list[PresenterOut]
    notices: list[str]
    accepted_at: UtcDatetime


def publish_choices(app: FastAPI, deps: Deps) -> None:
    """Write this edition's categories and add-on codes into the OpenAPI document as enums."""
    build = app.openapi
    categories = list(deps.config.categories)
    add_ons = [a.code for a in deps.config.add_ons]

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        for name, model in schema.get("components", {}).get("schemas", {}).items():
            if name.split("-")[0] == "DelegateIn":
                model["properties"]["category"]["enum"] = categories
                if add_ons:
                    model["properties"]["add_ons"]["items"]["enum"] = add_ons
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
