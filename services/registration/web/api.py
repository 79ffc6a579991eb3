"""The JSON API (OpenAPI at /docs) and the Stripe webhook endpoint.

Input is validated by pydantic (422 with field paths); business rejections (a full
add-on, an expired code) are 422s in the same shape, so a client handles one format.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, EmailStr, Field, StrictBool

from schemas.values import CountryCode, PaymentMethod
from services.common.openapi import JSON_BODY, refusals
from services.common.text import MultiLine, SingleLine
from services.registration.adapters.stripe import WebhookRejected, verify_webhook
from services.registration.commands import links, payments
from services.registration.commands.records import Deps, NotAllowed, RegistrationRejected
from services.registration.commands.register import DelegateForm, InvoiceDetails, register
from services.registration.web.api_models import ORGANISER_ACTIONS, Accepted, QuoteOut, RegistrationDone
from services.registration.web.rate_limits import Door, knock

GROUP_BODY_LIMIT = 256 * 1024
"""A group registration (JSON or the page's form) may be larger than the guard's default 64 KiB."""

log = logging.getLogger("congress.registration.api")
LANGUAGE = r"^[a-zA-Z]{2,3}(-[A-Za-z0-9]{2,8})*$"


class DelegateIn(BaseModel):
    given_name: SingleLine = Field(min_length=1, max_length=200, description="Given name(s) as written, any script.")
    family_name: SingleLine = Field(min_length=1, max_length=200)
    badge_name: SingleLine = Field(default="", max_length=200, description="Name as printed; defaults to both names.")
    affiliation: SingleLine = Field(min_length=1, max_length=300, description="Institution.")
    country: CountryCode = Field(description="ISO 3166-1 alpha-2 country of the institution, e.g. JP.")
    email: EmailStr
    language: str = Field(default="en", pattern=LANGUAGE, description="BCP 47 tag, e.g. en, ja, ar.")
    category: str = Field(max_length=40, description="A category of this edition, e.g. member or student.")
    add_ons: list[Annotated[str, Field(max_length=60)]] = Field(
        default_factory=list, max_length=50, description="Add-on codes of this edition."
    )
    code: SingleLine | None = Field(default=None, max_length=40, description="Discount or waiver code.")
    waitlist_if_full: StrictBool = Field(default=False, description="Join the waiting list of a full add-on.")

    def form(self) -> DelegateForm:
        return DelegateForm(**{**self.model_dump(), "add_ons": tuple(self.add_ons), "email": str(self.email)})


class InvoiceIn(BaseModel):
    institution_name: SingleLine = Field(min_length=1, max_length=300)
    institution_address: MultiLine = Field(min_length=1, max_length=1000)
    email: EmailStr
    vat_id: SingleLine | None = Field(default=None, max_length=40)
    purchase_order: SingleLine | None = Field(default=None, max_length=80)

    def details(self) -> InvoiceDetails:
        return InvoiceDetails(**{**self.model_dump(), "email": str(self.email)})


class RegistrationIn(BaseModel):
    delegates: list[DelegateIn] = Field(min_length=1, description="One delegate, or a group paid by the first.")
    payment_method: Literal["card", "invoice"] = "card"
    invoice: InvoiceIn | None = None


class MagicLinkIn(BaseModel):
    email: EmailStr


class TooManyOut(BaseModel):
    detail: str = Field(description="What happened and how long to wait (also in the Retry-After header).")


LIMITED: dict[int | str, dict[str, Any]] = {
    429: {"model": TooManyOut, "description": "Too many requests from this client or for this address."}
}


def rejected(exc: RegistrationRejected | NotAllowed) -> JSONResponse:
    errors = exc.errors if isinstance(exc, RegistrationRejected) else {"": str(exc)}
    detail = [
        {
            "loc": ["body", *[int(p) if p.isdigit() else p for p in path.split(".") if p]],
            "msg": msg,
            "type": "value_error",
        }
        for path, msg in errors.items()
    ]
    return JSONResponse({"detail": detail}, status_code=422)


def router(deps: Deps, *, webhook_secret: str, tolerance: int) -> APIRouter:
    api = APIRouter()

    @api.post(
        "/api/registrations",
        status_code=201,
        tags=["delegates"],
        response_model=RegistrationDone,
        responses=refusals(409, 502, *JSON_BODY) | LIMITED | {201: {"links": ORGANISER_ACTIONS}},
        max_body_size=GROUP_BODY_LIMIT,
    )
    async def create_registration(body: RegistrationIn, request: Request) -> Any:
        """Register one delegate or a group (the first pays); the price is computed here.

        An address that already has an active registration is refused (422 on its ``email``) and
        its owner is told by email; too many requests from one client or for one address get 429.
        """
        await knock(deps.doors, Door.REGISTER, request, [str(d.email) for d in body.delegates])
        try:
            done = await register(
                deps,
                [d.form() for d in body.delegates],
                PaymentMethod(body.payment_method),
                body.invoice.details() if body.invoice else None,
            )
        except RegistrationRejected as exc:
            return rejected(exc)
        return {
            "payer_id": done.payer_id,
            "payment_url": done.payment_url,
            "total": done.total,
            "currency": deps.congress.currency,
            "waitlisted": list(done.waitlisted),
            "registrations": [
                {
                    "registration_id": r["id"],
                    "number": r["number"],
                    "status": r["status"],
                    "total": r["total_minor"],
                    "lines": r["lines"],
                }
                for r in done.rows
            ],
        }

    @api.post(
        "/api/quote",
        tags=["delegates"],
        response_model=QuoteOut,
        responses=refusals(*JSON_BODY) | LIMITED,
        max_body_size=GROUP_BODY_LIMIT,
    )
    async def quote(body: RegistrationIn, request: Request) -> Any:
        """The price breakdown the server would charge, without registering."""
        from services.registration.commands.register import price_all

        await knock(deps.doors, Door.QUOTE, request, [str(d.email) for d in body.delegates])
        try:
            quotes = price_all(deps, [d.form().normalised() for d in body.delegates], deps.clock())
        except RegistrationRejected as exc:
            return rejected(exc)
        return {
            "currency": deps.congress.currency,
            "total": sum(q.total for q in quotes),
            "delegates": [
                {
                    "lines": [[ln.description, ln.amount_minor] for ln in q.lines],
                    "total": q.total,
                    "early_bird": q.early_bird,
                    "income_group": q.income_group.value,
                }
                for q in quotes
            ],
        }

    @api.post("/api/magic-link", status_code=202, tags=["delegates"], responses=refusals(*JSON_BODY) | LIMITED)
    async def magic_link(body: MagicLinkIn, request: Request) -> Accepted:
        """Email a sign-in link for each active registration of this address (the answer is the same either way)."""
        await knock(deps.doors, Door.SIGN_IN_LINK, request, [str(body.email)])
        await links.request_sign_in(deps, str(body.email))
        return Accepted(status="if this address is registered, a sign-in link is on its way")

    @api.post("/stripe/webhook", include_in_schema=False)
    async def stripe_webhook(request: Request) -> Any:
        payload = await request.body()
        return await process_webhook(
            deps, payload, request.headers.get("stripe-signature"), secret=webhook_secret, tolerance=tolerance
        )

    return api


async def process_webhook(
    deps: Deps, payload: bytes, signature: str | None, *, secret: str, tolerance: int
) -> JSONResponse:
    """Verify the raw body's signature, then apply the event once."""
    try:
        event = verify_webhook(payload, signature, secret, tolerance=tolerance)
    except WebhookRejected as exc:
        log.warning("stripe webhook rejected: %s", exc)
        return JSONResponse({"error": str(exc)}, status_code=400)
    outcome = await payments.handle_stripe_event(deps, event)
    log.info(
        "stripe event %s: %s",
        event.get("type"),
        outcome,
        extra={"event_id": event.get("id"), "event_type": event.get("type")},
    )
    return JSONResponse({"received": True, "outcome": outcome})
