"""``congress tail`` prints one line per event, whatever people typed into the fields."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from schemas.base import encode, new_event
from schemas.registration import InvoiceIssued, InvoiceLine
from schemas.values import Money
from services.cli.tail import format_record


def test_a_multi_line_address_or_an_escape_sequence_stays_on_its_line() -> None:
    fee = Money(amount_minor=42000, currency="EUR")
    invoice = InvoiceIssued(
        congress_id="icsei-2027",
        registration_id="r-1",
        delegate_id="d-1",
        invoice_number="ICSEI27-INV-0001",
        issued_at=datetime(2026, 11, 24, tzinfo=UTC),
        due_at=datetime(2026, 12, 24, tzinfo=UTC),
        institution_name="Universidad \x1b[2JNacional\u202e",
        institution_address="Accounts payable\nAv. Universitaria 1801\nLima",
        lines=(InvoiceLine(description="Registration", amount=fee),),
        total=fee,
        email="billing@example.org",
    )
    _, subject, line = format_record("congress.registration", b"d-1", encode(new_event(invoice, "/tests")), [])
    assert subject == "d-1" and "\n" not in line and "\x1b" not in line and "\u202e" not in line
    assert "'Accounts payable\\nAv. Universitaria 1801\\nLima'" in line
    assert "institution_name='Universidad \\x1b[2JNacional\\u202e'" in line
    assert "invoice_number=ICSEI27-INV-0001" in line  # plain values stay plain


def test_a_person_whose_keys_were_erased_shows_as_erased() -> None:
    from schemas.delegates import DelegateSnapshot
    from schemas.values import Delegate, PaymentMethod
    from services.common.keyring import STAGED_KEYS, Keyring

    writer = Keyring("secret", "registration")
    person = Delegate(
        delegate_id="d-1",
        registration_number="N-1",
        given_name="Ana",
        family_name="Silva",
        badge_name="Ana Silva",
        affiliation="Porto",
        country="PT",
        email="ana@example.org",
        category="member",
    )
    snapshot = DelegateSnapshot(
        congress_id="c",
        delegate_id="d-1",
        registration_id="r-1",
        registration_version=1,
        status="confirmed",
        paid=True,
        payment_method=PaymentMethod.CARD,
        delegate=person,
    )
    scratch = Session()
    value = encode(new_event(snapshot, "/tests"), writer.sealer(scratch))
    [(_, key_record)] = scratch.info[STAGED_KEYS]  # type: ignore[misc]
    viewer = Keyring("secret", "tail")
    format_record("congress.keys", key_record["key"], key_record["value"], [], viewer)
    assert "name='Ana Silva'" in format_record("congress.delegates", b"d-1", value, [], viewer)[2]
    format_record("congress.keys", key_record["key"], None, [], viewer)  # the tombstone of an erasure
    line = format_record("congress.delegates", b"d-1", value, [], viewer)[2]
    assert "name='erased'" in line and "Ana" not in line
