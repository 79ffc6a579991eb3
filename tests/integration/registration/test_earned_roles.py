"""Roles from the call for papers, against real Kafka on SQLite and PostgreSQL.

Abstracts events go onto ``congress.abstracts``; registration's consumer gives the presenting
author and the reviewer their roles (RegistrationUpdated, exactly once each even when the events
are delivered again), and someone accepted before registering is a presenter from the start.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from schemas import CloudEvent, new_event, topics
from schemas.abstracts import AbstractDecided, AbstractFormat, Author, Decision, ReviewerAssigned
from schemas.delegates import DelegateSnapshot
from schemas.registration import RegistrationConfirmed, RegistrationCreatedFields, RegistrationUpdated
from schemas.values import Role
from services.common.auth import organiser_token
from services.registration.adapters import db, earned_roles
from services.registration.commands import call_for_papers
from services.registration.domain import roles
from tests.integration.registration.conftest import (
    Service,
    close_service,
    congress_file,
    delegate,
    open_service,
    settings_for,
)
from tests.kafka_helpers import publish, read_events

INVOICE = {
    "institution_name": "Universidad de Chile",
    "institution_address": "Av. Libertador Bernardo O'Higgins 1058\nSantiago",
    "email": "pagos@example.org",
}
ABSTRACT = "abs_roles_1"
PRESENTER = (Role.DELEGATE, Role.PRESENTER)
REVIEWER = (Role.DELEGATE, Role.REVIEWER)


def author(email: str, *, presenting: bool) -> Author:
    return Author(
        given_name="Aiko",
        family_name="田中",
        email=email,
        affiliation="東京大学",
        country="JP",
        presenting=presenting,
    )


def decided(*authors: Author) -> CloudEvent[AbstractDecided]:
    data = AbstractDecided(
        congress_id="icsei-2027",
        abstract_id=ABSTRACT,
        reference="ICSEI27-A-0001",
        title="Data use in Japanese lesson study",
        decision=Decision.ACCEPTED,
        format=AbstractFormat.PAPER,
        network="data-use",
        authors=authors,
        submitter_email=authors[0].email,
        decided_at=datetime(2026, 9, 1, tzinfo=UTC),
        decided_by="organiser@icsei.example.org",
    )
    return new_event(data, "/abstracts")


def assigned(email: str) -> CloudEvent[ReviewerAssigned]:
    """Every event is about one abstract, so all go to one partition and are handled in order."""
    data = ReviewerAssigned(
        congress_id="icsei-2027",
        abstract_id=ABSTRACT,
        reviewer_id=f"rev_{email}",
        reviewer_name="Reviewer",
        reviewer_email=email,
        reference="ICSEI27-A-0001",
        title="Data use in Japanese lesson study",
        network="data-use",
        due_on=date(2026, 8, 1),
        portal_link="http://testserver/review/token",
    )
    return new_event(data, "/abstracts")


async def register_by_invoice(service: Service, i: int, **over: Any) -> str:
    """Register and confirm one delegate (paid by invoice); returns the registration id."""
    answer = await service.client.post(
        "/api/registrations",
        json={"delegates": [delegate(i, **over)], "payment_method": "invoice", "invoice": INVOICE},
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["registrations"][0]["registration_id"])


def updates(events: list[CloudEvent[Any]], registration_id: str) -> list[RegistrationUpdated]:
    return [
        e.data for e in events if isinstance(e.data, RegistrationUpdated) and e.data.registration_id == registration_id
    ]


async def test_presenters_and_reviewers_get_their_roles_once(
    db_url: str, stripe_mock_url: str, kafka_bootstrap: str, topic_prefix: str, tmp_path: Path
) -> None:
    settings = settings_for(
        db_url, stripe_mock_url, congress_file(tmp_path), kafka=kafka_bootstrap, prefix=topic_prefix
    )
    service = await open_service(settings, kafka=True)
    abstracts_topic = topic_prefix + topics.ABSTRACTS
    registration_topic = topic_prefix + topics.REGISTRATION
    try:
        presenter = await register_by_invoice(service, 0)  # aiko0@example.org
        reviewer = await register_by_invoice(service, 1)  # aiko1@example.org
        sentinel = await register_by_invoice(service, 2)  # aiko2@example.org
        accepted = decided(
            author("  AIKO0@Example.ORG ", presenting=True),
            author("aiko1@example.org", presenting=False),  # an author who does not present earns nothing
            author("Later@Example.org", presenting=True),  # not registered yet
        )
        assignment = assigned("Aiko1@EXAMPLE.org")
        await publish(kafka_bootstrap, abstracts_topic, [accepted, assignment])
        # Delivered again, and the reviewer asked once more: nothing changes. Then a last event on the
        # same partition: once its update is out, everything before it has been handled.
        await publish(kafka_bootstrap, abstracts_topic, [accepted, assignment, assigned("aiko1@example.org")])
        await publish(kafka_bootstrap, abstracts_topic, [assigned("aiko2@example.org")])
        events = await read_events(
            kafka_bootstrap,
            registration_topic,
            until=lambda evs: bool(updates(evs, sentinel)),
            open_=service.runtime.keyring.opener(final=True),  # personal fields opened with registration's keys
        )

        (presenting,) = updates(events, presenter)
        assert presenting.delegate.roles == PRESENTER and presenting.delegate.email == "aiko0@example.org"
        assert presenting.changed_fields == ("roles",) and presenting.registration_version == 2
        (reviewing,) = updates(events, reviewer)
        assert reviewing.delegate.roles == REVIEWER and reviewing.changed_fields == ("roles",)
        assert reviewing.registration_version == 2
        assert updates(events, sentinel)[0].delegate.roles == REVIEWER

        # Accepted before registering: a presenter from the first event on.
        later = await register_by_invoice(service, 3, email="later@example.org")
        events = await read_events(
            kafka_bootstrap,
            registration_topic,
            until=lambda evs: any(
                isinstance(e.data, RegistrationConfirmed) and e.data.registration_id == later for e in evs
            ),
            open_=service.runtime.keyring.opener(final=True),
        )
        created = next(
            e.data for e in events if isinstance(e.data, RegistrationCreatedFields) and e.data.registration_id == later
        )
        assert created.delegate.roles == PRESENTER
        confirmed = next(
            e.data for e in events if isinstance(e.data, RegistrationConfirmed) and e.data.registration_id == later
        )
        assert confirmed.delegate.roles == PRESENTER
        assert len(updates(events, presenter)) == 1 and len(updates(events, reviewer)) == 1

        snapshots = await read_events(
            kafka_bootstrap,
            topic_prefix + topics.DELEGATES,
            until=lambda evs: any(e.data.registration_id == later for e in evs),
            open_=service.runtime.keyring.opener(final=True),
        )
        latest = {e.data.registration_id: e.data for e in snapshots if isinstance(e.data, DelegateSnapshot)}
        assert latest[presenter].delegate.roles == PRESENTER and latest[presenter].registration_version == 2
        assert latest[reviewer].delegate.roles == REVIEWER
        assert latest[later].delegate.roles == PRESENTER
    finally:
        await close_service(service, kafka=True)


async def grant(service: Service, event: CloudEvent[AbstractDecided]) -> int:
    async with service.deps.units.begin() as session:
        earned = roles.earned_from_decision(event.data)
        return await call_for_papers.grant_roles(service.deps, session, earned, event.id)


async def test_roles_skip_ended_registrations_and_are_forgotten_on_erasure(offline: Service) -> None:
    """Without Kafka: the handler itself, a cancelled registration left alone, erasure forgets the email's roles."""
    auth = {"authorization": f"Bearer {organiser_token('test-secret', 'organiser@icsei.example.org')}"}
    live = await register_by_invoice(offline, 0)
    gone = await register_by_invoice(offline, 1)
    cancel = f"/api/organiser/registrations/{gone}/cancel"
    assert (await offline.client.post(cancel, json={"reason": "asked"}, headers=auth)).status_code == 200
    both = decided(author("AIKO0@example.org", presenting=True), author("aiko1@example.org", presenting=True))
    assert await grant(offline, both) == 1
    assert await grant(offline, both) == 0  # already held: no new version
    async with offline.deps.sessionmaker() as session:
        assert (await db.get(session, live) or {})["roles"] == ["delegate", "presenter"]
        assert (await db.get(session, live) or {})["version"] == 2
        assert (await db.get(session, gone) or {})["roles"] == ["delegate"]
        keys = set((await session.execute(select(earned_roles.earned_roles.c.email_key))).scalars())
    assert keys == {"aiko0@example.org", "aiko1@example.org"}

    assert (await offline.client.post(f"/api/organiser/registrations/{gone}/erase", headers=auth)).status_code == 200
    async with offline.deps.sessionmaker() as session:
        keys = set((await session.execute(select(earned_roles.earned_roles.c.email_key))).scalars())
    assert keys == {"aiko0@example.org"}
