"""Against stripe-mock: a refund is created with its task's key in its metadata, and a retry's lookup is a real call."""

from __future__ import annotations

from services.registration.adapters.stripe import StripePayments


async def test_refund_with_its_key_and_the_lookup_of_a_payments_refunds(stripe_mock_url: str) -> None:
    payments = StripePayments("sk_test_123", api_base=stripe_mock_url)
    made = await payments.refund("pi_123", 2500, idempotency_key="icsei-2027:refund-cancel:r-1:0:0")
    assert made.startswith("re_")
    # stripe-mock keeps nothing it is sent, so its listing holds only its fixture, which has no key of ours.
    assert await payments.find_refund("pi_123", idempotency_key="icsei-2027:refund-cancel:r-1:0:0") is None
