"""Events about personal data as a whole: what a retention sweep removed (issue 16).

On ``congress.audit`` (kept forever), keyed by the edition: one record per sweep that removed something,
naming the class of data and how much, never whom. The console counts them by type.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import ClassVar

from pydantic import Field

from schemas.base import EventData


class DataClass(StrEnum):
    """The classes of personal data the edition's ``privacy.retention`` gives a period to."""

    PASSPORT = "passport"
    SPECIAL_NEEDS = "special_needs"
    REGISTRATIONS = "registrations"
    EMAILS = "emails"
    INVOICES = "invoices"


class RetentionApplied(EventData):
    """Emitted by a service's retention sweep when it removed personal data whose retention period had ended."""

    context: ClassVar[str] = "audit"
    key_field: ClassVar[str] = "edition_id"

    edition_id: str = Field(description="The congress edition, e.g. icsei-2027.")
    service: str = Field(description="The service that removed the data, e.g. `registration`.")
    data_class: DataClass = Field(description="Which class of data (its period in the edition's `privacy.retention`).")
    removed: int = Field(ge=0, description="Records removed in this sweep (e.g. people's special needs).")
    people_erased: int = Field(
        default=0, ge=0, description="Whole people erased because everything of theirs had expired."
    )
    kept: int = Field(default=0, ge=0, description="Records due but kept for now (e.g. money still owed or to refund).")
    expired_from: date = Field(description="The first day on which this class of data is no longer kept.")
    swept_at: datetime = Field(description="When the sweep ran (UTC).")
