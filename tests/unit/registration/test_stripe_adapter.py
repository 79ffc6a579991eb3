"""Expiring a Checkout Session that is no longer open is what we wanted, not an error (no I/O: the
stripe-python session service is replaced by one answering as Stripe does), and the retry backoff."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
import stripe
from stripe.checkout._session_service import SessionService

from schemas.values import PaymentMethod
from services.registration.adapters.stripe import StripePayments
from services.registration.commands.stripe_tasks import card_payments, retry_delay
from services.registration.ports import PaymentError
from tests.unit.registration.made import registration

NOT_OPEN = (
    'Only Checkout Sessions with a status in ["open"] can be expired. This Checkout Session has a status of `{}`.'
)


def stripe_answering(monkeypatch: pytest.MonkeyPatch, status: str, *, refuse: bool) -> None:
    async def expire(self: SessionService, session: str, /, *args: Any) -> Any:
        if refuse:
            raise stripe.InvalidRequestError(NOT_OPEN.format(status), None)
        return SimpleNamespace(id=session, status="expired")

    async def retrieve(self: SessionService, session: str, /, *args: Any) -> Any:
        return SimpleNamespace(id=session, status=status)

    monkeypatch.setattr(SessionService, "expire_async", expire)
    monkeypatch.setattr(SessionService, "retrieve_async", retrieve)


@pytest.mark.parametrize(
    ("status", "refuse", "answer"),
    [("open", False, "expired"), ("expired", True, "expired"), ("complete", True, "complete")],
)
async def test_expire_tolerates_a_session_no_longer_open(
    monkeypatch: pytest.MonkeyPatch, status: str, refuse: bool, answer: str
) -> None:
    stripe_answering(monkeypatch, status, refuse=refuse)
    assert await StripePayments("sk_test_x", api_base="http://127.0.0.1:9").expire_checkout("cs_1") == answer


async def test_expire_refused_while_still_open_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    stripe_answering(monkeypatch, "open", refuse=True)
    with pytest.raises(PaymentError, match="refused to expire"):
        await StripePayments("sk_test_x", api_base="http://127.0.0.1:9").expire_checkout("cs_1")


def test_retries_back_off_exponentially_up_to_an_hour() -> None:
    assert [retry_delay(n) for n in (1, 2, 3)] == [timedelta(minutes=m) for m in (1, 2, 4)]
    assert retry_delay(30) == timedelta(hours=1)


def test_card_payments_of_a_waived_registration_are_its_add_ons_paid_by_card() -> None:
    waived = registration(id="r1", total_minor=8500, paid=True, payment_method=PaymentMethod.WAIVER)
    card = replace(waived, total_minor=60500, payment_method=PaymentMethod.CARD, payment_reference="pi_reg")
    charges = [
        {"registration_id": "r1", "method": "card", "status": "paid", "reference": "pi_dinner", "amount_minor": 8500},
        {"registration_id": "r1", "method": "card", "status": "refunding", "reference": "pi_x", "amount_minor": 8500},
        {"registration_id": "r2", "method": "card", "status": "paid", "reference": "pi_other", "amount_minor": 100},
    ]
    assert card_payments(waived, charges) == [("pi_dinner", 8500)]
    assert card_payments(card, charges) == [("pi_reg", 52000), ("pi_dinner", 8500)]
    assert card_payments(replace(card, paid=False), charges) == [("pi_dinner", 8500)]


async def test_a_refund_is_found_again_by_the_key_in_its_metadata(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stripe forgets idempotency keys after a day; the key also travels in the refund's metadata."""
    from stripe._refund_service import RefundService

    asked: list[dict[str, Any]] = []

    def refund(rid: str, key: str | None) -> Any:
        metadata = stripe.StripeObject.construct_from({"congress_task": key} if key else {}, "sk_test_x")
        return SimpleNamespace(id=rid, metadata=metadata)

    async def listing(self: RefundService, params: dict[str, Any], *args: Any) -> Any:
        asked.append(params)
        return SimpleNamespace(data=[refund("re_other", None), refund("re_ours", "k-1"), refund("re_x", "k-2")])

    monkeypatch.setattr(RefundService, "list_async", listing)
    payments = StripePayments("sk_test_x", api_base="http://127.0.0.1:9")
    assert await payments.find_refund("pi_1", idempotency_key="k-1") == "re_ours"
    assert await payments.find_refund("pi_1", idempotency_key="k-3") is None
    assert asked[0] == {"payment_intent": "pi_1", "limit": 100}
