"""Registration events as the registration service would emit them, for the badges tests."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from schemas.delegates import DelegateSnapshot
from schemas.registration import (
    InvoiceIssued,
    InvoiceLine,
    PaymentSucceeded,
    RegistrationCancelled,
    RegistrationConfirmed,
    RegistrationUpdated,
)
from schemas.values import AddOn, Delegate, Money, PaymentMethod, Role

CONGRESS = "icsei-2027"

SCRIPT_NAMES: list[tuple[str, str, str, str]] = [
    # given, family, language, the font family pdffonts must list for the given name
    ("Jürgen", "Müller-Lüdenscheidt", "de", "Noto-Sans"),
    ("Иван", "Петров", "ru", "Noto-Sans"),
    ("Ελένη", "Παπαδοπούλου", "el", "Noto-Sans"),
    ("محمد", "حسن", "ar", "Noto-Sans-Arabic"),
    ("אברהם", "כהן", "he", "Noto-Sans-Hebrew"),
    ("राहुल", "वर्मा", "hi", "Noto-Sans-Devanagari"),
    ("সৌরভ", "দাস", "bn", "Noto-Sans-Bengali"),
    ("முத்து", "ராமன்", "ta", "Noto-Sans-Tamil"),
    ("สมชาย", "ใจดี", "th", "Noto-Sans-Thai"),
    ("ნინო", "ბერიძე", "ka", "Noto-Sans-Georgian"),
    ("Արամ", "Խաչատրյան", "hy", "Noto-Sans-Armenian"),
    ("አበበ", "ቢቂላ", "am", "Noto-Sans-Ethiopic"),
    ("伟", "王", "zh", "Noto-Sans-CJK-SC"),
    ("さくら", "山田", "ja", "Noto-Sans-CJK-JP"),
    ("민준", "김", "ko", "Noto-Sans-CJK-KR"),
    ("Sofía 美咲", "Nakamura-Ortiz", "es", "Noto-Sans-CJK-JP"),
]


def delegate(
    given: str,
    family: str,
    *,
    language: str = "en",
    number: int = 1,
    roles: tuple[Role, ...] = (Role.DELEGATE,),
    affiliation: str = "University of Testing",
    delegate_id: str | None = None,
) -> Delegate:
    return Delegate(
        delegate_id=delegate_id or f"del-{uuid.uuid4().hex[:12]}",
        registration_number=f"ICSEI27-{number:05d}",
        given_name=given,
        family_name=family,
        badge_name=f"{given} {family}",
        affiliation=affiliation,
        country="JP",
        email=f"person{number}@example.org",
        language=language,
        category="member",
        roles=roles,
        add_ons=(AddOn(code="dinner", label="Congress dinner", kind="social"),),
    )


def confirmed(d: Delegate, version: int = 1) -> RegistrationConfirmed:
    return RegistrationConfirmed(
        congress_id=CONGRESS,
        registration_id=f"reg-{d.delegate_id}",
        delegate_id=d.delegate_id,
        registration_version=version,
        delegate=d,
        total=Money(amount_minor=42000, currency="EUR"),
        payment_method=PaymentMethod.CARD,
    )


def updated(d: Delegate, version: int) -> RegistrationUpdated:
    return RegistrationUpdated(
        congress_id=CONGRESS,
        registration_id=f"reg-{d.delegate_id}",
        delegate_id=d.delegate_id,
        registration_version=version,
        delegate=d,
        changed_fields=("badge_name",),
    )


def cancelled(d: Delegate, version: int) -> RegistrationCancelled:
    return RegistrationCancelled(
        congress_id=CONGRESS,
        registration_id=f"reg-{d.delegate_id}",
        delegate_id=d.delegate_id,
        registration_version=version,
        reason="cannot travel",
        cancelled_by="delegate",
    )


def paid(d: Delegate, reference: str | None = None) -> PaymentSucceeded:
    return PaymentSucceeded(
        congress_id=CONGRESS,
        registration_id=f"reg-{d.delegate_id}",
        delegate_id=d.delegate_id,
        amount=Money(amount_minor=42000, currency="EUR"),
        method=PaymentMethod.CARD,
        provider_reference=reference or f"cs_test_{uuid.uuid4().hex[:10]}",
        paid_at=datetime.now(UTC),
    )


def snapshot(d: Delegate, version: int, status: str = "confirmed", is_paid: bool = True) -> DelegateSnapshot:
    return DelegateSnapshot(
        congress_id=CONGRESS,
        delegate_id=d.delegate_id,
        registration_id=f"reg-{d.delegate_id}",
        registration_version=version,
        status=status,
        paid=is_paid,
        payment_method=PaymentMethod.CARD,
        delegate=d,
    )


def invoice(d: Delegate, number: str) -> InvoiceIssued:
    now = datetime.now(UTC)
    return InvoiceIssued(
        congress_id=CONGRESS,
        registration_id=f"reg-{d.delegate_id}",
        delegate_id=d.delegate_id,
        invoice_number=number,
        issued_at=now,
        due_at=now + timedelta(days=30),
        institution_name="Universität Wien",
        institution_address="Universitätsring 1\n1010 Wien",
        vat_id="ATU12345678",
        purchase_order="PO-4711",
        lines=(
            InvoiceLine(
                description="Registration (member)",
                amount=Money(amount_minor=42000, currency="EUR"),
            ),
        ),
        total=Money(amount_minor=42000, currency="EUR"),
        email="finance@univie.example",
    )
