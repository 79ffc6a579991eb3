"""A consumer batch planned once (domain/batch.py): pure, no database, no mail."""

from __future__ import annotations

from schemas.base import EventData
from services.notify.domain.batch import Batch, PlanSettings, plan_batch
from services.notify.domain.programme_samples import sample_session
from services.notify.domain.rules import RULES
from services.notify.domain.samples import sample_delegate, sample_events

DELEGATE = sample_delegate(given="Ана", family="Петровић", language="sr")
EVENTS = sample_events(DELEGATE)


def pairs(*names: str) -> list[tuple[str, EventData]]:
    return [(f"e-{n}", EVENTS[name]) for n, name in enumerate(names)]


def test_the_contact_an_event_leaves_addresses_the_next_events_messages() -> None:
    batch = Batch(contacts={DELEGATE.delegate_id: None})  # read: none stored yet
    planned = plan_batch(pairs("registration_received", "registration_cancelled"), batch, PlanSettings())
    received, cancelled = planned["e-0"], planned["e-1"]
    assert received.contact is not None and received.contact.name == "Ана Петровић"
    assert [p.template for p in received.plans] == ["registration_received"]
    (message,) = cancelled.plans
    assert message.template == "registration_cancelled" and message.recipient.email == DELEGATE.email
    assert cancelled.unknown is None
    assert batch.contacts == {DELEGATE.delegate_id: None}  # planning decides; the handlers stage and record


def test_a_message_with_no_known_recipient_is_planned_as_its_failure() -> None:
    planned = plan_batch(pairs("refund_issued"), Batch(contacts={DELEGATE.delegate_id: None}), PlanSettings())
    refund = planned["e-0"]
    assert refund.plans == () and refund.unknown is not None
    assert refund.unknown.template == RULES[type(EVENTS["refund_issued"])][0].template
    assert DELEGATE.delegate_id in refund.reason


def test_messages_that_need_stored_data_are_left_to_their_handler() -> None:
    events = [("session", sample_session()), ("link", EVENTS["magic_link"])]
    planned = plan_batch(events, Batch(), PlanSettings())
    assert "session" not in planned  # the programme's messages depend on whom notify told before
    assert [p.template for p in planned["link"].plans] == ["magic_link"]
