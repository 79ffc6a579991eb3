"""The event → message table, the retry policy, Message-IDs and the rate limit."""

from __future__ import annotations

from datetime import timedelta

import pytest

from schemas.registration import PaymentSucceeded, RegistrationUpdated
from schemas.values import PaymentMethod
from services.notify.adapters.smtp import RateLimiter
from services.notify.domain.delivery import Outcome, RetryPolicy, classify_reply
from services.notify.domain.rules import (
    REMINDER_TEMPLATE,
    TEMPLATES,
    UnknownRecipient,
    awaits_payment,
    contact_from,
    display_name,
    message_id,
    newer_contact,
    plan_messages,
    reminder_due,
    settles_payment,
)
from services.notify.domain.samples import NOW, sample_contact, sample_delegate, sample_events

DELEGATE = sample_delegate()
CONTACT = sample_contact(DELEGATE)
EVENTS = sample_events(DELEGATE, pdf_path="/srv/pdf/x.pdf")


@pytest.mark.parametrize("template", [t for t in TEMPLATES if t != REMINDER_TEMPLATE])
def test_each_sample_event_maps_to_its_message(template: str) -> None:
    plans = plan_messages(EVENTS[template], "ev-1", CONTACT, {"badge": "https://badges/me"})
    assert [p.template for p in plans] == [template]
    plan = plans[0]
    assert plan.recipient.email == DELEGATE.email and plan.recipient.recipient_id == DELEGATE.delegate_id
    assert plan.recipient.name == "Zoë Ørsted-Müller"
    assert plan.cause_event_id == "ev-1"


def test_documents_are_attached_from_their_location() -> None:
    (receipt,) = plan_messages(EVENTS["receipt_issued"], "e", CONTACT)
    assert [(d.location, d.filename) for d in receipt.documents] == [("/srv/pdf/x.pdf", "receipt-ICSEI27-R-0042.pdf")]
    (badge,) = plan_messages(EVENTS["badge_ready"], "e", None, {"badge": "https://badges/me"})
    assert badge.documents[0].fallback_link == "https://badges/me"
    assert badge.recipient.name == DELEGATE.badge_name  # no contact yet: the printed name
    assert plan_messages(EVENTS["registration_received"], "e", None)[0].documents == ()


def test_card_payment_is_announced_by_the_confirmation_not_twice() -> None:
    card = PaymentSucceeded(**{**EVENTS["payment_confirmed"].model_dump(), "method": PaymentMethod.CARD})
    assert plan_messages(card, "e", CONTACT) == []
    assert plan_messages(EVENTS["payment_confirmed"], "e", CONTACT)[0].template == "payment_confirmed"


def test_events_without_an_address_need_a_stored_contact() -> None:
    with pytest.raises(UnknownRecipient):
        plan_messages(EVENTS["refund_issued"], "e", None)


def test_events_that_cause_no_mail_map_to_nothing() -> None:
    updated = RegistrationUpdated(
        congress_id="c", registration_id="r", delegate_id="d-1", registration_version=3, delegate=DELEGATE
    )
    assert plan_messages(updated, "e", CONTACT) == []
    contact = contact_from(updated)
    assert contact is not None and contact.version == 3
    assert newer_contact(CONTACT, contact) and not newer_contact(contact, CONTACT)


def test_names_are_ordered_as_their_language_writes_them() -> None:
    assert display_name(sample_delegate("太郎", "山田", language="ja")) == "山田太郎"
    assert display_name(sample_delegate("Taro", "Yamada", language="ja")) == "Yamada Taro"
    assert display_name(sample_delegate("Анна", "Иванова", language="ru")) == "Анна Иванова"


def test_reminders_track_unpaid_card_registrations() -> None:
    assert awaits_payment(EVENTS["registration_received"])
    assert settles_payment(EVENTS["registration_confirmed"]) and settles_payment(EVENTS["registration_cancelled"])
    assert not reminder_due(NOW, NOW + timedelta(hours=71), timedelta(hours=72))
    assert reminder_due(NOW, NOW + timedelta(hours=72), timedelta(hours=72))


def test_message_id_is_derived_from_cause_and_template() -> None:
    first = message_id("ev-1", "badge_ready", "icsei.example.org")
    assert first == message_id("ev-1", "badge_ready", "icsei.example.org")
    assert first != message_id("ev-1", "receipt_issued", "icsei.example.org")
    assert first != message_id("ev-2", "badge_ready", "icsei.example.org")
    local, _, domain = first.strip("<>").partition("@")
    assert len(local) == 32 and domain == "icsei.example.org"


def test_smtp_replies_are_classified_by_their_first_digit() -> None:
    assert classify_reply(250) is Outcome.SENT
    assert classify_reply(421) is Outcome.TEMPORARY and classify_reply(451) is Outcome.TEMPORARY
    assert classify_reply(550) is Outcome.PERMANENT and classify_reply(554) is Outcome.PERMANENT


def test_backoff_grows_exponentially_with_jitter_and_a_ceiling() -> None:
    policy = RetryPolicy(base_seconds=30, factor=2, max_seconds=600, max_attempts=5)
    assert [policy.delay(n, 0.999999) for n in (1, 2, 3)] == pytest.approx([30, 60, 120], rel=1e-4)
    assert [policy.delay(n, 0.0) for n in (1, 2, 3)] == [15, 30, 60]  # jitter: between half and all of it
    assert policy.delay(10, 0.5) <= 600 and policy.delay(10, 0.0) == 300
    assert not policy.gives_up_after(4) and policy.gives_up_after(5)
    assert RetryPolicy(jitter=False, base_seconds=1).delay(3, 0.7) == 4


def test_rate_limit_spaces_messages_evenly() -> None:
    now = [100.0]
    limiter = RateLimiter(per_minute=120, clock=lambda: now[0])
    assert [limiter.reserve() for _ in range(3)] == [0.0, 0.5, 1.0]
    now[0] = 200.0
    assert limiter.reserve() == 0.0
    assert RateLimiter(0).reserve() == 0.0
