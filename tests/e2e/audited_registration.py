"""What registration's payment pages need for the accessibility audit: a payer paying by card, and a
waiting-list offer (a full workshop, a delegate waiting for it, a seat freed by a cancellation)."""

from __future__ import annotations

from typing import Any

import httpx

from services.common.auth import sign
from services.registration.adapters import db
from services.registration.commands import links, manage
from services.registration.commands.records import Deps

WORKSHOP = "ws-ece"


def someone(n: int, **more: Any) -> dict[str, Any]:
    """A delegate other than the audit's signed-in one."""
    return {
        "given_name": "Kofi",
        "family_name": f"Mensah{n}",
        "affiliation": "University of Ghana",
        "country": "GH",
        "email": f"kofi{n}@example.org",
        "category": "member",
        **more,
    }


async def registered(http: httpx.AsyncClient, who: dict[str, Any]) -> dict[str, Any]:
    answer = await http.post("/api/registrations", json={"delegates": [who], "payment_method": "card"})
    assert answer.status_code == 201, answer.text
    made: dict[str, Any] = answer.json()
    return made


async def payment_values(http: httpx.AsyncClient, deps: Deps, secret: str) -> dict[str, str]:
    """``card_payer``/``card_view`` (a card payer's payment link) and ``offer`` (a waiting-list offer's token)."""
    card = await registered(http, someone(1))
    async with deps.sessionmaker.begin() as session:
        await session.execute(db.capacity.update().where(db.capacity.c.code == WORKSHOP).values(capacity=1))
    first = await registered(http, someone(2, add_ons=[WORKSHOP]))
    await registered(http, someone(3, add_ons=[WORKSHOP], waitlist_if_full=True))
    freed = first["registrations"][0]["registration_id"]
    await manage.cancel(deps, freed, by="organiser", reason="a seat for the waiting list")
    async with deps.sessionmaker() as session:
        offered = [e for e in await db.waiting_entries(session, WORKSHOP) if e["status"] == "offered"]
    assert offered, "no waiting-list offer"
    return {
        "card_payer": card["payer_id"],
        "card_view": sign(secret, links.VIEW, {"payer": card["payer_id"]}),
        "offer": sign(secret, "waitlist", {"entry": offered[0]["id"]}),
    }
