"""Erasure reaches everything: a delegate who registered, paid, got a visa letter, presented an abstract (submitted,
accepted, in the published programme) and checked in is erased, then every database (SQLite files, or PostgreSQL),
every file under the data directory (PDF text included) and every byte of every topic is searched for their name,
email and passport number. Only the issued invoice, kept for the tax authorities, and the published programme's
record of who presented (name as published; docs/privacy.md) may still name them; their address is nowhere.

Registration, abstracts, badges and notify run on real Kafka and real databases; mail goes to an SMTP server outside
the data directory (it stands for the delegate's own mailbox).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from schemas.personal import ERASED
from services.abstracts.adapters import db as abstracts_db
from services.abstracts.app import build as build_abstracts_app
from services.abstracts.config import AbstractsSettings
from services.badges import domain as badges_domain
from services.badges.adapters import db as badges_db
from services.badges.adapters.book_db import book_abstracts, book_files
from services.badges.app import build as build_badges
from services.badges.commands import desk, visa
from services.badges.config import BadgesSettings
from services.common.auth import organiser_token, sign
from services.common.outbox import outbox_table
from services.notify.adapters import db as notify_db
from services.notify.adapters.abstracts import abstracts as notify_abstracts
from services.notify.adapters.programme import presenters as notify_presenters
from services.notify.app import build as build_notify
from services.notify.config import NotifySettings
from services.registration.adapters import db as registration_db
from tests.conftest import fresh_pg_database
from tests.integration.notify.sink import RecordingSink
from tests.integration.privacy_search import files_naming, rows_naming, topics_naming
from tests.integration.registration.conftest import close_service, congress_file, open_service, settings_for
from tests.kafka_helpers import eventually

BEFORE_DEADLINE = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
"""Abstracts are submitted before the call's deadline (the abstracts service's clock)."""
NAMES = ("Ximena", "Quispe-Huamán", "Quispe")
PUBLISHED = {"abs_abstracts.content", "prog_sessions.talks", "prog_published.payload"}
"""Where the published programme keeps a presenter's name (docs/privacy.md, *What a published programme keeps*)."""
BOOK = {"book_abstracts.payload", "book_sessions.payload"}
"""Where badges' book of abstracts (a publication of the programme) keeps an author's name."""

SECRET = "test-secret"  # registration's test settings use it; every service must share the congress secret
GIVEN, FAMILY, EMAIL, PASSPORT = "Ximena", "Quispe-Huamán", "ximena.quispe@example.org", "PQ7731904"
NEEDLES = (GIVEN, FAMILY, "Quispe", EMAIL, PASSPORT)
ORGANISER = {"authorization": f"Bearer {organiser_token(SECRET, 'organiser@icsei.example.org')}"}


@pytest.fixture(params=["sqlite", "postgresql"])
async def databases(request: pytest.FixtureRequest, congress_home: Path) -> dict[str, str]:
    """A database per service: SQLite files under the data directory, or fresh PostgreSQL databases."""
    services = ("registration", "abstracts", "badges", "notify")
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
    abstracts_settings = AbstractsSettings(
        **kafka, database_url=databases["abstracts"], public_url="http://abstracts", relay_poll_seconds=0.2
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
            served(build_abstracts, abstracts_settings) as (abstracts, call),
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
            rejected_id = await present_an_abstract(call)

            async def in_the_book_replica() -> str:
                t = book_abstracts.c
                return str(await scalar(badges, select(t.payload).where(t.abstract_id == rejected_id)))

            await eventually(lambda: _contains(in_the_book_replica(), FAMILY), timeout=60)  # badges has it, named

            async def book_made() -> bool:  # before the erasure, so that every book file is known below
                return bool(await scalar(badges, select(book_files.c.sha256).limit(1)))

            await eventually(book_made, timeout=120)

            async def notify_told_the_presenter() -> bool:
                return bool(
                    await scalar(notify, select(notify_presenters.c.email).where(notify_presenters.c.email == EMAIL))
                )

            await eventually(notify_told_the_presenter, timeout=120)  # the programme reached notify

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

            async def abstracts_forgot() -> bool:
                column = abstracts_db.abstracts.c.submitter_email
                return not await scalar(abstracts, select(column).where(column == EMAIL))

            async def notify_forgot_the_presenter() -> bool:
                return not await notify_told_the_presenter()

            async def notify_forgot_the_submitter() -> bool:  # abstracts' AuthorErased has reached notify
                c = notify_abstracts.c
                return not await scalar(notify, select(c.abstract_id).where(c.submitter_name.contains(FAMILY)))

            await eventually(badges_forgot, timeout=60)
            await eventually(notify_forgot, timeout=60)
            await eventually(abstracts_forgot, timeout=60)
            await eventually(notify_forgot_the_presenter, timeout=60)
            await eventually(notify_forgot_the_submitter, timeout=60)

            async def book_forgot_the_rejected() -> bool:  # her rejected abstract: not in the programme, not kept
                return not await _contains(in_the_book_replica(), FAMILY)

            await eventually(book_forgot_the_rejected, timeout=60)
            kept_in_book = await in_the_book_replica()
            assert GIVEN not in kept_in_book and "Estudios Andinos" not in kept_in_book and "Mamani" in kept_in_book
            await eventually(lambda: all_sent(registration.runtime, badges, notify, abstracts), timeout=60)
            invoice_pdf = await scalar(badges, select(documents.c.location).where(documents.c.kind == "invoice"))
            async with badges.sessionmaker() as session:
                books = set((await session.execute(select(book_files.c.sha256))).scalars())
    await close_service(registration, kafka=True)

    in_databases = {s: await rows_naming(url, NEEDLES) for s, url in databases.items()}
    kept = {f"reg_registrations.invoice: {n}" for n in NEEDLES}  # the issued invoice's details, kept by law
    kept |= {f"{where}: {n}" for where in PUBLISHED | BOOK for n in NAMES}  # the published programme: her name
    assert {s: [h for h in hits if h not in kept] for s, hits in in_databases.items()} == {
        "registration": [],
        "abstracts": [],
        "badges": [],
        "notify": [],
    }
    assert {h.split(":")[0] for h in in_databases["abstracts"]} == PUBLISHED  # the name as published is still there
    in_files = files_naming(congress_home, NEEDLES)
    published_files = {"abstracts.sqlite3", "badges.sqlite3", *(f"{sha}.pdf" for sha in books)}  # rows above, books
    programme_files = {p for p in in_files if p.name.split("-")[0] in published_files}
    assert all(set(in_files[p]) <= set(NAMES) for p in programme_files), in_files
    assert set(in_files) - programme_files <= {Path(invoice_pdf)}, in_files  # the issued invoice, kept by law
    read, in_topics = await topics_naming(kafka_bootstrap, topic_prefix, NEEDLES)
    assert read > 20 and in_topics == []
    assert ERASED == "erased"


def build_abstracts(settings: AbstractsSettings) -> Any:
    return build_abstracts_app(settings, clock=lambda: BEFORE_DEADLINE)


async def present_an_abstract(call: httpx.AsyncClient) -> str:
    """She submits a paper as its presenting author (a colleague co-authors it); it is accepted and published. She
    submits a second one too, which is rejected (not in the programme: erasure reaches it everywhere); its id."""
    text = " ".join(["Schools that use data well improve their teaching and learning."] * 12)
    her = {"given_name": GIVEN, "family_name": FAMILY, "email": EMAIL, "affiliation": "Instituto de Estudios Andinos"}
    colleague = {
        "given_name": "Rosa",
        "family_name": "Mamani",
        "email": "rosa.mamani@example.org",
        "affiliation": "PUCP",
    }
    body = {
        "format": "paper",
        "network": "DU",
        "title": "Data use in Andean rural schools",
        "text": text,
        "keywords": ["data use"],
        "language": "es",
        "authors": [her | {"country": "PE", "presenting": True}, colleague | {"country": "PE"}],
        "submitter_email": EMAIL,
    }
    submitted = await call.post("/api/abstracts", json=body)
    assert submitted.status_code == 201, submitted.text
    abstract_id = submitted.json()["abstract_id"]
    decided = await call.post(
        f"/api/organiser/abstracts/{abstract_id}/decision", json={"decision": "accepted"}, headers=ORGANISER
    )
    assert decided.status_code == 200, decided.text
    second = await call.post("/api/abstracts", json=body | {"title": "Rural school leadership in the Andes"})
    assert second.status_code == 201, second.text
    rejected_id = str(second.json()["abstract_id"])
    rejected = await call.post(
        f"/api/organiser/abstracts/{rejected_id}/decision", json={"decision": "rejected"}, headers=ORGANISER
    )
    assert rejected.status_code == 200, rejected.text
    for step in ("generate", "publish"):
        done = await call.post(f"/organiser/programme/{step}", headers=ORGANISER)
        assert done.status_code in (200, 303), done.text
    assert "Quispe-Huamán" in (await call.get("/programme")).text  # the public programme names her
    return rejected_id


async def _contains(found: Any, wanted: str) -> bool:
    return wanted in await found


async def _has(found: Any, wanted: set[str]) -> bool:
    return wanted <= await found


def station_deps(client: httpx.AsyncClient) -> Any:
    transport = client._transport
    return transport.app.state.deps  # type: ignore[attr-defined]
