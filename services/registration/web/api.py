"""The JSON API (OpenAPI at /docs) and the Stripe webhook endpoint.

Input is validated by pydantic (422 with field paths); business rejections (a full
add-on, an expired code) are 422s in the same shape, so a client handles one format.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, EmailStr, Field

from services.common.openapi import JSON_BODY, refusals
from services.registration.commands import links, payments
from services.registration.commands.price_words import record_text
from services.registration.commands.records import Deps, NotAllowed, RegistrationRejected
from services.registration.commands.register import price_all, register
from services.registration.commands.requests import DelegateIn as DelegateIn  # the body's parts, re-exported
from services.registration.commands.requests import InvoiceIn as InvoiceIn
from services.registration.commands.requests import RegistrationIn
from services.registration.ports import WebhookRejected, Webhooks
from services.registration.web.api_models import ORGANISER_ACTIONS, Accepted, QuoteOut, RegistrationDone
from services.registration.web.rate_limits import Door, RateLimits, knock

GROUP_BODY_LIMIT = 256 * 1024
"""A group registration (JSON or the page's form) may be larger than the guard's default 64 KiB."""

log = logging.getLogger("congress.registration.api")


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


def router(deps: Deps, *, webhooks: Webhooks, doors: RateLimits | None) -> APIRouter:
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
        await knock(doors, Door.REGISTER, request, [str(d.email) for d in body.delegates])
        try:
            done = await register(deps, body)
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
                    "registration_id": r.id,
                    "number": r.number,
                    "status": r.status.value,
                    "total": r.total_minor,
                    "lines": [list(line) for line in r.lines],
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
        await knock(doors, Door.QUOTE, request, [str(d.email) for d in body.delegates])
        try:
            quotes = price_all(deps, [d.normalised() for d in body.delegates], deps.clock())
        except RegistrationRejected as exc:
            return rejected(exc)
        return {
            "currency": deps.congress.currency,
            "total": sum(q.total for q in quotes),
            "delegates": [
                {
                    "lines": [[record_text(ln), ln.amount_minor] for ln in q.lines],
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
        await knock(doors, Door.SIGN_IN_LINK, request, [str(body.email)])
        await links.request_sign_in(deps, str(body.email))
        return Accepted(status="if this address is registered, a sign-in link is on its way")

    @api.post("/stripe/webhook", include_in_schema=False)
    async def stripe_webhook(request: Request) -> Any:
        payload = await request.body()
        return await process_webhook(deps, webhooks, payload, request.headers.get("stripe-signature"))

    return api


async def process_webhook(deps: Deps, webhooks: Webhooks, payload: bytes, signature: str | None) -> JSONResponse:
    """Verify the raw body's signature, then apply the event once."""
    try:
        event = webhooks.verify(payload, signature)
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
