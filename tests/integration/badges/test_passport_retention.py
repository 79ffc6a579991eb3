"""Passport data goes with the clock moved past ``privacy.retention.passport_days`` (issue 16): the visa
request's passport fields are blanked, the visa letter PDF (it prints the number) is deleted, the pass is
recorded once as ``RetentionApplied``, and a pass before the period ends changes nothing."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import select

from schemas import decode
from schemas.privacy import DataClass, RetentionApplied
from services.badges.adapters import db
from services.badges.adapters.pool import InProcessRenderer
from services.badges.app import build, header_for
from services.badges.commands import retention
from services.badges.commands.visa import visa_request_token
from services.badges.config import BadgesSettings
from services.common.auth import organiser_token
from services.common.congress import load_congress
from services.common.outbox import outbox_table
from services.common.privacy import load_privacy
from tests.integration.badges import factories as f

SECRET = "retention-secret"
PASSPORT = "X9876543Z"
GONE = datetime(2027, 2, 7, 15, 0, tzinfo=UTC)
"""Local midnight (Tokyo) starting 8 February 2027: 30 full days after the congress's last day, 8 January."""


@dataclass
class At:
    moment: datetime

    def now(self) -> datetime:
        return self.moment


def on_disk(location: str) -> bool:
    return Path(location).exists()


def dead_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_passport_data_and_visa_letters_go_after_their_period(congress_home: Path) -> None:
    settings = BadgesSettings(
        KAFKA_BOOTSTRAP_SERVERS=f"127.0.0.1:{dead_port()}",
        CONGRESS_SECRET=SECRET,
        database_url=f"sqlite+aiosqlite:///{congress_home / 'badges.db'}",
        store_dir=congress_home / "pdfs",
        public_url="http://station",
    )
    runtime, app = build(
        settings, renderer=InProcessRenderer(header_for(load_congress()), font_cache=settings.font_cache)
    )
    deps, privacy = app.state.deps, load_privacy(load_congress())
    person = f.delegate("Amara", "Okafor")
    async with app.router.lifespan_context(app):
        async with runtime.sessionmaker() as session, session.begin():
            await db.upsert_delegate(
                session,
                congress_id=f.CONGRESS,
                registration_id="r",
                version=1,
                status="confirmed",
                paid=True,
                delegate=person,
                now=datetime.now(UTC),
            )
        organiser = {"authorization": f"Bearer {organiser_token(SECRET, 'organiser@icsei.example.org')}"}
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://station") as http:
            form = {"passport_name": "AMARA OKAFOR", "nationality": "NG", "passport_number": PASSPORT}
            token = visa_request_token(SECRET, person.delegate_id)
            asked = await http.post(
                f"/api/visa/{token}", json=form | {"arrival": "2027-01-04", "departure": "2027-01-09"}
            )
            assert asked.status_code in (200, 201), asked.text
            approved = await http.post(f"/organiser/visa/{asked.json()['request_id']}/approve", headers=organiser)
            assert approved.status_code == 200, approved.text
        letters = list((congress_home / "pdfs").rglob("*.pdf"))
        assert len(letters) == 1

        assert retention.gone_from(deps, privacy) == GONE
        deps.clock = At(datetime(2027, 2, 7, 14, 59, tzinfo=UTC))
        assert await retention.sweep(deps, privacy) == 0
        assert letters[0].exists()

        deps.clock = At(GONE)
        assert await retention.sweep(deps, privacy) == 1
        assert await retention.sweep(deps, privacy) == 0  # nothing left: nothing recorded twice
        assert not letters[0].exists()
        async with runtime.engine.connect() as conn:
            [row] = (await conn.execute(select(db.visa_requests))).all()
            values = (await conn.execute(select(outbox_table.c.value))).scalars().all()
        assert PASSPORT not in (row.passport_number, row.passport_name) and "OKAFOR" not in row.passport_name
        applied = [e for e in (decode(v).data for v in values if v) if isinstance(e, RetentionApplied)]
        assert [(a.service, a.data_class, a.removed) for a in applied] == [("badges", DataClass.PASSPORT, 1)]


async def test_issued_invoices_are_kept_through_the_tax_period_then_their_pdfs_go(congress_home: Path) -> None:
    settings = BadgesSettings(
        KAFKA_BOOTSTRAP_SERVERS=f"127.0.0.1:{dead_port()}",
        CONGRESS_SECRET=SECRET,
        database_url=f"sqlite+aiosqlite:///{congress_home / 'badges.db'}",
        store_dir=congress_home / "pdfs",
        public_url="http://station",
    )
    runtime, app = build(
        settings, renderer=InProcessRenderer(header_for(load_congress()), font_cache=settings.font_cache)
    )
    deps, privacy = app.state.deps, load_privacy(load_congress())
    async with app.router.lifespan_context(app):
        stored = deps.store.put(b"%PDF-1.7 invoice ICSEI27-INV-0001 Kyoto University")
        async with runtime.sessionmaker() as session, session.begin():
            row = {"kind": "invoice", "number": "ICSEI27-INV-0001", "delegate_id": "d1", "cause": "e1"}
            when = datetime(2026, 12, 1, tzinfo=UTC)
            await session.execute(
                db.documents.insert().values(**row, sha256=stored.sha256, location=stored.location, issued_at=when)
            )
        pdf = stored.location
        gone = retention.gone_from(deps, privacy, privacy.retention.invoices_days)
        assert gone > GONE  # years after the passport data

        deps.clock = At(gone.replace(microsecond=0) - (gone - GONE) / 2)  # passports gone, invoices kept
        assert await retention.sweep(deps, privacy) == 0 and on_disk(pdf)
        deps.clock = At(gone)
        assert await retention.sweep(deps, privacy) == 1
        assert await retention.sweep(deps, privacy) == 0
        assert not on_disk(pdf)
        async with runtime.engine.connect() as conn:
            [kept] = (await conn.execute(select(db.documents))).all()
            values = (await conn.execute(select(outbox_table.c.value))).scalars().all()
        assert (kept.kind, kept.number, kept.sha256, kept.location) == ("invoice", "ICSEI27-INV-0001", "", "")
        applied = [e for e in (decode(v).data for v in values if v) if isinstance(e, RetentionApplied)]
        assert [(a.service, a.data_class, a.removed) for a in applied] == [("badges", DataClass.INVOICES, 1)]
