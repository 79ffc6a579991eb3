"""1,000 concurrent registrations for 50 places: exactly 50 succeed, on SQLite and on PostgreSQL.

Half pay by invoice, so the same run checks that invoice numbers of the winners are
1..k with no gap (a losing registration's number is rolled back with it).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select

from services.registration.adapters import db
from tests.integration.registration.conftest import close_service, congress_file, delegate, open_service, settings_for

INVOICE = {"institution_name": "Uni", "institution_address": "Street 1", "email": "billing@example.org"}


async def test_thousand_requests_for_fifty_places(db_url: str, stripe_mock_url: str, tmp_path: Path) -> None:
    def fifty_places(section: dict) -> None:
        section["total_capacity"] = 50

    service = await open_service(
        settings_for(db_url, stripe_mock_url, congress_file(tmp_path, fifty_places)), kafka=False
    )
    try:

        async def one(i: int) -> int:
            body = {"delegates": [delegate(i)]}
            if i % 2:
                body |= {"payment_method": "invoice", "invoice": INVOICE}
            return (await service.client.post("/api/registrations", json=body)).status_code

        codes = Counter(await asyncio.gather(*(one(i) for i in range(1000))))
        assert codes == {201: 50, 422: 950}
        async with service.deps.sessionmaker() as session:
            count = (await session.execute(select(func.count()).select_from(db.registrations))).scalar_one()
            taken = (await db.seat_counts(session))[db.TOTAL]
            numbers = sorted(
                n for n in (await session.execute(select(db.registrations.c.invoice_number))).scalars() if n
            )
            reg_numbers = sorted((await session.execute(select(db.registrations.c.number))).scalars())
        assert count == 50 and taken == (50, 50)
        assert numbers == [f"ICSEI27-INV-{n:04d}" for n in range(1, len(numbers) + 1)]
        assert reg_numbers == [f"ICSEI27-{n:05d}" for n in range(1, 51)]
    finally:
        await close_service(service, kafka=False)


async def test_full_add_on_rejects_or_waitlists_and_a_freed_seat_is_offered(offline) -> None:
    client = offline.client
    async with offline.deps.sessionmaker.begin() as session:
        await session.execute(db.capacity.update().where(db.capacity.c.code == "ws-ece").values(capacity=1))
    first = await client.post("/api/registrations", json={"delegates": [delegate(0, add_ons=["ws-ece"])]})
    full = await client.post("/api/registrations", json={"delegates": [delegate(1, add_ons=["ws-ece"])]})
    assert first.status_code == 201 and full.status_code == 422
    assert full.json()["detail"][0]["loc"] == ["body", "delegates", 0, "add_ons"]
    waiting = await client.post(
        "/api/registrations", json={"delegates": [delegate(2, add_ons=["ws-ece", "dinner"], waitlist_if_full=True)]}
    )
    assert waiting.status_code == 201 and waiting.json()["total"] == 52000 + 8500
    from services.registration.adapters.db import waiting_entries
    from services.registration.commands import addons, manage

    await manage.cancel(offline.deps, first.json()["payer_id"], by="organiser", reason="test")
    async with offline.deps.sessionmaker() as session:
        entries = await waiting_entries(session, "ws-ece")
        assert (await db.seat_counts(session))["ws-ece"] == (1, 1)  # held for the offer
    assert entries[0]["status"] == "offered"
    accepted = (await addons.accept_offer(offline.deps, entries[0]["id"])).row
    assert "ws-ece" in accepted.add_ons and accepted.total_minor == 52000 + 8500 + 9000  # the aggregate now
