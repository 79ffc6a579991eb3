"""Erasure reaches everything: a delegate who registered, paid, got a visa letter and checked in is erased, then
every database (SQLite files, or PostgreSQL), every file under the data directory (PDF text included) and every
byte of every topic is searched for their name, email and passport number. Only the issued invoice, kept for
the tax authorities (docs/privacy.md), may still name them.

Registration, badges and notify run on real Kafka and real databases; mail goes to an SMTP server outside the
data directory (it stands for the delegate's own mailbox).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from schemas.personal import ERASED
from services.badges import domain as badges_domain
from services.badges.adapters import db as badges_db
from services.badges.app import build as build_badges
from services.badges.commands import desk, visa
from services.badges.config import BadgesSettings
from services.common.auth import organiser_token, sign
from services.common.outbox import outbox_table
from services.notify.adapters import db as notify_db
from services.notify.app import build as build_notify
from services.notify.config import NotifySettings
from services.registration.adapters import db as registration_db
from tests.conftest import fresh_pg_database
from tests.integration.notify.sink import RecordingSink
from tests.integration.privacy_search import files_naming, rows_naming, topics_naming
from tests.integration.registration.conftest import close_service, congress_file, open_service, settings_for
from tests.kafka_helpers import eventually

SECRET = "test-secret"  # registration's test settings use it; every service must share the congress secret
GIVEN, FAMILY, EMAIL, PASSPORT = "Ximena", "Quispe-Huamán", "ximena.quispe@example.org", "PQ7731904"
NEEDLES = (GIVEN, FAMILY, "Quispe", EMAIL, PASSPORT)
ORGANISER = {"authorization": f"Bearer {organiser_token(SECRET, 'organiser@icsei.example.org')}"}


@pytest.fixture(params=["sqlite", "postgresql"])
async def databases(request: pytest.FixtureRequest, congress_home: Path) -> dict[str, str]:
    """A database per service: SQLite files under the data directory, or fresh PostgreSQL databases."""
    services = ("registration", "badges", "notify")
    if request.param == "sqlite":
        (congress_home / "db").mkdir()
        return {s: f"sqlite+aiosqlite:///{congress_home / 'db' / f'{s}.sqlite3'}" for s in services}
    server = request.getfixturevalue("pg_url")
    return {s: await fresh_pg_database(server) for s in services}


@contextlib.asynccontextmanager
async def served(build: Any, settings: Any) -> AsyncIterator[tuple[Any, httpx.AsyncClient]]:
    runtime, app = build(settings)
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        yield runtime, client


async def scalar(runtime: Any, query: Any) -> Any:
    async with runtime.sessionmaker() as session:
        return (await session.execute(query)).scalar()


async def all_sent(*runtimes: Any) -> bool:
    for runtime in runtimes:
        if await scalar(runtime, select(outbox_table.c.id).where(outbox_table.c.sent_at.is_(None)).limit(1)):
            return False
    return True


async def test_an_erased_delegate_is_nowhere_but_on_the_invoice(
    databases: dict[str, str],
    congress_home: Path,
    kafka_bootstrap: str,
    topic_prefix: str,
    stripe_mock_url: str,
    tmp_path: Path,
) -> None:
    kafka = {"KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap, "KAFKA_TOPIC_PREFIX": topic_prefix, "CONGRESS_SECRET": SECRET}
    registration = await open_service(
        settings_for(
            databases["registration"],
            stripe_mock_url,
            congress_file(tmp_path),
            kafka=kafka_bootstrap,
            prefix=topic_prefix,
        ),
        kafka=True,
    )
    badges_settings = BadgesSettings(
        **kafka,
        database_url=databases["badges"],
        store_dir=congress_home / "badges",
        render_workers=1,
        relay_poll_seconds=0.2,
    )
    with RecordingSink() as mailbox:
        notify_settings = NotifySettings(
            **kafka,
            database_url=databases["notify"],
            smtp_host="127.0.0.1",
            smtp_port=mailbox.port,
            embedded_sink=False,
            mail_dir=str(tmp_path / "mailbox"),
            relay_poll_seconds=0.2,
        )
        async with (
            served(build_badges, badges_settings) as (badges, station),
            served(build_notify, notify_settings) as (notify, _),
        ):
            reg = registration.client
            made = await reg.post(
                "/api/registrations",
                json={
                    "delegates": [
                        {
                            "given_name": GIVEN,
                            "family_name": FAMILY,
                            "affiliation": "Instituto de Estudios Andinos",
                            "country": "PE",
                            "email": EMAIL,
                            "language": "es",
                            "category": "member",
                        }
                    ],
                    "payment_method": "invoice",
                    "invoice": {
                        "institution_name": "Instituto de Estudios Andinos",
                        "institution_address": "Av. Universitaria 1801\nLima",
                        "email": EMAIL,
                        "vat_id": "PE20155945860",
                    },
                },
            )
            assert made.status_code == 201, made.text
            rid = made.json()["registrations"][0]["registration_id"]
            delegate_id = await scalar(
                registration.runtime,
                select(registration_db.registrations.c.delegate_id).where(registration_db.registrations.c.id == rid),
            )
            paid = await reg.post(f"/api/organiser/registrations/{rid}/mark-paid", headers=ORGANISER)
            assert paid.status_code == 200, paid.text

            # badges: the badge, the invoice and the receipt; then a visa letter and a check-in
            documents = badges_db.documents
            await eventually(
                lambda: scalar(
                    badges, select(badges_db.badges.c.version).where(badges_db.badges.c.delegate_id == delegate_id)
                ),
                timeout=120,
            )

            async def documents_issued() -> set[str]:
                async with badges.sessionmaker() as session:
                    query = select(documents.c.kind).where(documents.c.delegate_id == delegate_id)
                    return set((await session.execute(query)).scalars())

            await eventually(lambda: _has(documents_issued(), {"invoice", "receipt"}), timeout=120)  # known paid
            token = visa.visa_request_token(SECRET, delegate_id)
            asked = await station.post(
                f"/api/visa/{token}",
                json={
                    "passport_name": f"{GIVEN.upper()} {FAMILY.upper()}",
                    "nationality": "Peru",
                    "passport_number": PASSPORT,
                    "arrival": "2027-01-03",
                    "departure": "2027-01-09",
                },
            )
            assert asked.status_code == 201, asked.text
            approved = await station.post(f"/organiser/visa/{asked.json()['request_id']}/approve", headers=ORGANISER)
            assert approved.status_code == 200, approved.text
            version = await scalar(
                badges, select(badges_db.badges.c.version).where(badges_db.badges.c.delegate_id == delegate_id)
            )
            qr = sign(SECRET, badges_domain.QR_PURPOSE, badges_domain.qr_payload(delegate_id, version, "icsei-2027"))
            scanned = await desk.check_in(station_deps(station), token=qr, station_id="desk-1")
            assert scanned.outcome is badges_domain.ScanOutcome.CHECKED_IN

            await eventually(lambda: _has(documents_issued(), {"visa_letter"}), timeout=120)
            await eventually(
                lambda: any(m["To"] and EMAIL in str(m["To"]) for m in mailbox.handler.snapshot()), timeout=60
            )
            assert await rows_naming(databases["badges"], [PASSPORT])  # the passport number was there

            # the delegate asked to be forgotten: the organisers cancel and erase
            cancelled = await reg.post(
                f"/api/organiser/registrations/{rid}/cancel", json={"reason": "leaving"}, headers=ORGANISER
            )
            assert cancelled.status_code == 200, cancelled.text
            erased = await reg.post(f"/api/organiser/registrations/{rid}/erase", headers=ORGANISER)
            assert erased.status_code == 200, erased.text

            async def badges_forgot() -> bool:
                return not await scalar(badges, select(badges_db.visa_requests.c.id).limit(1)) and not await scalar(
                    badges, select(badges_db.delegates.c.delegate_id).limit(1)
                )

            async def notify_forgot() -> bool:
                return not await scalar(notify, select(notify_db.contacts.c.delegate_id).limit(1))

            await eventually(badges_forgot, timeout=60)
            await eventually(notify_forgot, timeout=60)
            await eventually(lambda: all_sent(registration.runtime, badges, notify), timeout=60)
            invoice_pdf = await scalar(badges, select(documents.c.location).where(documents.c.kind == "invoice"))
    await close_service(registration, kafka=True)

    in_databases = {s: await rows_naming(url, NEEDLES) for s, url in databases.items()}
    kept = {f"reg_registrations.invoice: {n}" for n in NEEDLES}  # the issued invoice's details, kept by law
    assert {s: [h for h in hits if h not in kept] for s, hits in in_databases.items()} == {
        "registration": [],
        "badges": [],
        "notify": [],
    }
    in_files = files_naming(congress_home, NEEDLES)
    assert set(in_files) <= {Path(invoice_pdf)}, in_files  # the issued invoice, kept by law, and nothing else
    read, in_topics = await topics_naming(kafka_bootstrap, topic_prefix, NEEDLES)
    assert read > 20 and in_topics == []
    assert ERASED == "erased"


async def _has(found: Any, wanted: set[str]) -> bool:
    return wanted <= await found


def station_deps(client: httpx.AsyncClient) -> Any:
    transport = client._transport
    return transport.app.state.deps  # type: ignore[attr-defined]
