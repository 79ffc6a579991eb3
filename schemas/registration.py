"""Events of the registration context, emitted by services/registration through its outbox.

All are keyed by ``delegate_id`` (the payer of a group registration is the delegate
who registered the group), except the presenter events, which are about an abstract
and keyed by ``abstract_id``.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from schemas.base import EventData
from schemas.personal import ByEmail, PersonalStr
from schemas.values import Delegate, Money, PaymentMethod


class LinkKind(StrEnum):
    """What a link mailed on request opens."""

    SIGN_IN = "sign-in"
    """The delegate's own pages (``/me``): single use, short-lived."""
    VIEW = "view"
    """The payer's registration page (``/registrations/<payer>``), after the old link expired."""


class RegistrationEvent(EventData):
    abstract: ClassVar[bool] = True
    context: ClassVar[str] = "registration"
    key_field: ClassVar[str] = "delegate_id"

    congress_id: str = Field(description="Edition, e.g. icsei-2027.")
    registration_id: str = Field(description="Registration id.")
    delegate_id: str = Field(description="Delegate id; the Kafka key.")


class RegistrationCreatedFields(RegistrationEvent):
    """What every version of RegistrationCreated carries; consumers match on this class."""

    abstract: ClassVar[bool] = True

    delegate: Delegate = Field(description="The delegate as registered.")
    total: Money = Field(description="Price the server computed, after codes and income group.")
    payment_method: PaymentMethod = Field(description="How the delegate chose to pay.")
    group_id: str | None = Field(default=None, description="Group registration this belongs to, if any.")


class RegistrationCreated(RegistrationCreatedFields):
    """Emitted when a delegate (or a group's payer for each member) submitted the registration form, until v2.
    Superseded by ``RegistrationCreatedV2``: this version carries the payment link (which holds the payer's
    view token) in clear."""

    payment_url: str | None = Field(default=None, description="Where to pay by card, if paying by card.")


class RegistrationCreatedV2(RegistrationCreatedFields):
    """Emitted when a delegate (or a group's payer for each member) submits the registration form."""

    name: ClassVar[str] = "RegistrationCreated"
    version: ClassVar[int] = 2

    sealed_payment_url: str | None = Field(
        default=None,
        description="Where to pay by card, if paying by card; sealed for notify alone (it opens the payer's "
        "registration page), bound to registration_id.",
    )


class PaymentSucceeded(RegistrationEvent):
    """Emitted when Stripe reports a paid Checkout Session, or an organiser marks an invoice paid."""

    amount: Money = Field(description="Amount received.")
    method: PaymentMethod = Field(description="card, invoice or waiver.")
    provider_reference: str = Field(description="Stripe Checkout Session / PaymentIntent id, or invoice number.")
    paid_at: datetime = Field(description="When the money was received (UTC).")


class PaymentFailed(RegistrationEvent):
    """Emitted when a card payment fails or a delayed payment method is declined."""

    amount: Money = Field(description="Amount attempted.")
    reason: str = Field(description="Why, as the payment provider reported it.")
    provider_reference: str = Field(description="Stripe object id.")


class RegistrationConfirmed(RegistrationEvent):
    """Emitted once a registration is paid (or waived, or accepted on invoice): the delegate is coming.

    Carries everything badges and notify need, so neither asks registration anything.
    """

    registration_version: int = Field(description="Increases with every change; badges reissue on a newer one.")
    delegate: Delegate = Field(description="Badge and contact details.")
    total: Money = Field(description="What the registration costs.")
    payment_method: PaymentMethod = Field(description="How it was (or will be) paid.")


class RegistrationUpdated(RegistrationEvent):
    """Emitted when a confirmed delegate or an organiser changes badge details, roles or add-ons."""

    registration_version: int = Field(description="Version after the change.")
    delegate: Delegate = Field(description="The delegate's details after the change.")
    changed_fields: tuple[str, ...] = Field(default=(), description="Which fields changed.")


class RegistrationCancelled(RegistrationEvent):
    """Emitted when a delegate or an organiser cancels a registration, or when registration itself releases an
    unpaid one (``cancelled_by="system"``): ``reason="payment_expired"`` for a card registration whose payment
    hold ran out, ``reason="invoice_unpaid"`` for an invoice registration whose hold ran out unpaid."""

    registration_version: int = Field(description="Version after cancellation.")
    reason: PersonalStr = Field(
        description="Why, in words (typed by a person: personal); payment_expired or invoice_unpaid when the system "
        "released it."
    )
    cancelled_by: str = Field(description="delegate, organiser or system.")
    refund_due: Money | None = Field(default=None, description="Refund owed under the refund policy, if any.")


class RefundIssued(RegistrationEvent):
    """Emitted when a refund is created with the payment provider."""

    amount: Money = Field(description="Amount refunded.")
    provider_reference: str = Field(description="Stripe Refund id.")


class InvoiceCharge(BaseModel):
    """What an invoice line charges, as values a document words in the invoice's language; nothing personal."""

    model_config = ConfigDict(frozen=True)

    kind: str = Field(
        description="fee, income-group, group, code, waiver or add-on (a kind a consumer does not know: it prints "
        "the line's description)."
    )
    label: str = Field(default="", description="fee: the category's label; add-on: the add-on's (the congress file's).")
    labels: dict[str, str] = Field(
        default_factory=dict, description="That label by language, where the congress file gives one."
    )
    early_bird: bool = Field(default=False, description="fee: the early-bird price (else the regular one).")
    percent: int = Field(default=0, description="income-group: the share of the fee paid; group: the discount.")
    group_size: int = Field(default=0, description="group: how many delegates registered together.")
    code: str | None = Field(default=None, description="code and waiver: the discount code.")
    income_group: str | None = Field(
        default=None, description="income-group: the World Bank group (low, lower-middle, upper-middle, high)."
    )


class InvoiceLine(BaseModel):
    """One line of an invoice."""

    model_config = ConfigDict(frozen=True)

    description: PersonalStr = Field(description="What is charged (names the delegate it is for), in English.")
    amount: Money = Field(description="Line amount.")
    delegate: PersonalStr = Field(
        default="", description="Whom the line is for, as the description names them (badge name and number)."
    )
    charge: InvoiceCharge | None = Field(
        default=None,
        description="What the line charges, as values: with ``delegate``, a document words the line in the invoice's "
        "``language`` (none: it prints ``description``).",
    )


class InvoiceIssued(RegistrationEvent):
    """Emitted when an institution chooses to pay by invoice; carries everything the PDF needs."""

    invoice_number: str = Field(description="Sequential per congress, no gaps, e.g. ICSEI27-INV-0007.")
    issued_at: datetime = Field(description="Issue date (UTC).")
    due_at: datetime = Field(description="Payment due date (UTC).")
    institution_name: str = Field(description="Billed institution.")
    institution_address: PersonalStr = Field(description="Postal address, multi-line.")
    vat_id: str | None = Field(default=None, description="Institution's VAT id.")
    purchase_order: str | None = Field(default=None, description="Institution's PO number.")
    lines: tuple[InvoiceLine, ...] = Field(description="Charged lines.")
    total: Money = Field(description="Invoice total.")
    email: PersonalStr = Field(description="Where to send the invoice.")
    language: str = Field(default="en", description="Language of the invoice email and of its lines' words.")


class WaitingListOfferedFields(RegistrationEvent):
    """What every version of WaitingListOffered carries; consumers match on this class."""

    abstract: ClassVar[bool] = True

    add_on_code: str = Field(description="The add-on.")
    add_on_label: str = Field(description="Its label.")
    offer_expires_at: datetime = Field(description="Until when the seat is held (UTC).")
    email: PersonalStr = Field(description="Delegate's email.")
    language: str = Field(default="en", description="Delegate's language.")


class WaitingListOffered(WaitingListOfferedFields):
    """Emitted when a seat freed up on a full add-on and was offered to the next delegate in line, until v2.
    Superseded by ``WaitingListOfferedV2``: this version carries the accept link in clear."""

    accept_url: str = Field(description="Where the delegate accepts the offer.")


class WaitingListOfferedV2(WaitingListOfferedFields):
    """Emitted when a seat frees up on a full add-on and is offered to the next delegate in line."""

    name: ClassVar[str] = "WaitingListOffered"
    version: ClassVar[int] = 2

    sealed_accept_url: str = Field(
        description="Where the delegate accepts the offer; sealed for notify alone, bound to registration_id."
    )


class MagicLinkRequested(RegistrationEvent):
    """Emitted when a delegate asked to sign in, until v2; notify mails the link. The token is single-use and
    expires. Superseded by ``MagicLinkRequestedV2``: this version carries the live link in clear."""

    email: PersonalStr = Field(description="Where to send the link.")
    link: str = Field(description="The signed, expiring sign-in link.")
    expires_at: datetime = Field(description="When it stops working (UTC).")
    language: str = Field(default="en", description="Delegate's language.")


class MagicLinkRequestedV2(RegistrationEvent):
    """Emitted when a delegate asks to sign in, or asks for a new link to a registration whose link expired;
    notify mails the link. One event per registration the address holds: each link opens the registration
    it was issued for. The link is sealed for notify (``services.common.sealing``, bound to
    ``registration_id``), so nobody reading the topic can use it (v1 carried it in clear)."""

    name: ClassVar[str] = "MagicLinkRequested"
    version: ClassVar[int] = 2

    email: PersonalStr = Field(description="Where to send the link: the address on record, never one typed in.")
    sealed_link: str = Field(description="The link, sealed for notify alone (AES-GCM, HKDF key, purpose notify-link).")
    kind: LinkKind = Field(default=LinkKind.SIGN_IN, description="What the link opens.")
    expires_at: datetime = Field(description="When it stops working (UTC).")
    badge_name: PersonalStr = Field(description="Name on the registration it opens, so several can be told apart.")
    registration_number: str = Field(description="Human number of the registration it opens.")
    language: str = Field(default="en", description="Delegate's language.")


class InvoiceHoldEnding(RegistrationEvent):
    """Emitted by registration's sweep once per unpaid invoice and hold end, ``invoice_reminder_days`` before
    the places the invoice's registrations hold are released; notify reminds the payer. An organiser who
    extends the hold gives it a new end, and so a new reminder before that end."""

    invoice_number: str = Field(description="The unpaid invoice, e.g. ICSEI27-INV-0007.")
    hold_until: datetime = Field(description="When the places are released if the invoice is still unpaid (UTC).")
    amount_due: Money = Field(description="What the invoice's registrations still cost.")
    registration_numbers: tuple[str, ...] = Field(description="The registrations the invoice pays for.")
    email: PersonalStr = Field(description="The paying delegate's address (the reminder's recipient).")
    language: str = Field(default="en", description="The paying delegate's language.")


class RegistrationAttemptedForExistingAddress(RegistrationEvent):
    """Emitted when someone tries to register with an address that already has an active registration: nothing
    new is created, and notify tells the address's owner (at most once an hour per registration). The ids are
    the existing registration's. It carries no sign-in link: the owner asks for one on the sign-in page."""

    registration_number: str = Field(description="The existing registration's number.")
    email: PersonalStr = Field(description="The address someone tried to register with (the notice's recipient).")
    language: str = Field(default="en", description="The existing registration's language.")
    attempted_at: datetime = Field(description="When the attempt was made (UTC).")
    sign_in_url: str = Field(description="The page where the owner asks for a sign-in link (it signs nobody in).")


class RegistrationErased(RegistrationEvent):
    """Emitted when an organiser erases a delegate's personal data (GDPR): consumers drop their copies."""

    registration_version: int = Field(description="Version after erasure.")
    erased_at: datetime = Field(description="When the data was erased (UTC).")
    erased_by: str = Field(
        description="The organiser who erased it, by account id (an address in events before decision 75); "
        "'delegate' when the delegate asked on their page."
    )
    person_ref: str = Field(
        default="",
        description="Pseudonym of the delegate's email address (HMAC under a key from the congress secret): services "
        "that know the person by email (abstracts' authors and reviewers, notify's mail) erase them by it.",
    )


class PresentingAuthor(BaseModel):
    """A presenting author of an accepted abstract, as the abstract lists them."""

    model_config = ConfigDict(frozen=True)

    given_name: ByEmail = Field(description="Given name(s) as typed on the abstract.")
    family_name: ByEmail = Field(description="Family name as typed on the abstract.")
    email: ByEmail = Field(description="Author's email address as typed on the abstract.")
    language: str = Field(default="en", description="BCP 47 tag for this author's emails.")


class PresenterEvent(EventData):
    """About an accepted abstract none of whose presenting authors has a confirmed registration yet."""

    abstract: ClassVar[bool] = True
    context: ClassVar[str] = "registration"
    key_field: ClassVar[str] = "abstract_id"

    congress_id: str = Field(description="Edition, e.g. icsei-2027.")
    abstract_id: str = Field(description="Abstract id; the Kafka key.")
    reference: str = Field(description="Human reference of the abstract, e.g. ICSEI27-A-0042.")
    title: str = Field(description="Title of the abstract.")
    presenters: tuple[PresentingAuthor, ...] = Field(description="The abstract's presenting authors, in order.")
    deadline: date = Field(description="Last day to register as a presenter (ends at midnight, congress timezone).")
    deadline_at: datetime = Field(description="The moment the deadline passes (UTC): the end of `deadline`.")
    timezone: str = Field(description="IANA timezone of the congress, in which `deadline` is a day.")
    registration_url: str = Field(description="Where the presenters register.")


class PresenterRegistrationReminder(PresenterEvent):
    """Emitted by registration's sweep once per abstract and reminder day (``presenter_reminder_days``) while
    no presenting author of an accepted abstract has a confirmed registration."""

    reminder_days: int = Field(description="The configured reminder (days before the deadline) this one is.")
    days_left: int = Field(description="Whole days from today (congress timezone) to the deadline day.")


class PresenterUnregistered(PresenterEvent):
    """Emitted by registration's sweep once per accepted abstract still without a confirmed presenter when the
    presenter registration deadline has passed, so that the programme team can act."""

    accepted_at: datetime = Field(description="When the abstract was accepted (UTC).")


class PresenterRegistered(EventData):
    """Emitted by registration's sweep once each time an abstract reported ``PresenterUnregistered`` becomes
    covered again (a presenting author now holds a confirmed registration), so the programme team can clear
    its mark."""

    context: ClassVar[str] = "registration"
    key_field: ClassVar[str] = "abstract_id"

    congress_id: str = Field(description="Edition, e.g. icsei-2027.")
    abstract_id: str = Field(description="Abstract id; the Kafka key.")
    reference: str = Field(description="Human reference of the abstract, e.g. ICSEI27-A-0042.")
    registered_at: datetime = Field(description="When the sweep found the abstract covered (UTC).")


class BroadcastVersion(BaseModel):
    """One language's version of an organisers' message: subject and body as the organiser wrote them."""

    model_config = ConfigDict(frozen=True)

    language: str = Field(description="BCP 47 tag of the version (one notify has wording for, e.g. en, fr).")
    subject: str = Field(description="Subject line, plain text.")
    body_markdown: str = Field(
        description="Body in Markdown as written; notify renders it and removes any raw HTML, script or unsafe link."
    )


class BroadcastRequested(EventData):
    """Emitted when an organiser sends a message to a segment of delegates, in parts of at most 500 recipients.

    Every part carries the whole message (so each part can be handled alone) and its share of the
    recipients by delegate id: no address travels here; notify has each delegate's address and language.
    Keyed by ``broadcast_id``, so the parts stay in order on one partition.
    """

    context: ClassVar[str] = "registration"
    key_field: ClassVar[str] = "broadcast_id"

    congress_id: str = Field(description="Edition.")
    broadcast_id: str = Field(description="The broadcast; with a delegate id it is notify's idempotency key.")
    versions: tuple[BroadcastVersion, ...] = Field(description="The message, one version per language (at least one).")
    default_language: str = Field(description="The version for a recipient whose language has none.")
    segment: str = Field(description="Who it is for, in words (e.g. 'confirmed delegates; country: BR').")
    recipients: tuple[str, ...] = Field(description="Delegate ids this part addresses.")
    part: int = Field(ge=1, description="This part's number, from 1.")
    parts: int = Field(ge=1, description="How many parts the broadcast has.")
    total: int = Field(ge=0, description="Recipients in all parts together.")
    requested_by: str = Field(
        description="The organiser who sent it: their account id (an address in events before decision 75)."
    )
    requested_at: datetime = Field(description="When (UTC).")


class AgendaChanged(RegistrationEvent):
    """Emitted when a delegate marks a session for their personal agenda, or unmarks it.

    Carries no personal field: the abstracts service counts marks per session (expected
    audience for room sizing) from these, keyed by delegate id so that one delegate's marks
    stay in order. ``registration_id`` is the delegate's own registration.
    """

    session_id: str = Field(description="Session id of the published programme (congress.programme's key).")
    attending: bool = Field(description="True when the delegate marked the session, false when they unmarked it.")
    changed_at: datetime = Field(description="When (UTC).")
