"""Roles the call for papers gave are taken back when their cause goes: real Kafka, SQLite and PostgreSQL.

A withdrawn (or later rejected) abstract and an unassigned reviewer take the role off the
registrations the call for papers gave it to, unless another abstract still earns it or an
organiser had set it by hand; every change is a new version with ``RegistrationUpdated``
(``changed_fields=["roles"]``), and the same events delivered again change nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from schemas import CloudEvent, new_event, topics
from schemas.abstracts import AbstractWithdrawn, Decision, ReviewerUnassigned
from schemas.delegates import DelegateSnapshot
from schemas.registration import RegistrationCreatedFields
from schemas.values import Role
from services.common.auth import organiser_token
from services.common.consumer import inbox_table
from services.registration.adapters import applied_roles, db
from services.registration.commands import call_for_papers, manage
from services.registration.domain import roles
from tests.integration.registration.conftest import (
    Service,
    close_service,
    congress_file,
    open_service,
    settings_for,
)
from tests.integration.registration.test_earned_roles import (
    PRESENTER,
    REVIEWER,
    assigned,
    author,
    decided,
    register_by_invoice,
    updates,
)
from tests.kafka_helpers import eventually, publish, read_events

DELEGATE = (Role.DELEGATE,)


def accepted(abstract_id: str, *emails: str, decision: Decision = Decision.ACCEPTED) -> CloudEvent[Any]:
    data = decided(*(author(e, presenting=True) for e in emails)).data
    return new_event(data.model_copy(update={"abstract_id": abstract_id, "decision": decision}), "/abstracts")


def withdrawn(abstract_id: str) -> CloudEvent[AbstractWithdrawn]:
    data = AbstractWithdrawn(
        congress_id="icsei-2027",
        abstract_id=abstract_id,
        reference="ICSEI27-A-0009",
        title="Withdrawn",
        submitter_email="submitter@example.org",
        withdrawn_at=datetime(2026, 10, 1, tzinfo=UTC),
    )
    return new_event(data, "/abstracts")


def reviewing(abstract_id: str, email: str) -> CloudEvent[Any]:
    data = assigned(email).data.model_copy(update={"abstract_id": abstract_id, "reviewer_id": "rev_r"})
    return new_event(data, "/abstracts")


def unassigned(abstract_id: str) -> CloudEvent[ReviewerUnassigned]:
    data = ReviewerUnassigned(congress_id="icsei-2027", abstract_id=abstract_id, reviewer_id="rev_r", reason="conflict")
    return new_event(data, "/abstracts")


def again(event: CloudEvent[Any]) -> CloudEvent[Any]:
    """The same fact under a new event id (so the inbox does not skip it)."""
    return new_event(event.data, "/abstracts")


async def handled(service: Service, sent: Sequence[CloudEvent[Any]]) -> None:
    """Wait until every event is in the inbox (they span partitions; each abstract's are in order)."""

    async def check() -> bool:
        async with service.deps.sessionmaker() as session:
            ids = set((await session.execute(select(inbox_table.c.event_id))).scalars())
        return {e.id for e in sent} <= ids

    await eventually(check, timeout=60)


async def set_by_hand(service: Service, registration_id: str, roles: Sequence[Role]) -> None:
    """What an organiser does by hand today: a new version with the roles, not from the call for papers."""
    async with service.deps.units.begin() as session:
        row = await manage.live(session, registration_id)
        await manage.apply_update(service.deps, session, row, {"roles": [r.value for r in roles]}, ("roles",))


def roles_by_version(events: list[CloudEvent[Any]], registration_id: str) -> list[tuple[int, tuple[Role, ...]]]:
    found = []
    for update in updates(events, registration_id):
        assert update.changed_fields == ("roles",)
        found.append((update.registration_version, update.delegate.roles))
    return found


async def test_roles_go_with_their_cause_but_not_when_set_by_hand_or_still_earned(
    db_url: str, stripe_mock_url: str, kafka_bootstrap: str, topic_prefix: str, tmp_path: Path
) -> None:
    settings = settings_for(
        db_url, stripe_mock_url, congress_file(tmp_path), kafka=kafka_bootstrap, prefix=topic_prefix
    )
    service = await open_service(settings, kafka=True)
    abstracts_topic = topic_prefix + topics.ABSTRACTS
    registration_topic = topic_prefix + topics.REGISTRATION
    try:
        a, b, c, r, d = [await register_by_invoice(service, i) for i in range(5)]  # aiko0..aiko4@example.org
        await set_by_hand(service, c, PRESENTER)
        earning = [
            accepted("abs_x1", "aiko0@example.org", "AIKO2@example.org", "later@example.org"),
            accepted("abs_x2", "aiko1@example.org"),
            accepted("abs_x3", "aiko1@example.org"),  # B presents twice
            reviewing("abs_x2", "aiko3@example.org"),
            accepted("abs_x4", "aiko4@example.org"),
        ]
        await publish(kafka_bootstrap, abstracts_topic, earning)
        await handled(service, earning)
        later = await register_by_invoice(service, 5, email="later@example.org")  # a presenter from the start

        losing = [
            withdrawn("abs_x1"),
            withdrawn("abs_x2"),
            unassigned("abs_x2"),
            accepted("abs_x4", "aiko4@example.org", decision=Decision.REJECTED),  # rejected after all
            withdrawn("abs_never_accepted"),
        ]
        losing.insert(1, again(losing[0]))  # withdrawn twice, under two ids
        await publish(kafka_bootstrap, abstracts_topic, losing)
        await handled(service, losing)
        # Delivered again, and once more under new ids: nothing changes.
        fresh = [again(e) for e in losing]
        await publish(kafka_bootstrap, abstracts_topic, [*losing, *fresh])
        await handled(service, fresh)
        marker = await register_by_invoice(service, 6)  # staged after every change: once it is out, all are
        events = await read_events(
            kafka_bootstrap,
            registration_topic,
            until=lambda evs: any(
                isinstance(e.data, RegistrationCreatedFields) and e.data.registration_id == marker for e in evs
            ),
            timeout=60,
        )

        assert roles_by_version(events, a) == [(2, PRESENTER), (3, DELEGATE)]
        assert roles_by_version(events, b) == [(2, PRESENTER)]  # still presents abs_x3
        assert roles_by_version(events, c) == [(2, PRESENTER)]  # set by hand: the withdrawal leaves it
        assert roles_by_version(events, r) == [(2, REVIEWER), (3, DELEGATE)]
        assert roles_by_version(events, d) == [(2, PRESENTER), (3, DELEGATE)]
        created = next(
            e.data for e in events if isinstance(e.data, RegistrationCreatedFields) and e.data.registration_id == later
        )
        assert created.delegate.roles == PRESENTER
        assert roles_by_version(events, later) == [(2, DELEGATE)]

        snapshots = await read_events(
            kafka_bootstrap,
            topic_prefix + topics.DELEGATES,
            until=lambda evs: any(e.data.registration_id == marker for e in evs),
        )
        latest = {e.data.registration_id: e.data for e in snapshots if isinstance(e.data, DelegateSnapshot)}
        assert {rid: latest[rid].delegate.roles for rid in (a, b, c, r, d, later)} == {
            a: DELEGATE,
            b: PRESENTER,
            c: PRESENTER,
            r: DELEGATE,
            d: DELEGATE,
            later: DELEGATE,
        }
        async with service.deps.sessionmaker() as session:
            assert [(await db.get(session, rid) or {})["version"] for rid in (a, b, c, r, d, later)] == [
                3,
                2,
                2,
                3,
                3,
                2,
            ]
            assert await applied_roles.applied(session, [a, b, c, r, d, later]) == {b: {Role.PRESENTER}}
    finally:
        await close_service(service, kafka=True)


async def test_taking_back_without_kafka_only_the_lost_role_once_and_erasure_forgets(offline: Service) -> None:
    """The handlers' effect itself: one role of two goes, twice is once, a role set by hand stays, erasure forgets."""
    auth = {"authorization": f"Bearer {organiser_token('test-secret', 'organiser@icsei.example.org')}"}
    both, by_hand = await register_by_invoice(offline, 0), await register_by_invoice(offline, 1)
    await set_by_hand(offline, by_hand, PRESENTER)
    paper = accepted("abs_y1", "aiko0@example.org", "aiko1@example.org")
    deps = offline.deps
    async with deps.units.begin() as session:
        earned = [
            *roles.earned_from_decision(paper.data),
            *roles.earned_from_assignment(reviewing("abs_y1", "aiko0@example.org").data),
        ]
        assert await call_for_papers.grant_roles(deps, session, earned, "e1") == 1
    lost = roles.lost_by_withdrawal(withdrawn("abs_y1").data)
    for expected in (1, 0):
        async with deps.units.begin() as session:
            assert await call_for_papers.take_back_roles(deps, session, lost, "e2") == expected
    async with deps.sessionmaker() as session:
        assert (await db.get(session, both) or {})["roles"] == ["delegate", "reviewer"]
        assert (await db.get(session, by_hand) or {})["roles"] == ["delegate", "presenter"]
        assert await applied_roles.applied(session, [both, by_hand]) == {both: {Role.REVIEWER}}

    assert (
        await offline.client.post(f"/api/organiser/registrations/{both}/cancel", json={"reason": "x"}, headers=auth)
    ).status_code == 200
    assert (await offline.client.post(f"/api/organiser/registrations/{both}/erase", headers=auth)).status_code == 200
    async with deps.sessionmaker() as session:
        assert await applied_roles.applied(session, [both]) == {}
