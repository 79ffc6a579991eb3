"""Value types shared by event payloads: money, people, roles."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from schemas.personal import PersonalStr

CurrencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]


class Money(BaseModel):
    """An amount in integer minor units (cents; yen for zero-decimal JPY) of an ISO 4217 currency."""

    model_config = ConfigDict(frozen=True)

    amount_minor: int = Field(description="Amount in the currency's minor unit, e.g. 42000 for EUR 420.00.")
    currency: CurrencyCode = Field(description="ISO 4217 code, e.g. EUR, JPY.")


class Role(StrEnum):
    """Roles a delegate holds; each has its own badge ribbon."""

    DELEGATE = "delegate"
    PRESENTER = "presenter"
    REVIEWER = "reviewer"
    NETWORK_CONVENER = "network_convener"
    ORGANISER = "organiser"
    STAFF = "staff"
    PRESS = "press"


class RegistrationStatus(StrEnum):
    """Where a registration is in its life; the values of ``DelegateSnapshot.status``."""

    PENDING = "pending"
    """Made, waiting for a card payment; it holds its places until its payment hold ends."""
    CONFIRMED = "confirmed"
    """Paid by card, waived, or invoiced (an invoice is confirmed at once; ``paid`` says whether it is settled)."""
    CANCELLED = "cancelled"
    """Cancelled by the delegate, an organiser or an erasure; its places are free again."""
    EXPIRED = "expired"
    """Released unpaid by the system: a card payment hold or an unpaid invoice's hold ran out (places freed)."""


class PaymentMethod(StrEnum):
    CARD = "card"
    INVOICE = "invoice"
    WAIVER = "waiver"


class AddOn(BaseModel):
    """An add-on booked with a registration (workshop, business meeting, dinner)."""

    model_config = ConfigDict(frozen=True)

    code: str = Field(description="Add-on code from the congress configuration, e.g. dinner, ws-leadership.")
    label: str = Field(description="Human label as printed, e.g. 'Congress dinner'.")
    kind: str = Field(description="workshop, meeting or social.")


class Delegate(BaseModel):
    """What downstream services need to know about a delegate, stored exactly as typed (NFC)."""

    model_config = ConfigDict(frozen=True)

    delegate_id: str = Field(description="Stable delegate id (the Kafka key of everything about them).")
    registration_number: str = Field(description="Human registration number, e.g. ICSEI27-00042.")
    given_name: PersonalStr = Field(description="Given name(s) as typed.")
    family_name: PersonalStr = Field(description="Family name as typed.")
    badge_name: PersonalStr = Field(description="The name as the delegate wants it printed on the badge.")
    affiliation: PersonalStr = Field(description="Institution as typed.")
    country: CountryCode = Field(description="ISO 3166-1 alpha-2 country of the institution.")
    email: PersonalStr = Field(description="Delegate's email address.")
    language: str = Field(default="en", description="BCP 47 tag for emails and name rendering, e.g. en, ja, ar.")
    category: str = Field(description="Registration category code, e.g. member, student.")
    roles: tuple[Role, ...] = Field(default=(Role.DELEGATE,), description="Roles for the badge ribbon.")
    add_ons: tuple[AddOn, ...] = Field(default=(), description="Booked add-ons.")
