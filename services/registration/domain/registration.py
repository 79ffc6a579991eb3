"""A registration and its lifecycle: each transition checks its rule and returns the events to publish.

``Registration`` is the aggregate the commands load (the store maps rows to it), let decide, and save.
Its ``Status`` is the contract's ``RegistrationStatus`` (pending, confirmed, cancelled, expired), never a
marker string. A transition returns a ``Change``: the registration as it is now (next version) and the
events — always ending with the delegate's snapshot on ``congress.delegates``. No I/O here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from schemas.base import EventData
from schemas.delegates import DelegateSnapshot
from schemas.registration import (
    PaymentSucceeded,
    RefundIssued,
    RegistrationCancelled,
    RegistrationConfirmed,
    RegistrationErased,
    RegistrationUpdated,
)
from schemas.values import AddOn, Delegate, Money, PaymentMethod, RegistrationStatus, Role
from services.registration.domain.pricing import AddOnSpec, IncomeGroup

Status = RegistrationStatus
LIVE = frozenset({Status.PENDING, Status.CONFIRMED})
"""Statuses of a registration that holds its places."""
ENDED = frozenset({Status.CANCELLED, Status.EXPIRED})
"""Statuses of a registration that no longer holds a place (its address is free again)."""
ERASED = "(erased)"
"""What an erased delegate's names, badge name and affiliation read."""
BADGE_FIELDS = ("given_name", "family_name", "badge_name", "affiliation", "language")
"""What a delegate may change on their badge."""


class NotAllowed(ValueError):
    """A command that the registration's state does not permit (e.g. refunding an unpaid one)."""


@dataclass(frozen=True)
class Edition:
    """What events about a registration need from the edition: its id, currency and add-ons."""

    congress_id: str
    currency: str
    add_ons: Mapping[str, AddOnSpec]

    def money(self, amount_minor: int) -> Money:
        return Money(amount_minor=amount_minor, currency=self.currency)


@dataclass(frozen=True)
class Registration:
    """One delegate's registration (a group has one per delegate, paid by the first: ``payer_id``)."""

    id: str
    delegate_id: str
    payer_id: str
    group_id: str | None
    number: str
    status: Status
    paid: bool
    payment_method: PaymentMethod
    version: int
    category: str
    income_group: IncomeGroup
    income_group_reason: str | None
    given_name: str
    family_name: str
    badge_name: str
    affiliation: str
    country: str
    email: str
    language: str
    roles: tuple[Role, ...]
    add_ons: tuple[str, ...]
    code: str | None
    total_minor: int
    currency: str
    lines: tuple[tuple[str, int], ...]
    invoice: Mapping[str, Any] | None
    invoice_number: str | None
    checkout_session_id: str | None
    payment_reference: str | None
    refunded_minor: int
    created_at: datetime
    updated_at: datetime

    @property
    def live(self) -> bool:
        return self.status in LIVE

    @property
    def is_payer(self) -> bool:
        return self.id == self.payer_id

    @property
    def unpaid_card(self) -> bool:
        """Waiting for its card payment (what a payment hold expires)."""
        return self.status is Status.PENDING and not self.paid and self.payment_method is PaymentMethod.CARD

    @property
    def unpaid_invoice(self) -> bool:
        """Confirmed on an invoice not yet paid (what an invoice hold releases)."""
        return self.status is Status.CONFIRMED and not self.paid and self.payment_method is PaymentMethod.INVOICE

    @property
    def erased(self) -> bool:
        return self.given_name == ERASED

    def delegate(self, edition: Edition) -> Delegate:
        specs = edition.add_ons
        return Delegate(
            delegate_id=self.delegate_id,
            registration_number=self.number,
            given_name=self.given_name,
            family_name=self.family_name,
            badge_name=self.badge_name,
            affiliation=self.affiliation,
            country=self.country,
            email=self.email,
            language=self.language,
            category=self.category,
            roles=self.roles,
            add_ons=tuple(AddOn(code=c, label=specs[c].label, kind=specs[c].kind) for c in self.add_ons if c in specs),
        )

    def ids(self, edition: Edition) -> dict[str, str]:
        return {"congress_id": edition.congress_id, "registration_id": self.id, "delegate_id": self.delegate_id}

    def snapshot(self, edition: Edition) -> DelegateSnapshot:
        """The delegate's whole current state, for the compacted snapshot topic."""
        return DelegateSnapshot(
            **self.ids(edition),
            registration_version=self.version,
            status=self.status.value,
            paid=self.paid,
            payment_method=self.payment_method,
            delegate=self.delegate(edition),
        )

    def confirmed(self, edition: Edition) -> RegistrationConfirmed:
        return RegistrationConfirmed(
            **self.ids(edition),
            registration_version=self.version,
            delegate=self.delegate(edition),
            total=edition.money(self.total_minor),
            payment_method=self.payment_method,
        )


@dataclass(frozen=True)
class Change:
    """What a transition did: the registration now, and the events to publish (in order)."""

    registration: Registration
    events: tuple[EventData, ...]
    values: Mapping[str, Any]
    """The fields that changed, with their new values (what the store saves)."""


def settle(
    reg: Registration,
    method: PaymentMethod,
    *,
    invoice: Mapping[str, Any] | None = None,
    invoice_number: str | None = None,
) -> Registration:
    """A new registration as its payment method leaves it: card waits (pending); invoice and waiver are
    confirmed now (a waiver is paid: nothing is due). Only the payer's row carries the invoice."""
    status = Status.PENDING if method is PaymentMethod.CARD else Status.CONFIRMED
    settled = replace(reg, status=status, payment_method=method, paid=method is PaymentMethod.WAIVER)
    if reg.is_payer and invoice_number:
        settled = replace(settled, invoice=invoice, invoice_number=invoice_number)
    return settled


def _next(reg: Registration, now: datetime, **values: Any) -> tuple[Registration, dict[str, Any]]:
    values = values | {"version": reg.version + 1}
    return replace(reg, updated_at=now, **values), values


def must_be_live(reg: Registration | None) -> Registration:
    """The registration, if it still holds its places (``NotAllowed`` otherwise)."""
    if reg is None or not reg.live:
        raise NotAllowed("no such active registration")
    return reg


def update(reg: Registration, edition: Edition, now: datetime, changed: tuple[str, ...], **values: Any) -> Change:
    """A live registration's details change (badge, roles, add-ons, income group): the next version."""
    must_be_live(reg)
    new, saved = _next(reg, now, **values)
    updated = RegistrationUpdated(
        **new.ids(edition), registration_version=new.version, delegate=new.delegate(edition), changed_fields=changed
    )
    return Change(new, (updated, new.snapshot(edition)), saved)


def end(
    reg: Registration,
    edition: Edition,
    now: datetime,
    status: Status,
    reason: str,
    *,
    by: str,
    refund_due: Money | None = None,
) -> Change:
    """A live registration ends: cancelled (by a delegate, an organiser, an erasure) or expired (released unpaid).

    Either way consumers hear ``RegistrationCancelled`` (its reason says why) and a snapshot with the status.
    """
    if status not in ENDED:
        raise ValueError(f"{status} is not an end")
    must_be_live(reg)
    new, saved = _next(reg, now, status=status)
    cancelled = RegistrationCancelled(
        **new.ids(edition), registration_version=new.version, reason=reason, cancelled_by=by, refund_due=refund_due
    )
    return Change(new, (cancelled, new.snapshot(edition)), saved)


def pay(
    reg: Registration, edition: Edition, now: datetime, method: PaymentMethod, reference: str, amount: int | None = None
) -> Change:
    """Money arrived for it: paid, and confirmed if it was waiting for it (an ended one stays ended: its money is
    then refunded by the caller). ``amount``: what this payment covered, if not the whole total."""
    was_pending = reg.status is Status.PENDING
    status = reg.status if reg.status in ENDED else Status.CONFIRMED
    new, saved = _next(reg, now, paid=True, status=status, payment_reference=reference)
    succeeded = PaymentSucceeded(
        **new.ids(edition),
        amount=edition.money(new.total_minor if amount is None else amount),
        method=method,
        provider_reference=reference,
        paid_at=now,
    )
    confirmed = (new.confirmed(edition),) if was_pending else ()
    return Change(new, (succeeded, *confirmed, new.snapshot(edition)), saved)


def retaken(reg: Registration) -> Registration:
    """A released (expired) registration whose places were taken again: waiting for its money once more."""
    if reg.status is not Status.EXPIRED:
        raise ValueError("only a released registration takes its places again")
    return replace(reg, status=Status.PENDING)


def refunded(reg: Registration, edition: Edition, now: datetime, amount: int, refund_id: str) -> Change:
    """A refund of the registration's own money went through: counted, told."""
    new, saved = _next(reg, now, refunded_minor=reg.refunded_minor + amount)
    issued = RefundIssued(**new.ids(edition), amount=edition.money(amount), provider_reference=refund_id)
    return Change(new, (issued, new.snapshot(edition)), saved)


def check_erasable(reg: Registration, *, open_charge: bool, refund_pending: bool, congress_over: bool = False) -> None:
    """Erasure waits while money is still to be settled (``NotAllowed`` says what to settle first).

    ``congress_over``: retention after the congress; a paid registration was used, nothing is left to refund.
    """
    if reg.erased:
        raise NotAllowed("this delegate's personal data is already erased")
    if reg.live and reg.payment_method is PaymentMethod.INVOICE and not reg.paid:
        raise NotAllowed("the invoice is unpaid: mark it paid or cancel the registration before erasing")
    if reg.live and reg.paid and reg.total_minor > 0 and not congress_over:
        raise NotAllowed("the registration is paid: cancel (and refund) it before erasing")
    if open_charge:
        raise NotAllowed("an add-on payment is still open: settle it before erasing")
    if refund_pending:
        raise NotAllowed("a refund is still pending with Stripe: erase once it is made")


def erase(reg: Registration, edition: Edition, now: datetime, organiser: str, *, congress_over: bool = False) -> Change:
    """Blank the personal data of an ended registration; what the books need (number, amounts) stays.

    ``congress_over`` (retention): a registration that was used keeps its status and is blanked as it is.
    The caller also stages a tombstone for the delegate on the compacted snapshot topic.
    """
    if reg.live and not congress_over:
        raise NotAllowed("cancel the registration before erasing it")
    new, saved = _next(
        reg,
        now,
        given_name=ERASED,
        family_name=ERASED,
        badge_name=ERASED,
        affiliation=ERASED,
        email=f"erased+{reg.id}@invalid",
        income_group_reason=None,
        # An issued invoice is kept for the tax authorities (docs/privacy.md); its contact email is not needed.
        invoice={k: v for k, v in reg.invoice.items() if k != "email"} if reg.invoice else reg.invoice,
    )
    erased = RegistrationErased(
        **new.ids(edition), registration_version=new.version, erased_at=now, erased_by=organiser
    )
    return Change(new, (erased,), saved)


def plain(reg: Registration) -> dict[str, Any]:
    """The registration as plain values (as stored and listed: statuses as strings, lists for tuples)."""
    values: dict[str, Any] = {}
    for name in Registration.__dataclass_fields__:
        value = getattr(reg, name)
        if name in ("roles", "add_ons"):
            value = [str(v) for v in value]
        elif name == "lines":
            value = [[d, a] for d, a in value]
        elif name == "invoice" and value is not None:
            value = dict(value)
        elif isinstance(value, StrEnum):
            value = value.value
        values[name] = value
    return values


def with_badge(reg: Registration, details: Mapping[str, str]) -> Registration:
    """The registration showing badge details as typed, not saved (a form shown again beside its errors)."""
    values: dict[str, Any] = {name: value for name, value in details.items() if name in BADGE_FIELDS}
    return replace(reg, **values)
