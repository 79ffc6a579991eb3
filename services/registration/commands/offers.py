"""A waiting-list offer as its link shows it, and declining it.

Opening the link changes nothing (mail scanners and link previews open links too): ``offer`` reads
what the confirm page shows. Taking the offer is ``addons.accept_offer`` (a form post); declining
it is ``decline`` (a form post), which passes the seat to the next in line at once, through the
same ``manage.seat_freed`` a cancellation or a lapsed offer goes through.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from schemas.audit import ActorKind
from services.common.audit import Actor
from services.registration.commands import audited, manage, stripe_tasks
from services.registration.commands.records import Deps, Row, as_utc
from services.registration.domain import pricing as domain
from services.registration.ports import Tx


class OfferState(StrEnum):
    """Where an offer stands for the person holding its link."""

    OPEN = "open"
    TAKEN = "taken"
    LAPSED = "lapsed"
    """Past its deadline, declined, or withdrawn (the registration ended): the seat has moved on."""


@dataclass(frozen=True)
class Offer:
    """What the confirm page shows: the add-on, its price, until when it is held, for whom."""

    entry_id: int
    state: OfferState
    label: str
    price_minor: int
    expires_at: datetime | None
    badge_name: str
    language: str


def state_of(entry: domain.WaitingEntry, now: datetime) -> OfferState:
    if domain.can_accept_offer(entry, now):
        return OfferState.OPEN
    if entry.status is domain.WaitStatus.ACCEPTED:
        return OfferState.TAKEN
    return OfferState.LAPSED


async def offer(deps: Deps, entry_id: int) -> Offer | None:
    """The offer behind a waiting-list link (``None``: no such entry, or its registration is gone)."""
    async with deps.units.read() as tx:
        raw = await tx.registrations.waiting_entry(entry_id)
        row = await tx.registrations.get(raw["registration_id"]) if raw else None
    if raw is None or row is None or row.erased:
        return None
    spec = deps.rules.add_ons.get(raw["add_on_code"])
    if spec is None:
        return None
    entry = manage.entry_of(raw)
    return Offer(
        entry_id=entry_id,
        state=state_of(entry, deps.clock()),
        label=spec.label,
        price_minor=spec.price,
        expires_at=as_utc(raw["offer_expires_at"]) if raw["offer_expires_at"] else None,
        badge_name=row.badge_name,
        language=row.language,
    )


async def decline(deps: Deps, entry_id: int) -> OfferState:
    """Give an open offer back: the seat goes to the next in line now. Returns the state the offer was in.

    A Checkout Session the delegate opened for it is closed; a payment that still lands on it is
    treated as one made after the offer lapsed (``addons.on_charge_event``).
    """
    now = deps.clock()
    async with deps.units.begin() as tx:
        raw = await tx.registrations.waiting_entry(entry_id)
        if raw is None:
            return OfferState.LAPSED
        code = raw["add_on_code"]
        locked = {e["id"]: e for e in await tx.registrations.waiting_entries(code, for_update=True)}
        # not among the list's open entries once locked: taken or ended meanwhile, so read it as it is now
        current = locked.get(entry_id) or await tx.registrations.waiting_entry(entry_id) or raw
        state = state_of(manage.entry_of(current), now)
        if state is not OfferState.OPEN:
            return state
        await tx.registrations.set_waiting(entry_id, domain.WaitStatus.WITHDRAWN.value)
        row = await tx.registrations.get(raw["registration_id"])
        if row is not None:
            await _close_charges(deps, tx, row.payer_id, row.id, entry_id)
            who = Actor(ActorKind.DELEGATE, row.delegate_id)
            audited.note(deps, tx, "registration.waiting-list.decline", who, row, add_on=code)
        await manage.seat_freed(deps, tx, code, now)
    await stripe_tasks.run(deps, tx.queued_tasks)
    return OfferState.OPEN


async def _close_charges(deps: Deps, tx: Tx, payer_id: str, registration_id: str, entry_id: int) -> None:
    charges: list[Row] = await tx.registrations.charges_of(payer_id, status="open")
    for charge in charges:
        if charge["waiting_entry"] == entry_id:
            await tx.registrations.set_charge(charge["id"], status="lapsed")
            if charge["checkout_session_id"]:
                await stripe_tasks.queue_expire(deps, tx, registration_id, charge["checkout_session_id"])
