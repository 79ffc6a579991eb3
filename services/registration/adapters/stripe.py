"""Stripe: Checkout Sessions, refunds, and webhook signatures.

Works the same against the real Stripe API (test keys) and Stripe's stripe-mock
(``api_base``). ``sign_webhook`` builds the ``Stripe-Signature`` header exactly as
Stripe does (HMAC-SHA256 over ``"{timestamp}.{payload}"``); the local test-checkout
page and the tests use it to send the webhook Stripe would send.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from typing import Any

import stripe

from services.registration.ports import CheckoutRequest, CheckoutSession, PaymentError, WebhookRejected

TASK_KEY = "congress_task"
"""Metadata key of a refund: the idempotency key of the task that made it."""


class StripePayments:
    """``Payments`` through stripe-python's ``StripeClient``."""

    def __init__(self, api_key: str, *, api_base: str | None = None) -> None:
        bases: Any = {"api": api_base} if api_base else None
        self.client = stripe.StripeClient(api_key, base_addresses=bases, max_network_retries=2)

    async def create_checkout(self, request: CheckoutRequest) -> CheckoutSession:
        metadata = {**request.metadata, "payer_id": request.payer_id}
        params: Any = {
            "mode": "payment",
            "client_reference_id": request.payer_id,
            "customer_email": request.email,
            "metadata": metadata,
            "payment_intent_data": {"metadata": metadata},
            "success_url": request.success_url,
            "cancel_url": request.cancel_url,
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": request.currency.lower(),
                        "unit_amount": request.amount_minor,
                        "product_data": {"name": request.description},
                    },
                }
            ],
        }
        if request.expires_at is not None:
            params["expires_at"] = request.expires_at
        session = await self.client.v1.checkout.sessions.create_async(
            params, {"idempotency_key": request.idempotency_key}
        )
        return CheckoutSession(session_id=session.id, url=session.url or "")

    async def refund(self, payment_reference: str, amount_minor: int, *, idempotency_key: str) -> str:
        try:
            refund = await self.client.v1.refunds.create_async(
                {
                    "payment_intent": payment_reference,
                    "amount": amount_minor,
                    "metadata": {TASK_KEY: idempotency_key},  # found again by find_refund after 24 h
                },
                {"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as exc:
            raise PaymentError(f"Stripe refused the refund: {exc.user_message or exc}") from exc
        return str(refund.id)

    async def find_refund(self, payment_reference: str, *, idempotency_key: str) -> str | None:
        try:
            page = await self.client.v1.refunds.list_async({"payment_intent": payment_reference, "limit": 100})
        except stripe.StripeError as exc:
            raise PaymentError(f"Stripe could not list the payment's refunds: {exc.user_message or exc}") from exc
        for refund in page.data:
            metadata = refund.metadata.to_dict() if refund.metadata else {}
            if metadata.get(TASK_KEY) == idempotency_key:
                return str(refund.id)
        return None

    async def expire_checkout(self, session_id: str) -> str:
        sessions = self.client.v1.checkout.sessions
        try:
            await sessions.expire_async(session_id)  # a success is the answer (stripe-mock echoes a fixture)
        except stripe.InvalidRequestError as exc:  # not open (any more): fine unless it still is
            try:
                current = await sessions.retrieve_async(session_id)
            except stripe.StripeError:
                raise PaymentError(f"Stripe refused to expire the Checkout Session: {exc.user_message or exc}") from exc
            if current.status == "open":
                raise PaymentError(f"Stripe refused to expire the Checkout Session: {exc.user_message or exc}") from exc
            return str(current.status)
        except stripe.StripeError as exc:
            raise PaymentError(f"Stripe could not expire the Checkout Session: {exc.user_message or exc}") from exc
        return "expired"


def verify_webhook(payload: bytes, signature: str | None, secret: str, *, tolerance: int) -> dict[str, Any]:
    """The event as a dict if the ``Stripe-Signature`` header matches the raw body within ``tolerance`` s."""
    try:
        event = stripe.Webhook.construct_event(payload, signature, secret, tolerance=tolerance)
    except stripe.SignatureVerificationError as exc:
        raise WebhookRejected(f"bad signature: {exc.user_message or exc}") from exc
    except ValueError as exc:
        raise WebhookRejected(f"body is not a Stripe event: {exc}") from exc
    return dict(json.loads(payload)) if event is not None else {}


def sign_webhook(payload: bytes, secret: str, *, timestamp: int | None = None) -> str:
    """The ``Stripe-Signature`` header Stripe would send for ``payload``."""
    ts = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{ts}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={ts},v1={digest}"


def checkout_event(
    event_type: str,
    *,
    session_id: str,
    payer_id: str,
    amount_minor: int,
    currency: str,
    payment_status: str,
    payment_intent: str | None,
    event_id: str | None = None,
    metadata: dict[str, str] | None = None,
) -> bytes:
    """A webhook body in Stripe's event shape for a Checkout Session (what Stripe posts)."""
    body = {
        "id": event_id or f"evt_{uuid.uuid4().hex[:24]}",
        "object": "event",
        "api_version": "2025-01-27.acacia",
        "created": int(time.time()),
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
        "data": {
            "object": {
                "id": session_id,
                "object": "checkout.session",
                "mode": "payment",
                "client_reference_id": payer_id,
                "metadata": {**(metadata or {}), "payer_id": payer_id},
                "amount_total": amount_minor,
                "currency": currency.lower(),
                "payment_status": payment_status,
                "status": "expired"
                if event_type.endswith(".expired")
                else ("complete" if payment_status != "unpaid" else "open"),
                "payment_intent": payment_intent,
            }
        },
    }
    return json.dumps(body).encode()


class StripeWebhooks:
    """``ports.Webhooks``: Stripe's signed webhooks, verified (and, for the local test checkout, made)."""

    def __init__(self, secret: str, *, tolerance: int) -> None:
        self.secret = secret
        self.tolerance = tolerance

    def verify(self, payload: bytes, signature: str | None) -> dict[str, Any]:
        return verify_webhook(payload, signature, self.secret, tolerance=self.tolerance)

    def simulate_checkout(self, event_type: str, **fields: Any) -> tuple[bytes, str]:
        body = checkout_event(event_type, **fields)
        return body, sign_webhook(body, self.secret)
