"""Which event causes which message, to whom, with which documents — and the retry rules.

Pure: no I/O. The table ``RULES`` is the whole mapping; adding a message is a
template pair in ``templates/`` and one row here. Event payloads come from
``schemas/`` (plain data); the contact of a delegate whose event carries no
address (e.g. ``PaymentSucceeded``) is passed in by the caller, who keeps it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from schemas.badges import BadgeIssued, DocumentIssued, DocumentKind
from schemas.base import EventData
from schemas.delegates import DelegateSnapshot
from schemas.registration import (
    InvoiceHoldEnding,
    LinkKind,
    MagicLinkRequested,
    MagicLinkRequestedV2,
    PaymentSucceeded,
    RefundIssued,
    RegistrationAttemptedForExistingAddress,
    RegistrationCancelled,
    RegistrationConfirmed,
    RegistrationCreated,
    RegistrationCreatedFields,
    RegistrationCreatedV2,
    RegistrationUpdated,
    WaitingListOffered,
    WaitingListOfferedV2,
)
from schemas.values import Delegate, PaymentMethod
from services.common.ics import CalendarEntry

FAMILY_NAME_FIRST = frozenset({"zh", "ja", "ko", "hu", "vi"})
"""Languages whose speakers write the family name first."""


@dataclass(frozen=True)
class Contact:
    """What notify keeps about a delegate so it can mail them about events that carry no address."""

    delegate_id: str
    email: str
    name: str
    language: str = "en"
    registration_number: str = ""
    version: int = 0


@dataclass(frozen=True)
class Recipient:
    recipient_id: str
    email: str
    name: str = ""
    language: str = "en"


@dataclass(frozen=True)
class DocumentRef:
    """A PDF to attach (a local path) or to link (a URL, or when too large: ``fallback_link``)."""

    location: str
    filename: str
    fallback_link: str | None = None


@dataclass(frozen=True)
class MessagePlan:
    """One message to send: rendered from ``template`` with ``context``; sent at most once per cause."""

    template: str
    cause_event_id: str
    recipient: Recipient
    context: Mapping[str, Any]
    documents: tuple[DocumentRef, ...] = ()
    calendar: tuple[CalendarEntry, ...] = ()
    """Slots to attach as one iCalendar file (``services.common.ics``); none: no calendar attachment."""
    key: str = ""
    """Tells apart several messages of one template for one cause (one per author of a decision)."""
    about: str | None = None
    """The abstract the message is about, for ``NotificationSent``/``Failed``."""

    def message_id(self, domain: str) -> str:
        return message_id(self.cause_event_id, self.template, domain, self.key)


class UnknownRecipient(LookupError):
    """The event needs a stored contact and notify has none for this delegate."""


def display_name(delegate: Delegate) -> str:
    return name_in_order(delegate.given_name, delegate.family_name, delegate.language)


def name_in_order(given: str, family: str, language: str) -> str:
    """Given then family name, or family first for the languages whose speakers write it so."""
    first, last = given.strip(), family.strip()
    if language.split("-")[0].lower() not in FAMILY_NAME_FIRST:
        return f"{first} {last}".strip()
    # Han, kana and hangul names are written without a space; romanised ones keep it.
    joiner = "" if any(ord(ch) >= 0x2E80 for ch in first + last) else " "
    return f"{last}{joiner}{first}".strip()


def contact_from(data: EventData) -> Contact | None:
    """The contact an event reveals (registration events and snapshots carry the delegate)."""
    delegate = getattr(data, "delegate", None)
    if not isinstance(delegate, Delegate):
        return None
    return Contact(
        delegate_id=delegate.delegate_id,
        email=delegate.email,
        name=display_name(delegate),
        language=delegate.language,
        registration_number=delegate.registration_number,
        version=int(getattr(data, "registration_version", 0)),
    )


def newer_contact(stored: Contact | None, incoming: Contact) -> bool:
    """Only a same-or-newer registration version replaces what is stored (topics are not ordered together)."""
    return stored is None or incoming.version >= stored.version


# ---- recipients -------------------------------------------------------------------------------------------

Who = Callable[[Any, Contact | None], Recipient]


def the_delegate(data: Any, _contact: Contact | None) -> Recipient:
    d: Delegate = data.delegate
    return Recipient(recipient_id=d.delegate_id, email=d.email, name=display_name(d), language=d.language)


def stored_contact(data: Any, contact: Contact | None) -> Recipient:
    if contact is None:
        raise UnknownRecipient(f"no contact details for delegate {data.delegate_id}")
    return Recipient(
        recipient_id=contact.delegate_id, email=contact.email, name=contact.name, language=contact.language
    )


def event_address(data: Any, contact: Contact | None) -> Recipient:
    """The event names the address; the stored contact (else the badge name, if any) gives the name."""
    name = contact.name if contact is not None else getattr(data, "badge_name", "")
    return Recipient(recipient_id=data.delegate_id, email=data.email, name=name, language=data.language)


# ---- documents ------------------------------------------------------------------------------------------


def no_documents(_data: Any, _links: Mapping[str, str]) -> tuple[DocumentRef, ...]:
    return ()


def issued_document(data: Any, _links: Mapping[str, str]) -> tuple[DocumentRef, ...]:
    name = f"{data.kind.value.replace('_', '-')}-{data.document_number}.pdf"
    return (DocumentRef(location=data.location, filename=name),)


def badge_pdf(data: Any, links: Mapping[str, str]) -> tuple[DocumentRef, ...]:
    return (
        DocumentRef(location=data.location, filename=f"badge-{data.delegate_id}.pdf", fallback_link=links.get("badge")),
    )


# ---- the table --------------------------------------------------------------------------------------------


def always(_data: Any) -> bool:
    return True


def kind_is(kind: DocumentKind) -> Callable[[Any], bool]:
    return lambda data: data.kind == kind


PAYMENT_EXPIRED = "payment_expired"
"""RegistrationCancelled.reason when registration released an unpaid card registration (docs/registration.md)."""
INVOICE_UNPAID = "invoice_unpaid"
"""RegistrationCancelled.reason when registration released an invoice registration whose hold ran out unpaid."""
RELEASED = (PAYMENT_EXPIRED, INVOICE_UNPAID)


@dataclass(frozen=True)
class Rule:
    template: str
    recipient: Who
    documents: Callable[[Any, Mapping[str, str]], tuple[DocumentRef, ...]] = no_documents
    when: Callable[[Any], bool] = always


RULES: Mapping[type[EventData], tuple[Rule, ...]] = {
    RegistrationCreated: (Rule("registration_received", the_delegate),),
    RegistrationCreatedV2: (Rule("registration_received", the_delegate),),
    # Card payers' confirmation says the payment arrived; PaymentSucceeded mails only a later
    # payment (an invoice paid after the registration was accepted on invoice).
    RegistrationConfirmed: (Rule("registration_confirmed", the_delegate),),
    PaymentSucceeded: (Rule("payment_confirmed", stored_contact, when=lambda d: d.method == PaymentMethod.INVOICE),),
    DocumentIssued: (
        Rule("receipt_issued", event_address, issued_document, kind_is(DocumentKind.RECEIPT)),
        Rule("invoice_issued", event_address, issued_document, kind_is(DocumentKind.INVOICE)),
        Rule("visa_letter_issued", event_address, issued_document, kind_is(DocumentKind.VISA_LETTER)),
        Rule("certificate_issued", event_address, issued_document, kind_is(DocumentKind.CERTIFICATE)),
    ),
    BadgeIssued: (Rule("badge_ready", event_address, badge_pdf),),
    RegistrationCancelled: (
        Rule("registration_cancelled", stored_contact, when=lambda d: d.reason not in RELEASED),
        # An unpaid card registration whose hold ran out (registration's sweep or Stripe's expiry).
        Rule("registration_expired", stored_contact, when=lambda d: d.reason == PAYMENT_EXPIRED),
        # An invoice registration whose hold ran out unpaid (registration's sweep).
        Rule("registration_released", stored_contact, when=lambda d: d.reason == INVOICE_UNPAID),
    ),
    InvoiceHoldEnding: (Rule("invoice_hold_ending", event_address),),
    RegistrationAttemptedForExistingAddress: (Rule("registration_attempted", event_address),),
    RefundIssued: (Rule("refund_issued", stored_contact),),
    WaitingListOffered: (Rule("waiting_list_offer", event_address),),
    WaitingListOfferedV2: (Rule("waiting_list_offer", event_address),),
    MagicLinkRequested: (Rule("magic_link", event_address),),
    MagicLinkRequestedV2: (
        Rule("magic_link", event_address, when=lambda d: d.kind == LinkKind.SIGN_IN),
        Rule("registration_link", event_address, when=lambda d: d.kind == LinkKind.VIEW),
    ),
}

REMINDER_TEMPLATE = "payment_reminder"
CONTACT_EVENTS: tuple[type[EventData], ...] = (
    RegistrationCreated,
    RegistrationCreatedV2,
    RegistrationConfirmed,
    RegistrationUpdated,
    DelegateSnapshot,
)
TEMPLATES: tuple[str, ...] = (*dict.fromkeys(r.template for rules in RULES.values() for r in rules), REMINDER_TEMPLATE)
"""The registration and badges messages (``abstracts.ABSTRACT_TEMPLATES`` has the abstracts context's)."""


def plan_messages(
    data: EventData, cause_event_id: str, contact: Contact | None, links: Mapping[str, str] | None = None
) -> list[MessagePlan]:
    """The messages one event causes (none for most events). Raises ``UnknownRecipient``."""
    plans = []
    for rule in RULES.get(type(data), ()):
        if not rule.when(data):
            continue
        recipient = rule.recipient(data, contact)
        plans.append(
            MessagePlan(
                template=rule.template,
                cause_event_id=cause_event_id,
                recipient=recipient,
                context={"event": data, "contact": contact},
                documents=rule.documents(data, links or {}),
            )
        )
    return plans


def reminder_plan(contact: Contact, cause_event_id: str, created: RegistrationCreatedFields) -> MessagePlan:
    """The reminder to a card payer who has not paid; its cause is the RegistrationCreated event."""
    recipient = Recipient(
        recipient_id=contact.delegate_id, email=contact.email, name=contact.name, language=contact.language
    )
    return MessagePlan(
        template=REMINDER_TEMPLATE,
        cause_event_id=cause_event_id,
        recipient=recipient,
        context={"event": created, "contact": contact},
    )


@dataclass(frozen=True)
class Unpaid:
    """A card payer's registration notify has not seen paid yet (for the payment reminder)."""

    delegate_id: str
    cause_event_id: str
    event: bytes
    """The RegistrationCreated event, encoded."""
    created_at: datetime


def awaits_payment(data: EventData) -> bool:
    return isinstance(data, RegistrationCreatedFields) and data.payment_method == PaymentMethod.CARD


def settles_payment(data: EventData) -> bool:
    return isinstance(data, (PaymentSucceeded, RegistrationConfirmed, RegistrationCancelled))


def reminder_due(created_at: datetime, now: datetime, delay: timedelta) -> bool:
    return now - created_at >= delay


# ---- identity ------------------------------------------------------------------------------------------


def message_id(cause_event_id: str, template: str, domain: str, key: str = "") -> str:
    """The same cause, template (and key) always give the same Message-ID, so a resend is recognisable."""
    digest = hashlib.sha256(f"{cause_event_id}{template}{key}".encode()).hexdigest()[:32]
    return f"<{digest}@{domain}>"
