"""The compacted delegate snapshot topic: the latest state of each delegate.

Registration publishes a ``DelegateSnapshot`` after every change, keyed by delegate
id; compaction keeps the newest per key, so a newcomer (the badge station's local
replica) rebuilds the whole list by reading the topic from the start. Erasure is a
tombstone (a null value) for the key.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from schemas.base import EventData
from schemas.values import Delegate, PaymentMethod, RegistrationStatus


class DelegateSnapshot(EventData):
    """Emitted by registration after every change to a registration, with its whole current state."""

    context: ClassVar[str] = "delegates"
    key_field: ClassVar[str] = "delegate_id"

    congress_id: str = Field(description="Edition.")
    delegate_id: str = Field(description="Delegate id; the Kafka key.")
    registration_id: str = Field(description="Registration id.")
    registration_version: int = Field(description="Version of the registration this snapshot shows.")
    status: str = Field(
        description="One of the RegistrationStatus values: pending (awaiting a card payment), confirmed, cancelled, "
        "or expired (released unpaid: a card or invoice hold ran out; consumers treat it like cancelled). "
        "Typed as a string on the wire so that events already on the topic stay readable.",
        examples=[s.value for s in RegistrationStatus],
    )
    paid: bool = Field(description="Whether the registration is paid.")
    payment_method: PaymentMethod = Field(description="card, invoice or waiver.")
    delegate: Delegate = Field(description="Badge and contact details.")
