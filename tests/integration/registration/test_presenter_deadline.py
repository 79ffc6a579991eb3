"""Presenters must register, against real Kafka on SQLite and PostgreSQL.

Three accepted abstracts (and a fourth, withdrawn) go onto ``congress.abstracts``. One abstract's
presenter registers and stays registered, another's registers and cancels, the third's never
registers. The sweep, called with the moments a clock would reach, emits each reminder and each
``PresenterUnregistered`` exactly once: not again on a second sweep, nor after a restart.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from schemas import CloudEvent, new_event, topics
from schemas.abstracts import AbstractDecided, AbstractFormat, AbstractWithdrawn, Author, Decision
from schemas.registration import (
    PresenterEvent,
    PresenterRegistrationReminder,
    PresenterUnregistered,
    RegistrationCreatedFields,
)
from services.common.auth import organiser_token
from services.common.consumer import inbox_table
from services.registration.adapters import presentations
from services.registration.commands import presenter_deadline
from tests.integration.registration.conftest import (
    Service,
    close_service,
    congress_file,
    open_service,
    settings_for,
)
from tests.integration.registration.test_earned_roles import register_by_invoice
from tests.kafka_helpers import eventually, publish, read_events

TOKYO = ZoneInfo("Asia/Tokyo")
AUTH = {"authorization": f"Bearer {organiser_token('test-secret', 'organiser@icsei.example.org')}"}


def tokyo(month: int, day: int, hour: int = 9) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=TOKYO)


def author(email: str, given: str, *, presenting: bool, language: str = "en") -> Author:
    return Author(
        given_name=given,
        family_name="Presenter",
        email=email,
        affiliation="Universidad de Chile",
        country="CL",
        presenting=presenting,
        language=language,
    )


def decided(n: int, *authors: Author, decision: Decision = Decision.ACCEPTED) -> CloudEvent[AbstractDecided]:
    data = AbstractDecided(
        congress_id="icsei-2027",
        abstract_id=f"abs_p{n}",
        reference=f"ICSEI27-A-000{n}",
        title=f"Presentation {n}",
        decision=decision,
        format=AbstractFormat.PAPER,
        network="data-use",
        authors=authors,
        submitter_email=authors[0].email,
        decided_at=datetime(2026, 11, 20, tzinfo=UTC),
        decided_by="organiser@icsei.example.org",
    )
    return new_event(data, "/abstracts")


def withdrawn(n: int) -> CloudEvent[AbstractWithdrawn]:
    data = AbstractWithdrawn(
        congress_id="icsei-2027",
        abstract_id=f"abs_p{n}",
        reference=f"ICSEI27-A-000{n}",
        title=f"Presentation {n}",
        submitter_email="w@example.org",
        withdrawn_at=datetime(2026, 11, 21, tzinfo=UTC),
    )
    return new_event(data, "/abstracts")


def presenter_events(events: list[CloudEvent[Any]]) -> list[tuple[str, str]]:
    """(abstract id, cause) of each presenter event. The relay publishes at least once (a row published
    just before a shutdown, not yet marked sent, goes out again with the same id), so one id is one event."""
    out = []
    for e in {e.id: e for e in events}.values():
        if isinstance(e.data, PresenterRegistrationReminder):
            out.append((e.data.abstract_id, f"reminder-{e.data.reminder_days}"))
        elif isinstance(e.data, PresenterUnregistered):
            out.append((e.data.abstract_id, "unregistered"))
    return out


async def settle(service: Service, sentinel: int) -> list[CloudEvent[Any]]:
    """Register one more delegate: once its event is on the topic, every earlier outbox row is too."""
    rid = await register_by_invoice(service, 100 + sentinel)
    return await read_events(
        service.settings.kafka_bootstrap_servers,
        service.settings.kafka_topic_prefix + topics.REGISTRATION,
        until=lambda evs: any(
            isinstance(e.data, RegistrationCreatedFields) and e.data.registration_id == rid for e in evs
        ),
        open_=service.runtime.keyring.opener(final=True),  # names and addresses opened with registration's keys
    )


def configured(registration: dict[str, Any]) -> None:
    registration["presenter_registration_deadline"] = "2026-12-23"
    registration["presenter_reminder_days"] = [7, 21]


async def test_presenters_are_reminded_then_reported_once_each(
    db_url: str, stripe_mock_url: str, kafka_bootstrap: str, topic_prefix: str, tmp_path: Path
) -> None:
    config = congress_file(tmp_path, configured)
    settings = settings_for(db_url, stripe_mock_url, config, kafka=kafka_bootstrap, prefix=topic_prefix)
    service = await open_service(settings, kafka=True)
    try:
        covered_id = await register_by_invoice(service, 0, email="Ana@Example.org")
        cancelled_id = await register_by_invoice(service, 1, email="carlos@example.org")
        sent = await publish(
            kafka_bootstrap,
            topic_prefix + topics.ABSTRACTS,
            [
                decided(
                    1,
                    author("bo@example.org", "Bo", presenting=False),
                    author(" ANA@example.org", "Ana", presenting=True),
                ),
                decided(2, author("dora@example.org", "Dora", presenting=True, language="de")),
                decided(3, author("carlos@example.org", "Carlos", presenting=True, language="es")),
                decided(4, author("eve@example.org", "Eve", presenting=True)),
                withdrawn(4),
                decided(5, author("fay@example.org", "Fay", presenting=True)),
                decided(5, author("fay@example.org", "Fay", presenting=True), decision=Decision.REJECTED),
            ],
        )

        async def handled() -> bool:
            """Every event handled (they are on several partitions, each abstract's in order)."""
            async with service.deps.sessionmaker() as session:
                ids = set((await session.execute(select(inbox_table.c.event_id))).scalars())
            return {e.id for e in sent} <= ids

        await eventually(handled)
        async with service.deps.sessionmaker() as session:
            kept = (await session.execute(select(presentations.presentations.c.abstract_id))).scalars()
            assert sorted(kept) == ["abs_p1", "abs_p2", "abs_p3"]  # withdrawn and rejected ones forgotten
        # 21 days before (Dec 2): only the abstracts nobody registered for; a second sweep adds nothing
        assert await sweep(service, tokyo(12, 1)) == []
        assert await sweep(service, tokyo(12, 2)) == [("abs_p2", "reminder-21")]
        assert await sweep(service, tokyo(12, 3)) == []

        cancel = await service.client.post(
            f"/api/organiser/registrations/{cancelled_id}/cancel", json={"reason": "cannot travel"}, headers=AUTH
        )
        assert cancel.status_code == 200, cancel.text
        assert await sweep(service, tokyo(12, 16)) == [("abs_p2", "reminder-7"), ("abs_p3", "reminder-7")]
        assert await sweep(service, tokyo(12, 23, 23)) == []
        assert await sweep(service, tokyo(12, 24, 0)) == [("abs_p2", "unregistered"), ("abs_p3", "unregistered")]
        assert await sweep(service, tokyo(12, 25)) == []

        listing = await service.client.get("/api/organiser/presenters", headers=AUTH)
        assert listing.status_code == 200, listing.text
        status = {row["reference"]: row["covered"] for row in listing.json()}
        assert status == {"ICSEI27-A-0001": True, "ICSEI27-A-0002": False, "ICSEI27-A-0003": False}
        assert (await service.client.get("/api/organiser/presenters")).status_code == 401
        csv = await service.client.get("/organiser/presenters.csv?sort=status", headers=AUTH)
        assert csv.status_code == 200 and csv.text.splitlines()[1].startswith("ICSEI27-A-0002")
        page = await service.client.get("/organiser/presenters?sort=status", headers=AUTH | {"accept": "text/html"})
        assert page.status_code == 200 and page.text.index("ICSEI27-A-0002") < page.text.index("ICSEI27-A-0001")
        assert "3 accepted abstracts, 2 without a registered presenter" in page.text
        assert covered_id
    finally:
        await close_service(service, kafka=True)

    service = await open_service(settings, kafka=True)  # a restart: what was emitted is remembered
    try:
        assert await sweep(service, tokyo(12, 26)) == []
        events = await settle(service, 1)
    finally:
        await close_service(service, kafka=True)
    assert sorted(presenter_events(events)) == [
        ("abs_p2", "reminder-21"),
        ("abs_p2", "reminder-7"),
        ("abs_p2", "unregistered"),
        ("abs_p3", "reminder-7"),
        ("abs_p3", "unregistered"),
    ]
    reminder = next(
        e.data for e in events if isinstance(e.data, PresenterRegistrationReminder) and e.data.abstract_id == "abs_p3"
    )
    assert reminder.days_left == 7 and reminder.deadline == date(2026, 12, 23)
    assert reminder.deadline_at == datetime(2026, 12, 23, 15, 0, tzinfo=UTC)
    assert reminder.timezone == "Asia/Tokyo" and reminder.registration_url == "http://testserver/"
    (carlos,) = reminder.presenters
    assert (carlos.given_name, carlos.email, carlos.language) == ("Carlos", "carlos@example.org", "es")
    keys = {e.subject for e in events if isinstance(e.data, PresenterEvent)}
    assert keys == {"abs_p2", "abs_p3"}


async def sweep(service: Service, now: datetime) -> list[tuple[str, str]]:
    emitted = await presenter_deadline.sweep(service.deps, now)
    async with service.deps.sessionmaker() as session:
        count = (await session.execute(select(func.count()).select_from(presentations.notices))).scalar_one()
    assert count >= len(emitted)
    return sorted(
        (
            e.abstract_id,
            f"reminder-{e.reminder_days}" if isinstance(e, PresenterRegistrationReminder) else "unregistered",
        )
        for e in emitted
    )
