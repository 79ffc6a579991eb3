"""What a person asks for when registering: one request shape, from the edge (JSON body or the page's form)
to the command that registers or quotes. Validated once here (pydantic, the one text rule); tidied once by
``normalised``; the command turns it into registrations (``domain.registration.Registration``)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, EmailStr, Field, StrictBool

from schemas.values import CountryCode, PaymentMethod
from services.common.countries import is_country
from services.common.text import MultiLine, SingleLine, tidy
from services.registration.domain.privacy import Access, Diet, SpecialNeeds

LANGUAGE = r"^[a-zA-Z]{2,3}(-[A-Za-z0-9]{2,8})*$"


def known_country(code: str) -> str:
    """Only a country's ISO 3166-1 code (the pattern alone lets ``QQ`` or ``EU`` through)."""
    if not is_country(code):
        raise ValueError("not the ISO 3166-1 code of a country")
    return code


class NeedsIn(BaseModel):
    """Dietary and accessibility needs as a delegate gives them (at registration or later on their own page)."""

    special_needs_consent: StrictBool = Field(
        default=False,
        description="Explicit consent to keep the dietary and accessibility needs; without it they are not stored.",
    )
    diets: list[Diet] = Field(default_factory=list, max_length=len(Diet), description="Standard dietary requirements.")
    diet_other: SingleLine = Field(default="", max_length=500, description="Other dietary requirements, free text.")
    access: list[Access] = Field(default_factory=list, max_length=len(Access), description="Accessibility needs.")
    access_other: SingleLine = Field(default="", max_length=500, description="Other accessibility needs, free text.")

    def special_needs(self) -> SpecialNeeds:
        """The needs as given, tidied (what is stored, if consented: ``domain.privacy.to_keep``)."""
        return SpecialNeeds(tuple(self.diets), tidy(self.diet_other), tuple(self.access), tidy(self.access_other))


class DelegateIn(NeedsIn):
    given_name: SingleLine = Field(min_length=1, max_length=200, description="Given name(s) as written, any script.")
    family_name: SingleLine = Field(min_length=1, max_length=200)
    badge_name: SingleLine = Field(default="", max_length=200, description="Name as printed; defaults to both names.")
    affiliation: SingleLine = Field(min_length=1, max_length=300, description="Institution.")
    country: Annotated[CountryCode, AfterValidator(known_country)] = Field(
        description="ISO 3166-1 alpha-2 country of the institution, e.g. JP."
    )
    email: EmailStr
    language: str = Field(default="en", pattern=LANGUAGE, description="BCP 47 tag, e.g. en, ja, ar.")
    category: str = Field(max_length=40, description="A category of this edition, e.g. member or student.")
    add_ons: list[Annotated[str, Field(max_length=60)]] = Field(
        default_factory=list, max_length=50, description="Add-on codes of this edition."
    )
    code: SingleLine | None = Field(default=None, max_length=40, description="Discount or waiver code.")
    waitlist_if_full: StrictBool = Field(default=False, description="Join the waiting list of a full add-on.")
    notice_version: str | None = Field(
        default=None,
        max_length=40,
        description="The privacy notice version the form showed (GET /privacy); the current one when absent.",
    )
    consent_listed: StrictBool = Field(default=False, description="Optional: listed in the participants' list.")
    consent_photos: StrictBool = Field(default=False, description="Optional: may appear in congress photographs.")
    consent_sponsors: StrictBool = Field(default=False, description="Optional: contact details shared with sponsors.")

    def normalised(self) -> DelegateIn:
        """Tidied as stored: names without stray spaces, the badge name defaulted, codes upper-case."""
        given, family = tidy(self.given_name), tidy(self.family_name)
        return self.model_copy(
            update={
                "given_name": given,
                "family_name": family,
                "affiliation": tidy(self.affiliation),
                "badge_name": tidy(self.badge_name) or f"{given} {family}".strip(),
                "country": self.country.strip().upper(),
                "email": str(self.email).strip(),
                "code": (self.code or "").strip().upper() or None,
            }
        )


class InvoiceIn(BaseModel):
    institution_name: SingleLine = Field(min_length=1, max_length=300)
    institution_address: MultiLine = Field(min_length=1, max_length=1000)
    email: EmailStr
    vat_id: SingleLine | None = Field(default=None, max_length=40)
    purchase_order: SingleLine | None = Field(default=None, max_length=80)


class RegistrationIn(BaseModel):
    delegates: list[DelegateIn] = Field(min_length=1, description="One delegate, or a group paid by the first.")
    payment_method: Literal["card", "invoice"] = "card"
    invoice: InvoiceIn | None = None

    @property
    def method(self) -> PaymentMethod:
        return PaymentMethod(self.payment_method)
