"""What privacy commands need from the store: consents by registration, and special needs (their own table)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from services.common.personal_export import Person
from services.registration.domain.privacy import Consents, SpecialNeeds


@dataclass(frozen=True)
class Participant:
    """One line of the participants' list: only people who consented to be listed."""

    name: str
    affiliation: str
    country: str
    language: str


@dataclass(frozen=True)
class NeedsOf:
    """One person's special needs as an authorised organiser sees them."""

    registration_id: str
    number: str
    name: str
    add_ons: tuple[str, ...]
    needs: SpecialNeeds


class ExportSources(Protocol):
    """The other services' answers about one person (``services.common.personal_export``)."""

    async def gather(self, person: Person) -> dict[str, Any]:
        """Service name -> what it holds about ``person`` (or ``{"unavailable": reason}``)."""
        ...


class PrivacyRecords(Protocol):
    """Consents and special needs of registrations."""

    async def consents(self, registration_id: str) -> Consents | None:
        """The notice shown and the optional consents of a registration (None before this was recorded)."""
        ...

    async def set_consents(self, registration_id: str, consents: Consents, now: datetime) -> None:
        """Record (or change) a registration's consents."""
        ...

    async def needs(self, registration_id: str) -> SpecialNeeds | None:
        """A registration's special needs, if any are stored."""
        ...

    async def set_needs(self, registration_id: str, needs: SpecialNeeds | None, now: datetime) -> None:
        """Store a registration's special needs (consent given), or remove them (``None``)."""
        ...

    async def live_needs(self) -> Sequence[NeedsOf]:
        """The special needs of every live (pending or confirmed) registration, in number order."""
        ...

    async def participants(self) -> Sequence[Participant]:
        """Confirmed registrations whose delegate consented to be listed, by family name."""
        ...

    async def remove_invoice_details(self) -> int:
        """Retention: remove the issued invoices' institution details (name, address, VAT id, purchase order)
        from every registration holding them; how many."""
        ...

    async def remove_all_needs(self) -> int:
        """Delete every stored special need (retention); how many people's were removed."""
        ...

    async def unerased_ids(self) -> Sequence[str]:
        """Every registration whose personal data has not been erased, in number order."""
        ...

    async def forget(self, registration_id: str) -> None:
        """The registration is erased: its consents and special needs go."""
        ...
