"""Issue 12, finding 1: unpaid invoice registrations no longer hold places for ever (SQLite and PostgreSQL).

A script fills the 30-seat workshop with invoice registrations; the holds lapse and the seats come
back (to the waiting list first); each payer is reminded once and released once, however often the
sweep runs; an organiser marks one paid and extends another (its new end shown, a new reminder).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from schemas.delegates import DelegateSnapshot
from schemas.registration import (
    InvoiceHoldEnding,
    RegistrationCancelled,
    RegistrationConfirmed,
    WaitingListOfferedV2,
)
from services.common.auth import organiser_token
from services.registration.adapters import db
from services.registration.commands import invoice_holds
from tests.integration.registration.conftest import EARLY, Service, delegate
from tests.integration.registration.test_flows import of, published

INVOICE = {"institution_name": "Uni", "institution_address": "Street 1", "email": "billing@example.org"}
WORKSHOP = "ws-ece"  # 30 seats in the example congress
AUTH = {"authorization": f"Bearer {organiser_token('test-secret', 'organiser@icsei.example.org')}"}


def on_day(service: Service, days: float) -> datetime:
    moment = EARLY + timedelta(days=days)
    service.deps.clock = lambda: moment
    return moment


async def taken(service: Service, code: str) -> int:
    async with service.deps.sessionmaker() as session:
        return (await db.seat_counts(session))[code][1]


async def register_invoice(service: Service, i: int, **over: Any) -> dict[str, Any]:
    body = {"delegates": [delegate(i, add_ons=[WORKSHOP], **over)], "payment_method": "invoice", "invoice": INVOICE}
    answer = await service.client.post("/api/registrations", json=body)
    assert answer.status_code == 201, answer.text
    created: dict[str, Any] = answer.json()
    return created


async def test_invoice_squatting_lapses_reminds_once_releases_once(offline: Service) -> None:
    config = offline.deps.config
    hold, remind = config.invoice_hold_days, config.invoice_reminder_days
    squatters = [await register_invoice(offline, i) for i in range(30)]
    assert all(s["registrations"][0]["status"] == "confirmed" for s in squatters)
    waiting = await register_invoice(offline, 99, waitlist_if_full=True)
    assert waiting["waitlisted"] and await taken(offline, WORKSHOP) == 30
    paid, extended = squatters[0]["payer_id"], squatters[1]["payer_id"]

    # the organiser list shows when each unpaid invoice lets go of its places
    listing = (await offline.client.get("/api/organiser/registrations", headers=AUTH)).json()
    ends = {r["id"]: r.get("hold_until") for r in listing["items"]}
    assert ends[paid] == (EARLY + timedelta(days=hold)).isoformat()

    on_day(offline, hold - remind - 1)  # before the reminder: nothing
    assert await invoice_holds.sweep(offline.deps) == 0
    on_day(offline, hold - remind + 0.5)
    assert await invoice_holds.sweep(offline.deps) == 31
    assert await invoice_holds.sweep(offline.deps) == 0  # a second sweep sends nothing again
    reminders = of(await published(offline), InvoiceHoldEnding)
    assert len(reminders) == 31 and len({r.registration_id for r in reminders}) == 31
    first = next(r for r in reminders if r.registration_id == paid)
    assert first.hold_until == EARLY + timedelta(days=hold) and first.amount_due.amount_minor > 0
    assert first.email == "aiko0@example.org" and first.language == "ja" and first.invoice_number

    # an organiser records two transfers (one from the delegate waiting for the workshop) and gives
    # another institution two more weeks
    for payer in (paid, waiting["payer_id"]):
        assert (await offline.client.post(f"/api/organiser/registrations/{payer}/mark-paid", headers=AUTH)).is_success
    answer = await offline.client.post(
        f"/api/organiser/registrations/{extended}/extend-hold", json={"days": 14}, headers=AUTH
    )
    assert answer.status_code == 200, answer.text
    new_end = EARLY + timedelta(days=hold + 14)
    assert answer.json()["hold_until"] == new_end.isoformat().replace("+00:00", "Z")
    page = await offline.client.get(f"/organiser/registrations/{extended}", headers=AUTH)
    assert "Places held until" in page.text and "Extend hold" in page.text

    on_day(offline, hold + 0.01)
    assert await invoice_holds.sweep(offline.deps) == 28  # the 30 less the paid and the extended
    assert await invoice_holds.sweep(offline.deps) == 0
    events = await published(offline)
    released = [e for e in of(events, RegistrationCancelled) if e.reason == invoice_holds.RELEASED_REASON]
    assert len(released) == 28 and {e.cancelled_by for e in released} == {"system"}
    assert {e.registration_id for e in released}.isdisjoint({paid, extended})
    # the seats came back: one offered to the waiting delegate, the other 27 free again
    offers = of(events, WaitingListOfferedV2)
    assert [(o.registration_id, o.add_on_code) for o in offers] == [(waiting["payer_id"], WORKSHOP)]
    assert await taken(offline, WORKSHOP) == 3  # the paid, the extended, the one offered
    assert len([s for s in of(events, DelegateSnapshot) if s.status == "expired"]) == 28

    # the extended one: reminded again before its new end, then released
    on_day(offline, hold + 14 - remind + 0.5)
    assert await invoice_holds.sweep(offline.deps) == 1
    on_day(offline, hold + 14.01)
    assert await invoice_holds.sweep(offline.deps) == 1
    assert await invoice_holds.sweep(offline.deps) == 0
    assert await taken(offline, WORKSHOP) == 2
    events = await published(offline)
    assert len([e for e in of(events, InvoiceHoldEnding) if e.registration_id == extended]) == 2


async def test_a_released_invoice_paid_late_takes_its_places_back_if_they_are_free(offline: Service) -> None:
    hold = offline.deps.config.invoice_hold_days
    late = (await register_invoice(offline, 0))["payer_id"]
    typo = await offline.client.post(f"/organiser/registrations/{late}/extend-hold", data={"days": "0"}, headers=AUTH)
    assert typo.status_code == 422 and "greater than or equal to 1" in typo.text  # beside the field, nothing changed
    on_day(offline, hold + 1)
    assert await invoice_holds.sweep(offline.deps) == 1
    assert await taken(offline, WORKSHOP) == 0

    refused = await offline.client.post(f"/api/organiser/registrations/{late}/extend-hold", json={}, headers=AUTH)
    assert refused.status_code == 409 and "holds no places" in refused.json()["detail"]
    paid = await offline.client.post(f"/api/organiser/registrations/{late}/mark-paid", headers=AUTH)
    assert paid.status_code == 200, paid.text
    assert await taken(offline, WORKSHOP) == 1
    async with offline.deps.sessionmaker() as session:
        row = await db.get(session, late)
    assert row is not None and (row["status"], row["paid"]) == ("confirmed", True)
    confirmed = [e for e in of(await published(offline), RegistrationConfirmed) if e.registration_id == late]
    assert len(confirmed) == 2  # at registration, and again when it came back


async def test_a_released_invoice_paid_after_its_seat_went_is_refused(offline: Service) -> None:
    hold = offline.deps.config.invoice_hold_days
    async with offline.deps.sessionmaker.begin() as session:
        await session.execute(db.capacity.update().where(db.capacity.c.code == WORKSHOP).values(capacity=1))
    late = (await register_invoice(offline, 0))["payer_id"]
    on_day(offline, hold + 1)
    await invoice_holds.sweep(offline.deps)
    await register_invoice(offline, 1)  # the seat goes to someone else
    refused = await offline.client.post(f"/api/organiser/registrations/{late}/mark-paid", headers=AUTH)
    assert refused.status_code == 409 and "none left" in refused.json()["detail"]
    async with offline.deps.sessionmaker() as session:
        row = await db.get(session, late)
    assert row is not None and (row["status"], row["paid"]) == ("expired", False)


async def test_a_seat_offered_to_a_released_registration_goes_to_the_next_in_line(offline: Service) -> None:
    """The first waiting delegate's own invoice lapses while a freed seat is offered to them: the seat passes on
    at once (it used to stay held until the offer lapsed)."""
    hold = offline.deps.config.invoice_hold_days
    async with offline.deps.sessionmaker.begin() as session:
        await session.execute(db.capacity.update().where(db.capacity.c.code == WORKSHOP).values(capacity=1))
    holder = (await register_invoice(offline, 0))["payer_id"]
    first = (await register_invoice(offline, 1, waitlist_if_full=True))["payer_id"]
    on_day(offline, 1)
    second = (await register_invoice(offline, 2, waitlist_if_full=True))["payer_id"]
    cancelled = await offline.client.post(f"/api/organiser/registrations/{holder}/cancel", json={}, headers=AUTH)
    assert cancelled.status_code == 200
    on_day(offline, hold + 0.5)  # the first waiting delegate's hold ends; the second's (a day younger) not yet
    assert await invoice_holds.sweep(offline.deps) >= 1
    offers = [(o.registration_id, o.add_on_code) for o in of(await published(offline), WaitingListOfferedV2)]
    assert offers == [(first, WORKSHOP), (second, WORKSHOP)]
    assert await taken(offline, WORKSHOP) == 1  # held for the second, not lost
