"""What commands need from the payment provider: Checkout Sessions, refunds, signed webhooks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class CheckoutRequest:
    """A card payment for one payer's registrations; the amount is the server's price."""

    payer_id: str
    amount_minor: int
    currency: str
    description: str
    email: str
    success_url: str
    cancel_url: str
    idempotency_key: str
    expires_at: int | None = None
    """Unix time when Stripe expires the session (30 min to 24 h ahead); the seats are held until then."""
    metadata: dict[str, str] = field(default_factory=dict)
    """Extra metadata (``charge`` for a later add-on payment); ``payer_id`` is always set."""


@dataclass(frozen=True)
class CheckoutSession:
    session_id: str
    url: str


class WebhookRejected(ValueError):
    """A webhook whose signature, timestamp or body is not acceptable."""


class Webhooks(Protocol):
    """The payment provider's signed webhooks."""

    def verify(self, payload: bytes, signature: str | None) -> dict[str, Any]:
        """The event if the signature matches the raw body in time (``WebhookRejected`` otherwise)."""
        ...

    def simulate_checkout(self, event_type: str, **fields: Any) -> tuple[bytes, str]:
        """A Checkout Session event and its signature as the provider would post them (the local test checkout)."""
        ...


class PaymentError(Exception):
    """The payment provider refused or failed a request (its message says why)."""


class Payments(Protocol):
    async def create_checkout(self, request: CheckoutRequest) -> CheckoutSession: ...

    async def refund(self, payment_reference: str, amount_minor: int, *, idempotency_key: str) -> str:
        """Refund part or all of a payment; returns the provider's refund id."""
        ...

    async def find_refund(self, payment_reference: str, *, idempotency_key: str) -> str | None:
        """The id of a refund of this payment made under this key, if the provider has one.

        A retried refund asks first: Stripe keeps idempotency keys for 24 hours only, so a retry
        after a day could otherwise refund twice.
        """
        ...

    async def expire_checkout(self, session_id: str) -> str:
        """Stop a Checkout Session taking money; returns its status (``expired``, or ``complete`` if paid first).

        A session that is no longer open is not an error: it is what we wanted, or a payment
        its webhook will bring (and a payment for an ended registration is refunded).
        """
        ...
