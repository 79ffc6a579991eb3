"""Changing a registration after it is made: badge details, cancellation, income-group override,
the waiting list and erasure (sign-in links: ``links.py``). Each change bumps the version and emits its events
plus a fresh delegate snapshot, in the transaction that makes it.
"""

from __future__ import annotations

from datetime import datetime

from schemas.audit import ActorKind
from schemas.registration import WaitingListOfferedV2
from schemas.values import Money, PaymentMethod
from services.common.audit import Actor
from services.common.auth import sign
from services.common.sealing import NOTIFY_LINK, seal
from services.common.text import clean_input
from services.registration.commands import audited, stripe_tasks
from services.registration.commands.price_words import add_on_record, record_lines
from services.registration.commands.records import Deps, NotAllowed, Row, as_utc, ids, stage
from services.registration.domain import pricing as domain
from services.registration.domain import registration as lifecycle
from services.registration.domain.registration import BADGE_FIELDS as BADGE_FIELDS  # re-exported
from services.registration.domain.registration import ENDED as ENDED  # re-exported
from services.registration.domain.registration import Registration, Status
from services.registration.ports import TOTAL, Tx


async def update_badge(deps: Deps, registration_id: str, changes: dict[str, str]) -> Registration:
    """Change badge details as typed (NFC); emits RegistrationUpdated with the changed fields."""
    try:
        clean = {k: clean_input(v) for k, v in changes.items() if k in BADGE_FIELDS}
    except ValueError as exc:
        raise NotAllowed(str(exc)) from exc
    if any(not v for v in clean.values()):
        raise NotAllowed("badge details cannot be empty")
    async with deps.units.begin() as tx:
        row = await live(tx, registration_id)
        changed = tuple(k for k, v in clean.items() if getattr(row, k) != v)
        if not changed:
            return row
        return await apply_update(deps, tx, row, {k: clean[k] for k in changed}, changed)


async def override_income_group(
    deps: Deps, registration_id: str, group: domain.IncomeGroup, reason: str, actor: Actor
) -> Registration:
    """An organiser sets the delegate's income group with a recorded reason; unpaid ones are repriced."""
    if not reason.strip():
        raise NotAllowed("say why the income group is overridden")
    async with deps.units.begin() as tx:
        row = await live(tx, registration_id)
        values: dict[str, object] = {
            "income_group": group,
            "income_group_reason": f"{reason.strip()} (by {actor.name})",
        }
        audited.note(
            deps,
            tx,
            "registration.income-group",
            actor,
            row,
            reason=reason,
            old=row.income_group.value,
            new=group.value,
            repriced=not row.paid,
        )
        if not row.paid:
            quote = domain.quote(
                deps.rules,
                category=row.category,
                income_group=group,
                add_ons=row.add_ons,
                code=row.code,
                now=as_utc(row.created_at),
            )
            values |= {
                "total_minor": quote.total,
                "lines": record_lines(quote.lines),
            }
        return await apply_update(deps, tx, row, values, ("income_group",))


async def live(tx: Tx, registration_id: str) -> Registration:
    """The registration, locked, if it still holds its places (``NotAllowed`` otherwise)."""
    return lifecycle.must_be_live(await tx.registrations.get(registration_id, for_update=True))


async def save(tx: Tx, change: lifecycle.Change, now: datetime) -> Registration:
    """Save a transition and stage its events; the registration as it now is."""
    await tx.registrations.save(change.registration.id, now, **change.values)
    return stage(tx, change)


async def apply_update(
    deps: Deps, tx: Tx, row: Registration, values: dict[str, object], changed: tuple[str, ...]
) -> Registration:
    """Save ``values`` on a locked live registration as its next version; stage RegistrationUpdated and the snapshot."""
    now = deps.clock()
    return await save(tx, lifecycle.update(row, deps.edition, now, changed, **values), now)


async def cancel(deps: Deps, registration_id: str, *, by: str, reason: str, actor: Actor | None = None) -> Registration:
    """Cancel; frees the seats (offering add-on seats to the waiting list) and states the refund due.

    What Stripe is owed (closing open Checkouts, a delegate's refund) is tried after the commit. The
    cancellation is audited: by ``actor`` (the organiser), or by the delegate themselves (``by="delegate"``).
    """
    async with deps.units.begin() as tx:
        row = await cancel_row(deps, tx, await live(tx, registration_id), by=by, reason=reason)
        who = actor or (Actor(ActorKind.DELEGATE, row.delegate_id) if by == "delegate" else None)
        if who is not None:
            audited.note(deps, tx, "registration.cancel", who, row, reason=reason, paid=row.paid)
    await stripe_tasks.run(deps, tx.queued_tasks)
    return row


async def cancel_row(deps: Deps, tx: Tx, row: Registration, *, by: str, reason: str) -> Registration:
    """Cancel a live registration in the caller's transaction (the refund due is on its event).

    Its open Checkout Sessions (the registration's, an add-on's) are queued to be expired, so
    the delegate cannot pay for what is cancelled; a delegate's cancellation queues the refund
    the policy gives back on their card payments (an organiser refunds by hand, as they decide).
    """
    now = deps.clock()
    paid = row.total_minor if row.paid else 0
    due = domain.refund_due(deps.rules, paid, now) if by == "delegate" else paid
    refund = deps.money(due) if due else None
    row = await end_row(deps, tx, row, Status.CANCELLED, reason or "cancelled", by=by, now=now, refund_due=refund)
    if by == "delegate" and due:
        await stripe_tasks.queue_policy_refund(deps, tx, row, due, "cancel")
    return row


async def end_row(
    deps: Deps,
    tx: Tx,
    row: Registration,
    status: Status,
    reason: str,
    *,
    by: str,
    now: datetime,
    refund_due: Money | None = None,
    closed: str | None = None,
) -> Registration:
    """End a live registration (cancelled, expired): new status and version, RegistrationCancelled and
    snapshot; its waiting-list entries withdrawn (a seat offered to it goes to the next in line), its places
    freed (an add-on seat to the next in line), its open Checkout Sessions queued to expire (``closed``: see
    ``close_checkouts``)."""
    change = lifecycle.end(row, deps.edition, now, status, reason, by=by, refund_due=refund_due)
    row = await save(tx, change, now)
    await tx.registrations.withdraw_waiting(row.id)
    for entry in await tx.registrations.offers_to(row.id):  # a seat offered to it and not taken passes on now
        await tx.registrations.set_waiting(entry["id"], domain.WaitStatus.WITHDRAWN.value)
        await seat_freed(deps, tx, entry["add_on_code"], now)
    await tx.registrations.release_seat(TOTAL)
    for code in row.add_ons:
        await seat_freed(deps, tx, code, now)
    await close_checkouts(deps, tx, row, closed=closed)
    return row


async def close_checkouts(deps: Deps, tx: Tx, row: Registration, *, closed: str | None = None) -> None:
    """Queue the expiry of every Checkout Session still taking money for an ended registration.

    ``closed``: a session Stripe has just expired itself (its webhook), not asked again.
    """
    if not row.paid and row.checkout_session_id and row.checkout_session_id != closed:
        await stripe_tasks.queue_expire(deps, tx, row.id, row.checkout_session_id)
    for charge in await tx.registrations.charges_of(row.payer_id, status="open"):
        if charge["registration_id"] == row.id and charge["method"] == PaymentMethod.CARD.value:
            await tx.registrations.set_charge(charge["id"], status="lapsed")
            if charge["checkout_session_id"]:
                await stripe_tasks.queue_expire(deps, tx, row.id, charge["checkout_session_id"])


async def seat_freed(deps: Deps, tx: Tx, code: str, now: datetime) -> None:
    """A seat came free (or an offer lapsed): offer it to the next in line, else give it back."""
    entries = [entry_of(e) for e in await tx.registrations.waiting_entries(code, for_update=True)]
    decision = domain.on_seat_freed(entries, now)
    for lapsed in decision.expire:
        await tx.registrations.set_waiting(lapsed.entry_id, domain.WaitStatus.EXPIRED.value)
        lapsed_row = await tx.registrations.get(lapsed.registration_id)
        if lapsed_row is not None:
            audited.note(deps, tx, "registration.waiting-list.lapse", audited.WAITING_LIST, lapsed_row, add_on=code)
    if decision.offer_to is None:
        await tx.registrations.release_seat(code)
        return
    expires = domain.offer_deadline(now, deps.config.waiting_list_hold_hours)
    await tx.registrations.set_waiting(decision.offer_to.entry_id, domain.WaitStatus.OFFERED.value, expires)
    row = await tx.registrations.get(decision.offer_to.registration_id)
    if row is None:
        return
    audited.note(
        deps,
        tx,
        "registration.waiting-list.offer",
        audited.WAITING_LIST,
        row,
        add_on=code,
        offer_expires_at=expires.isoformat(),
    )
    token = sign(deps.secret, "waitlist", {"entry": decision.offer_to.entry_id})
    tx.stage(
        WaitingListOfferedV2(
            **ids(deps, row),
            add_on_code=code,
            add_on_label=deps.rules.add_ons[code].label,
            offer_expires_at=expires,
            sealed_accept_url=seal(
                deps.secret, NOTIFY_LINK, f"{deps.public_url}/waiting-list/accept?t={token}", bound_to=row.id
            ),
            email=row.email,
            language=row.language,
        ),
    )


def entry_of(raw: Row) -> domain.WaitingEntry:
    return domain.WaitingEntry(
        raw["id"],
        raw["registration_id"],
        domain.WaitStatus(raw["status"]),
        as_utc(raw["offer_expires_at"]) if raw["offer_expires_at"] else None,
    )


async def expire_offers(deps: Deps) -> int:
    """Lapse offers past their deadline and pass each seat on; run periodically."""
    now = deps.clock()
    lapsed = 0
    async with deps.units.begin() as tx:
        for code in await tx.registrations.offered_add_ons():
            entries = [entry_of(e) for e in await tx.registrations.waiting_entries(code, for_update=True)]
            for _ in domain.expired_offers(entries, now):
                lapsed += 1
                await seat_freed(deps, tx, code, now)
    return lapsed


async def add_add_on(deps: Deps, tx: Tx, row: Registration, spec: domain.AddOnSpec) -> Registration:
    """The add-on joins the registration (its price is added to what it costs); emits RegistrationUpdated."""
    values = {
        "add_ons": (*row.add_ons, spec.code),
        "total_minor": row.total_minor + spec.price,
        "lines": (*row.lines, add_on_record(spec)),
    }
    return await apply_update(deps, tx, row, values, ("add_ons",))
