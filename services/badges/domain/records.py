"""What the badges service keeps besides the replica: payments, check-ins, visa requests, stations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from services.common.text import SingleLine


@dataclass(frozen=True)
class Payment:
    """A payment heard of (PaymentSucceeded); its receipt waits until the delegate's details are known."""

    reference: str
    delegate_id: str
    congress_id: str
    amount_minor: int
    currency: str
    method: str
    paid_at: datetime
    receipt_issued: bool = False


@dataclass(frozen=True)
class CheckIn:
    delegate_id: str
    station_id: str
    checked_in_at: datetime


class VisaStatus(StrEnum):
    REQUESTED = "requested"
    ISSUED = "issued"


class VisaRequest(BaseModel):
    """What a visa invitation letter needs, as written in the passport."""

    # One shape from the edge to the store: the form and the JSON body validate into it, the command and the
    # store take it as it is.

    # A passport number is personal data: a validation error never repeats the input (nor does a log line).
    model_config = ConfigDict(hide_input_in_errors=True, frozen=True)

    passport_name: Annotated[SingleLine, Field(min_length=1, max_length=300, description="Name as in passport.")]
    nationality: Annotated[SingleLine, Field(min_length=1, max_length=100)]
    passport_number: Annotated[SingleLine, Field(min_length=1, max_length=64)]
    arrival: date
    departure: date


@dataclass(frozen=True)
class VisaRequestRecord:
    id: int
    delegate_id: str
    passport_name: str
    nationality: str
    passport_number: str
    arrival: date
    departure: date
    status: VisaStatus
    requested_at: datetime
    decided_by: str | None
    document_number: str | None


@dataclass(frozen=True)
class StationRecord:
    station_id: str
    label: str
    issued_by: str
    issued_at: datetime
    revoked_at: datetime | None
