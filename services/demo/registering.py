"""What delegates do on the registration service: register (alone or as a district's group) and pay.

Card payments go through the local test checkout exactly as a browser would: follow the
payment link, read the test-checkout form and submit it (Pay or Decline).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from html import unescape
from typing import Any

from services.demo.client import HIDDEN, Failed, Http, local_path
from services.demo.people import Person

log = logging.getLogger("congress.demo")


@dataclass
class Party:
    """One registration request: a delegate alone or a district's group, and how it will pay."""

    people: list[Person]
    method: str
    card_attempts: tuple[str, ...] = ("paid",)
    """Test-checkout outcomes in order, e.g. ("declined", "paid") for a retry after a decline."""
    ticks_waitlist: bool = True
    district: str | None = None


@dataclass
class Booking:
    """What the registration service answered, and what became of it."""

    party: Party
    payer_id: str
    registrations: list[dict[str, Any]]
    payment_path: str | None
    waitlisted: list[str] = field(default_factory=list)
    paid: bool = False


def invoice_details(party: Party) -> dict[str, str]:
    payer = party.people[0]
    return {
        "institution_name": party.district or payer.affiliation,
        "institution_address": f"Accounts payable\n{party.district or payer.affiliation}\n{payer.country}",
        "email": f"accounts.{payer.email}",
        "purchase_order": f"PO-{payer.index:05d}",
    }


async def register(http: Http, party: Party) -> Booking | None:
    """POST /api/registrations; a delegate told an add-on is full ticks the waiting-list box and retries."""
    tick = party.ticks_waitlist
    for _attempt in range(2):
        body: dict[str, Any] = {
            "delegates": [p.form(waitlist_if_full=tick) for p in party.people],
            "payment_method": party.method,
        }
        if party.method == "invoice":
            body["invoice"] = invoice_details(party)
        try:
            response = await http.call("POST", "/api/registrations", json=body, ok=(201, 422), what="register")
        except Failed:
            return None
        if response.status_code == 201:
            done = response.json()
            http.tally.add("registered", len(party.people))
            http.tally.add("waitlisted", len(done["waitlisted"]))
            url = done.get("payment_url")
            return Booking(
                party,
                done["payer_id"],
                done["registrations"],
                local_path(url) if url else None,
                list(done["waitlisted"]),
            )
        if tick or "full" not in response.text:
            http.tally.errors["registration: register 422"] += 1
            log.warning("registration refused: %s", response.text[:600])
            return None
        http.tally.add("told add-on full, joined waiting list")
        tick = True
    return None


async def pay_by_card(http: Http, booking: Booking) -> None:
    """Each planned attempt: open the payment link, then submit the test-checkout form."""
    if booking.payment_path is None:
        return
    for outcome in booking.party.card_attempts:
        try:
            answer = await http.call("GET", booking.payment_path, ok=(303,), what="pay")
            location = answer.headers["location"]
            if "/test-checkout/" not in location:
                http.tally.add("card checkout abandoned (not a test checkout)")
                return
            page = await http.call("GET", local_path(location), ok=(200,), what="test checkout page")
            form = {name: unescape(value) for name, value in HIDDEN.findall(page.text)}
            await http.call(
                "POST",
                f"/test-checkout/{booking.payer_id}",
                data=form | {"outcome": outcome},
                ok=(303,),
                what="test checkout submit",
            )
        except Failed:
            return
        if outcome == "paid":
            booking.paid = True
            http.tally.add("paid by card", len(booking.registrations))
            return
        http.tally.add("card payment failed", len(booking.registrations))
