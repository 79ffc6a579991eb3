"""The live figures as the console's API publishes them (``GET /api/figures``): every section typed."""

from __future__ import annotations

from pydantic import BaseModel, Field

PerCurrency = dict[str, int]
"""Minor units by ISO currency code."""


class RegistrationFigures(BaseModel):
    active: int
    pending: int
    confirmed: int
    cancelled: int
    by_category: dict[str, int]
    by_country: dict[str, int]


class RevenueFigures(BaseModel):
    by_currency: PerCurrency
    by_method: dict[str, PerCurrency] = Field(description="Payment method → minor units by currency.")
    refunded: PerCurrency


class AddOnFigures(BaseModel):
    label: str
    booked: int
    capacity: int | None


class UnpaidInvoices(BaseModel):
    count: int
    by_currency: PerCurrency


class ProgrammeFigures(BaseModel):
    programme_version: int | None = None
    sessions: int | None = None
    presentations: int | None = None
    unplaced: int | None = None


class AbstractFigures(BaseModel):
    submitted: int
    withdrawn: int
    undecided: int
    accepted: int
    rejected: int
    reviews: int
    by_network: dict[str, int]
    programme: ProgrammeFigures | None = Field(description="The last published programme, if any.")


class PresenterFigures(BaseModel):
    reminders: int
    unregistered: int


class BadgeFigures(BaseModel):
    issued: int
    delegates_with_badge: int
    revoked: int
    text_replaced: int = Field(
        default=0, description="Delegates whose badge prints a name transliterated: no installed font has a character."
    )
    documents_text_replaced: int = Field(
        default=0,
        description="Documents (invoices) that print a text transliterated: no installed font has a character.",
    )
    printed: int
    reprints: int
    documents: dict[str, int] = Field(description="Document kind → issued.")


class CheckinFigures(BaseModel):
    total: int
    by_hour: dict[str, int] = Field(description="Local hour (YYYY-MM-DD HH:00) → check-ins.")


class EmailFigures(BaseModel):
    sent: int
    failed: int
    failed_permanent: int


class DeadLetter(BaseModel):
    partition: int
    offset: int
    time: str
    reason: str | None
    consumer: str | None
    topic: str | None
    key: str | None


class DeadLetterFigures(BaseModel):
    count: int
    by_consumer: dict[str, int]
    recent: list[DeadLetter]


class GroupLag(BaseModel):
    total: int
    by_topic: dict[str, int]


class ConsumerLag(BaseModel):
    groups: dict[str, GroupLag]
    measured_at: str | None


class Figures(BaseModel):
    """Live figures rebuilt from the event stream."""

    events_total: int
    events_by_type: dict[str, int]
    registrations: RegistrationFigures
    revenue: RevenueFigures
    add_ons: dict[str, AddOnFigures]
    invoices_unpaid: UnpaidInvoices
    abstracts: AbstractFigures
    presenters: PresenterFigures
    badges: BadgeFigures
    checkins: CheckinFigures
    emails: EmailFigures
    payments_failed: int
    waiting_list_offers: int
    dead_letters: DeadLetterFigures
    malformed: int
    consumer_lag: ConsumerLag
