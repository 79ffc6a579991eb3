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


class BroadcastFigures(BaseModel):
    """One organisers' broadcast: whom it was for and what notify reports (recipients counted once)."""

    broadcast_id: str
    subject: str = Field(description="The default language's subject.")
    segment: str
    total: int = Field(description="Recipients the segment had when it was sent.")
    sent: int = Field(description="Recipients notify reports a message sent to.")
    failed: int = Field(description="Recipients whose message failed (and was not sent later).")
    requested_by: str
    requested_at: str


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
    retention_removed: dict[str, int] = Field(
        default_factory=dict, description="Personal-data records removed by retention sweeps, by class of data."
    )
    registrations: RegistrationFigures
    revenue: RevenueFigures
    add_ons: dict[str, AddOnFigures]
    invoices_unpaid: UnpaidInvoices
    abstracts: AbstractFigures
    presenters: PresenterFigures
    badges: BadgeFigures
    checkins: CheckinFigures
    emails: EmailFigures
    broadcasts: list[BroadcastFigures] = Field(description="The organisers' broadcasts, newest first.")
    payments_failed: int
    waiting_list_offers: int
    dead_letters: DeadLetterFigures
    malformed: int
    consumer_lag: ConsumerLag
