"""Presenter-registration events through notify's consumer with a fake mailer: each presenting author gets one
message per cause in their language, the programme team one per unregistered abstract, redeliveries send nothing."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from schemas.base import CloudEvent, decode, new_event
from schemas.notify import NotificationSent
from schemas.registration import PresenterRegistrationReminder, PresenterUnregistered, PresentingAuthor
from services.common.outbox import outbox_table
from services.notify.domain.presenters import PRESENTER_EVENTS, plan_presenter_messages
from tests.unit.notify.consumer_world import consumer_world, feed

PRESENTERS = (
    PresentingAuthor(given_name="Élodie", family_name="Martin", email="elodie@example.org", language="fr"),
    PresentingAuthor(given_name="Jonas", family_name="Weber", email="jonas@example.org", language="de"),
    PresentingAuthor(given_name="Élodie", family_name="Martin", email=" ELODIE@example.org", language="fr"),
)
COMMON: dict[str, Any] = {
    "congress_id": "icsei-2027",
    "abstract_id": "a-0042",
    "reference": "ICSEI27-A-0042",
    "title": "Lesson study & data",
    "presenters": PRESENTERS,
    "deadline": date(2026, 12, 23),
    "deadline_at": datetime(2026, 12, 23, 15, 0, tzinfo=UTC),
    "timezone": "Asia/Tokyo",
    "registration_url": "https://reg.example.org/",
}


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[dict[str, Any]]:
    async with consumer_world(tmp_path, PRESENTER_EVENTS) as world:
        yield world


def events() -> list[CloudEvent[Any]]:
    return [
        new_event(PresenterRegistrationReminder(**COMMON, reminder_days=21, days_left=21), "/tests"),
        new_event(PresenterRegistrationReminder(**COMMON, reminder_days=7, days_left=7), "/tests"),
        new_event(PresenterUnregistered(**COMMON, accepted_at=datetime(2026, 11, 1, tzinfo=UTC)), "/tests"),
    ]


async def test_each_presenter_gets_one_message_per_cause_in_their_language(world: dict[str, Any]) -> None:
    causes = events()
    await feed(world, *causes)
    await feed(world, *causes)  # redelivered: nothing new
    messages = world["mailer"].messages()
    sent = Counter((str(m["To"].addresses[0].addr_spec).strip().lower(), m["X-Congress-Template"]) for m in messages)
    assert sent == {
        ("elodie@example.org", "presenter_registration_reminder"): 2,
        ("jonas@example.org", "presenter_registration_reminder"): 2,
        ("elodie@example.org", "presenter_unregistered"): 1,
        ("jonas@example.org", "presenter_unregistered"): 1,
        ("secretariat@icsei.example.org", "presenter_unregistered_team"): 1,
    }
    assert len({m["Message-ID"] for m in messages}) == len(messages) == 7
    by_to = {(m["To"].addresses[0].addr_spec, m["X-Congress-Template"]): m for m in messages}
    french = by_to[("elodie@example.org", "presenter_unregistered")]
    assert "aucun présentateur inscrit" in str(french["Subject"])
    text = french.get_body(("plain",)).get_content()
    assert "23 décembre 2026" in text and "https://reg.example.org/" in text  # the deadline in Tokyo, in French
    german = by_to[("jonas@example.org", "presenter_registration_reminder")]
    assert "23. Dezember 2026" in german.get_body(("plain",)).get_content()
    team = by_to[("secretariat@icsei.example.org", "presenter_unregistered_team")]
    assert "Élodie Martin" in team.get_body(("plain",)).get_content()

    async with world["sessions"]() as session:
        rows = (await session.execute(select(outbox_table.c.value))).scalars().all()
    notified = [decode(v).data for v in rows]
    assert all(isinstance(d, NotificationSent) and d.abstract_id == "a-0042" for d in notified)
    assert len(notified) == 7


def test_without_a_team_address_only_the_presenters_are_told() -> None:
    unregistered = PresenterUnregistered(**COMMON, accepted_at=datetime(2026, 11, 1, tzinfo=UTC))
    plans = plan_presenter_messages(unregistered, "cause")
    assert [p.recipient.email for p in plans] == ["elodie@example.org", "jonas@example.org"]
    assert plans[0].recipient.name == "Élodie Martin" and plans[0].recipient.language == "fr"
    team = plan_presenter_messages(unregistered, "cause", team_email="team@example.org")
    assert team[-1].recipient.email == "team@example.org" and team[-1].context["addressed_as"] == "team"
