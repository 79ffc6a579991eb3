"""The registration aggregate: each transition checks its rule and returns the events to publish. Pure, no I/O."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from schemas.delegates import DelegateSnapshot
from schemas.registration import (
    PaymentSucceeded,
    RefundIssued,
    RegistrationCancelled,
    RegistrationConfirmed,
    RegistrationErased,
    RegistrationUpdated,
)
from schemas.values import Money, PaymentMethod, RegistrationStatus, Role
from services.registration.domain import registration as lifecycle
from services.registration.domain.pricing import AddOnSpec
from services.registration.domain.registration import ERASED, Edition, NotAllowed, Status
from tests.unit.registration.made import registration

EDITION = Edition("icsei-2027", "EUR", {"dinner": AddOnSpec("dinner", "Congress dinner", "social", 8500, 100)})
NOW = datetime(2026, 7, 1, tzinfo=UTC)


def kinds(change: lifecycle.Change) -> list[type]:
    return [type(e) for e in change.events]


def test_the_status_is_the_contracts_documented_enum() -> None:
    assert Status is RegistrationStatus
    assert {s.value for s in Status} == {"pending", "confirmed", "cancelled", "expired"}
    assert set(Status) == lifecycle.LIVE | lifecycle.ENDED and not lifecycle.LIVE & lifecycle.ENDED


def test_settle_leaves_card_pending_and_confirms_invoice_and_waiver() -> None:
    new = registration()
    assert lifecycle.settle(new, PaymentMethod.CARD).status is Status.PENDING
    invoiced = lifecycle.settle(new, PaymentMethod.INVOICE, invoice={"email": "x@y.org"}, invoice_number="INV-1")
    assert (invoiced.status, invoiced.paid, invoiced.invoice_number) == (Status.CONFIRMED, False, "INV-1")
    waived = lifecycle.settle(new, PaymentMethod.WAIVER)
    assert (waived.status, waived.paid) == (Status.CONFIRMED, True)
    member = lifecycle.settle(replace(new, id="reg_2"), PaymentMethod.INVOICE, invoice={}, invoice_number="INV-1")
    assert member.invoice_number is None  # only the payer's row carries the invoice


def test_a_pending_registration_paid_is_confirmed_once() -> None:
    change = lifecycle.pay(registration(), EDITION, NOW, PaymentMethod.CARD, "pi_1")
    assert change.registration.status is Status.CONFIRMED and change.registration.paid
    assert change.registration.version == 2 and change.values["version"] == 2
    assert kinds(change) == [PaymentSucceeded, RegistrationConfirmed, DelegateSnapshot]
    again = lifecycle.pay(change.registration, EDITION, NOW, PaymentMethod.CARD, "pi_2", amount=100)
    assert kinds(again) == [PaymentSucceeded, DelegateSnapshot]  # confirmed already: not twice
    assert again.events[0] == PaymentSucceeded(
        congress_id="icsei-2027",
        registration_id="reg_1",
        delegate_id="del_1",
        amount=Money(amount_minor=100, currency="EUR"),
        method=PaymentMethod.CARD,
        provider_reference="pi_2",
        paid_at=NOW,
    )


def test_money_for_an_ended_registration_leaves_it_ended() -> None:
    expired = registration(status=Status.EXPIRED)
    change = lifecycle.pay(expired, EDITION, NOW, PaymentMethod.CARD, "pi_1")
    assert change.registration.status is Status.EXPIRED and kinds(change) == [PaymentSucceeded, DelegateSnapshot]
    retaken = lifecycle.pay(lifecycle.retaken(expired), EDITION, NOW, PaymentMethod.CARD, "pi_1")
    assert retaken.registration.status is Status.CONFIRMED and RegistrationConfirmed in kinds(retaken)
    with pytest.raises(ValueError, match="released"):
        lifecycle.retaken(registration(status=Status.CANCELLED))


@pytest.mark.parametrize(("status", "reason"), [(Status.EXPIRED, "payment_expired"), (Status.CANCELLED, "ill")])
def test_ending_publishes_a_cancellation_and_a_snapshot_with_the_status(status: Status, reason: str) -> None:
    change = lifecycle.end(registration(), EDITION, NOW, status, reason, by="system")
    cancelled, snapshot = change.events
    assert isinstance(cancelled, RegistrationCancelled) and cancelled.reason == reason
    assert isinstance(snapshot, DelegateSnapshot) and snapshot.status == status.value
    assert snapshot.status in {s.value for s in RegistrationStatus}  # the value consumers were told about
    assert change.values == {"status": status, "version": 2}


def test_only_a_live_registration_ends_or_changes() -> None:
    ended = registration(status=Status.CANCELLED)
    with pytest.raises(NotAllowed):
        lifecycle.end(ended, EDITION, NOW, Status.EXPIRED, "payment_expired", by="system")
    with pytest.raises(NotAllowed):
        lifecycle.update(ended, EDITION, NOW, ("badge_name",), badge_name="A")
    with pytest.raises(ValueError, match="not an end"):
        lifecycle.end(registration(), EDITION, NOW, Status.CONFIRMED, "x", by="system")


def test_an_update_is_the_next_version_with_the_delegate_as_it_now_is() -> None:
    change = lifecycle.update(registration(), EDITION, NOW, ("roles",), roles=(Role.DELEGATE, Role.PRESENTER))
    updated = change.events[0]
    assert isinstance(updated, RegistrationUpdated) and updated.changed_fields == ("roles",)
    assert updated.delegate.roles == (Role.DELEGATE, Role.PRESENTER)
    assert [a.label for a in updated.delegate.add_ons] == ["Congress dinner"]


def test_a_refund_is_counted_and_told() -> None:
    change = lifecycle.refunded(registration(paid=True, refunded_minor=500), EDITION, NOW, 1000, "re_1")
    assert change.registration.refunded_minor == 1500 and kinds(change) == [RefundIssued, DelegateSnapshot]


def test_erasure_waits_for_the_money_then_blanks_the_person() -> None:
    with pytest.raises(NotAllowed, match="invoice is unpaid"):
        lifecycle.check_erasable(
            registration(status=Status.CONFIRMED, payment_method=PaymentMethod.INVOICE),
            open_charge=False,
            refund_pending=False,
        )
    with pytest.raises(NotAllowed, match="paid"):
        lifecycle.check_erasable(
            registration(status=Status.CONFIRMED, paid=True), open_charge=False, refund_pending=False
        )
    with pytest.raises(NotAllowed, match="refund"):
        lifecycle.check_erasable(registration(), open_charge=False, refund_pending=True)
    lifecycle.check_erasable(registration(), open_charge=False, refund_pending=False)  # unpaid card: fine
    with pytest.raises(NotAllowed, match="cancel"):
        lifecycle.erase(registration(), EDITION, NOW, "org@example.org")
    change = lifecycle.erase(registration(status=Status.CANCELLED), EDITION, NOW, "org@example.org")
    assert change.registration.erased and change.registration.email == "erased+reg_1@invalid"
    assert kinds(change) == [RegistrationErased] and change.registration.number == "ICSEI27-00001"
    with pytest.raises(NotAllowed, match="already erased"):
        lifecycle.check_erasable(change.registration, open_charge=False, refund_pending=False)
    assert change.registration.given_name == ERASED


def test_plain_values_are_what_the_store_and_the_lists_show() -> None:
    plain = lifecycle.plain(registration())
    assert plain["status"] == "pending" and type(plain["status"]) is str
    assert plain["roles"] == ["delegate"] and plain["add_ons"] == ["dinner"]
    assert plain["lines"][1] == ["Add-on: Congress dinner", 8500]


def test_the_snapshot_contract_documents_every_status_registration_publishes() -> None:
    """``expired`` (a released hold) was published but the contract named only three values."""
    status = DelegateSnapshot.model_json_schema()["properties"]["status"]
    assert status["examples"] == [s.value for s in Status]
    assert all(s.value in status["description"] for s in Status)
