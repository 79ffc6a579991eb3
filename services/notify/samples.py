"""Example events for every message type: ``congress notify preview`` renders them, tests use them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from schemas.badges import BadgeIssued, DocumentIssued, DocumentKind
from schemas.base import EventData
from schemas.registration import (
    MagicLinkRequested,
    PaymentSucceeded,
    RefundIssued,
    RegistrationCancelled,
    RegistrationConfirmed,
    RegistrationCreated,
    WaitingListOffered,
)
from schemas.values import AddOn, Delegate, Money, PaymentMethod
from services.notify.domain import REMINDER_TEMPLATE, Contact, contact_from

CONGRESS_ID = "icsei-2027"
NOW = datetime(2026, 11, 3, 9, 30, tzinfo=UTC)


def sample_delegate(
    given: str = "Zoë",
    family: str = "Ørsted-Müller",
    *,
    language: str = "en",
    delegate_id: str = "d-0001",
    email: str = "zoe@example.org",
) -> Delegate:
    return Delegate(
        delegate_id=delegate_id,
        registration_number=f"ICSEI27-{delegate_id[-4:]}",
        given_name=given,
        family_name=family,
        badge_name=f"{given} {family}",
        affiliation="Universität Zürich",
        country="CH",
        email=email,
        language=language,
        category="member",
        add_ons=(AddOn(code="dinner", label="Congress dinner", kind="social"),),
    )


def sample_events(delegate: Delegate, pdf_path: str = "/srv/congress/documents/sample.pdf") -> dict[str, EventData]:
    """One event per template name that it causes."""
    ids = {
        "congress_id": CONGRESS_ID,
        "registration_id": "r-" + delegate.delegate_id,
        "delegate_id": delegate.delegate_id,
    }
    fee = Money(amount_minor=42000, currency="EUR")
    doc = {
        "congress_id": CONGRESS_ID,
        "delegate_id": delegate.delegate_id,
        "pdf_sha256": "0" * 64,
        "location": pdf_path,
        "email": delegate.email,
        "language": delegate.language,
    }
    created = RegistrationCreated(
        **ids,
        delegate=delegate,
        total=fee,
        payment_method=PaymentMethod.CARD,
        payment_url="https://pay.example.org/c/cs_test_1",
    )
    return {
        "registration_received": created,
        "registration_confirmed": RegistrationConfirmed(
            **ids, registration_version=2, delegate=delegate, total=fee, payment_method=PaymentMethod.CARD
        ),
        "payment_confirmed": PaymentSucceeded(
            **ids, amount=fee, method=PaymentMethod.INVOICE, provider_reference="ICSEI27-INV-0007", paid_at=NOW
        ),
        "receipt_issued": DocumentIssued(**doc, kind=DocumentKind.RECEIPT, document_number="ICSEI27-R-0042"),
        "invoice_issued": DocumentIssued(**doc, kind=DocumentKind.INVOICE, document_number="ICSEI27-INV-0007"),
        "visa_letter_issued": DocumentIssued(**doc, kind=DocumentKind.VISA_LETTER, document_number="ICSEI27-V-0003"),
        "certificate_issued": DocumentIssued(**doc, kind=DocumentKind.CERTIFICATE, document_number="ICSEI27-C-0042"),
        "badge_ready": BadgeIssued(
            congress_id=CONGRESS_ID,
            delegate_id=delegate.delegate_id,
            registration_version=2,
            pdf_sha256="0" * 64,
            location=pdf_path,
            email=delegate.email,
            badge_name=delegate.badge_name,
            language=delegate.language,
        ),
        "registration_cancelled": RegistrationCancelled(
            **ids,
            registration_version=3,
            reason="Cannot travel <after all> & sorry",
            cancelled_by="delegate",
            refund_due=Money(amount_minor=31500, currency="EUR"),
        ),
        "registration_expired": RegistrationCancelled(
            **ids,
            registration_version=2,
            reason="payment_expired",
            cancelled_by="system",
        ),
        "refund_issued": RefundIssued(
            **ids, amount=Money(amount_minor=31500, currency="EUR"), provider_reference="re_test_1"
        ),
        "waiting_list_offer": WaitingListOffered(
            **ids,
            add_on_code="ws-leadership",
            add_on_label="Workshop: Educational Leadership",
            offer_expires_at=NOW + timedelta(hours=48),
            accept_url="https://reg.example.org/offers/abc",
            email=delegate.email,
            language=delegate.language,
        ),
        "magic_link": MagicLinkRequested(
            **ids,
            email=delegate.email,
            link="https://reg.example.org/m/tok",
            expires_at=NOW + timedelta(minutes=30),
            language=delegate.language,
        ),
        REMINDER_TEMPLATE: created,
    }


def sample_contact(delegate: Delegate) -> Contact:
    contact = contact_from(
        RegistrationCreated(
            congress_id=CONGRESS_ID,
            registration_id="r-1",
            delegate_id=delegate.delegate_id,
            delegate=delegate,
            total=Money(amount_minor=0, currency="EUR"),
            payment_method=PaymentMethod.CARD,
        )
    )
    if contact is None:
        raise ValueError("a RegistrationCreated always carries the delegate")
    return contact
