"""What the pages and the JSON API read: each a short read-only unit of work, nothing changed.

The web room asks here instead of opening the store itself, so every read it makes has a name.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime

from services.common.paging import Paging
from services.registration.commands import invoice_holds, presenter_deadline, stripe_tasks
from services.registration.commands.records import Deps, Row
from services.registration.domain import pricing
from services.registration.domain.registration import Registration
from services.registration.ports import Filters

EXPORT_BATCH = 500
"""Rows read per transaction while an export streams."""


async def seats_left(deps: Deps) -> dict[str, int]:
    """Seats left of the congress (``TOTAL``) and of each add-on."""
    async with deps.units.read() as tx:
        counts = await tx.registrations.seat_counts()
    return {code: pricing.seats_left(capacity, taken) for code, (capacity, taken) in counts.items()}


async def seats(deps: Deps) -> dict[str, tuple[int, int]]:
    """Capacity and seats taken of the congress (``TOTAL``) and of each add-on."""
    async with deps.units.read() as tx:
        return await tx.registrations.seat_counts()


async def payer_registrations(deps: Deps, payer_id: str) -> list[Registration]:
    """A payer's registrations (the payer's own first), for the status and test-checkout pages."""
    async with deps.units.read() as tx:
        return await tx.registrations.by_payer(payer_id)


async def registration(deps: Deps, registration_id: str) -> Registration | None:
    async with deps.units.read() as tx:
        return await tx.registrations.get(registration_id)


async def charge(deps: Deps, charge_id: int) -> Row | None:
    """A payment asked for after registering (a priced add-on from the waiting list)."""
    async with deps.units.read() as tx:
        return await tx.registrations.get_charge(charge_id)


async def checkout_closed(deps: Deps, checkout_session_id: str) -> bool:
    """Whether the service has asked Stripe to expire this Checkout Session (it must take no money now)."""
    async with deps.units.read() as tx:
        return await tx.tasks.queued_key(f"expire:{checkout_session_id}")


async def refunds_on_their_way(deps: Deps, registration_id: str) -> int:
    """Refunds owed to a registration and not yet accepted by Stripe (minor units)."""
    async with deps.units.read() as tx:
        return (await tx.tasks.pending_refunds(registration_id=registration_id)).get(registration_id, 0)


async def listed(deps: Deps, filters: Filters, page: int, size: int, path: str) -> tuple[Paging, list[Registration]]:
    """One page of the filtered registrations, with the total and the links beside it (one read)."""
    async with deps.units.read() as tx:
        paging = Paging.of(page, size, await tx.registrations.count_listed(filters), path, **filters.query())
        return paging, await tx.registrations.page_listed(filters, offset=paging.offset, limit=paging.size)


async def hold_ends(deps: Deps, rows: list[Registration]) -> dict[str, datetime]:
    """When each listed payer's unpaid invoice releases its places."""
    async with deps.units.read() as tx:
        return await invoice_holds.hold_ends(tx, deps, rows)


@dataclass(frozen=True)
class Beside:
    """What the organisers' list shows beside its rows."""

    seats: dict[str, tuple[int, int]]
    open_invoices: set[str]
    money: dict[str, stripe_tasks.CardMoney]
    holds: dict[str, datetime]


async def beside(deps: Deps, rows: list[Registration]) -> Beside:
    async with deps.units.read() as tx:
        return Beside(
            seats=await tx.registrations.seat_counts(),
            open_invoices=await tx.registrations.open_invoice_payers(),
            money=await stripe_tasks.card_money(tx, rows),
            holds=await invoice_holds.hold_ends(tx, deps, rows),
        )


async def countries(deps: Deps) -> list[str]:
    """The countries registrations come from (the list's country filter offers these)."""
    async with deps.units.read() as tx:
        return await tx.registrations.countries()


def every_row(deps: Deps, filters: Filters) -> AsyncIterator[Registration]:
    """Every filtered registration, read a batch at a time (an export of any size streams)."""
    return deps.units.every_row(filters, batch=EXPORT_BATCH)


async def presenter_statuses(deps: Deps) -> list[presenter_deadline.Status]:
    async with deps.units.read() as tx:
        return await presenter_deadline.statuses(tx)
