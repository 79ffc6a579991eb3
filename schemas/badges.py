"""Events of the badges context, emitted by services/badges (including the on-site station)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from schemas.access import LinkSentFields
from schemas.base import EventData
from schemas.personal import PersonalStr


class BadgesEvent(EventData):
    abstract: ClassVar[bool] = True
    context: ClassVar[str] = "badges"
    name: ClassVar[str] = "LinkSent"
    key_field: ClassVar[str] = "delegate_id"

    congress_id: str = Field(description="Edition.")
    delegate_id: str = Field(description="Delegate id; the Kafka key.")


class BadgeIssued(BadgesEvent):
    """Emitted when a badge PDF is rendered for a registration version (a newer version reissues)."""

    registration_version: int = Field(description="Registration version the badge shows.")
    pdf_sha256: str = Field(description="Content hash of the PDF.")
    location: str = Field(description="Where the PDF is stored (content-addressed path or URL).")
    email: PersonalStr = Field(description="Delegate's email, for the 'badge ready' message.")
    badge_name: PersonalStr = Field(description="Name as printed.")
    language: str = Field(default="en", description="Delegate's language.")


class TextReplacement(BaseModel):
    """One text of a badge that no installed font could print as typed, and what was printed instead."""

    model_config = ConfigDict(frozen=True)

    field: str = Field(
        description="Which text: on a badge 'given name', 'family name' or 'affiliation'; on an invoice "
        "'institution', 'institution address', 'VAT id' or 'purchase order'."
    )
    typed: PersonalStr = Field(description="The text as the delegate gave it (after the text rule's cleaning).")
    printed: PersonalStr = Field(description="What the badge prints: the printable part plus a transliteration.")
    missing: tuple[str, ...] = Field(
        description="The characters no installed font has, e.g. 'U+11F04 KAWI LETTER A' (at most 10)."
    )


class BadgeTextReplaced(BadgesEvent):
    """Emitted with a BadgeIssued whose badge could not print a name as typed: a character no installed
    font has was replaced by its transliteration (or left out). An alert for the organisers (console,
    badges organiser page): they may ask the delegate for a printable form; the badge was issued anyway."""

    registration_version: int = Field(description="Registration version the badge shows.")
    replacements: tuple[TextReplacement, ...] = Field(description="Each text that was replaced.")


class BadgeRevoked(BadgesEvent):
    """Emitted when a cancellation revokes a badge: its QR code no longer checks in."""

    reason: str = Field(description="Why.")


class DocumentKind(StrEnum):
    RECEIPT = "receipt"
    INVOICE = "invoice"
    VISA_LETTER = "visa_letter"
    CERTIFICATE = "certificate"


class DocumentIssued(BadgesEvent):
    """Emitted when a delegate document PDF (receipt, invoice, visa letter, certificate) is produced."""

    kind: DocumentKind = Field(description="Which document.")
    document_number: str = Field(description="Number printed on the document.")
    pdf_sha256: str = Field(description="Content hash of the PDF.")
    location: str = Field(description="Where the PDF is stored.")
    email: PersonalStr = Field(description="Where to send it.")
    language: str = Field(default="en", description="Delegate's language.")


class DocumentTextReplaced(BadgesEvent):
    """Emitted with a DocumentIssued whose document could not print a text as typed: an invoice's institution,
    address, VAT id or purchase order had a character no installed font has, printed as its transliteration
    (or left out). The organisers' alert, as BadgeTextReplaced is for badges: they may ask the institution for
    a printable form; the document was issued anyway."""

    kind: DocumentKind = Field(description="Which document.")
    document_number: str = Field(description="Number printed on the document.")
    replacements: tuple[TextReplacement, ...] = Field(description="Each text that was replaced.")


class BadgePrinted(BadgesEvent):
    """Emitted by the station each time a badge is printed; reprints are counted."""

    station_id: str = Field(description="Which station printed it.")
    print_count: int = Field(description="1 for the first print, 2 for the first reprint, ...")
    printed_at: datetime = Field(description="When (UTC).")


class DelegateCheckedIn(BadgesEvent):
    """Emitted by the station when a delegate's QR code is scanned at the desk (also recorded offline)."""

    station_id: str = Field(description="Which station.")
    checked_in_at: datetime = Field(description="When, by the station's clock (UTC).")


class BadgesLinkSent(LinkSentFields):
    """A new visa-request link, asked for with an expired one; notify mails it."""

    context: ClassVar[str] = "badges"
    name: ClassVar[str] = "LinkSent"
