"""The draft programme marks presentations without a registered presenter, from real Kafka on each database.

Registration's ``PresenterUnregistered`` for an abstract in the draft marks it on the organisers' page and in
the draft JSON (with a count at the top); its ``PresenterRegistered`` clears the mark. Other registration
events on the topic are ignored (not dead-lettered), and a redelivered event changes nothing.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from schemas import CloudEvent, new_event, topics
from schemas.registration import PresenterRegistered, PresenterRegistrationReminder, PresenterUnregistered
from tests.integration.abstracts.conftest import ORGANISER, Service, close_service, open_service, settings_for
from tests.integration.abstracts.programme_data import accept_abstracts
from tests.kafka_helpers import eventually, publish

API = "/api/organiser/programme"
MARK = "(no registered presenter)"


def reported(made: dict[str, Any], *, reminder: bool = False) -> PresenterUnregistered | PresenterRegistrationReminder:
    common: dict[str, Any] = {
        "congress_id": "icsei-2027",
        "abstract_id": made["abstract_id"],
        "reference": made["reference"],
        "title": made["title"],
        "presenters": [],
        "deadline": date(2026, 12, 23),
        "deadline_at": datetime(2026, 12, 23, 15, tzinfo=UTC),
        "timezone": "Asia/Tokyo",
        "registration_url": "http://testserver/",
    }
    if reminder:
        return PresenterRegistrationReminder(**common, reminder_days=7, days_left=7)
    return PresenterUnregistered(**common, accepted_at=datetime(2026, 11, 30, tzinfo=UTC))


def registered(made: dict[str, Any]) -> PresenterRegistered:
    return PresenterRegistered(
        congress_id="icsei-2027",
        abstract_id=made["abstract_id"],
        reference=made["reference"],
        registered_at=datetime(2026, 12, 28, tzinfo=UTC),
    )


async def marks(service: Service) -> dict[str, bool]:
    """Abstract id -> presenter_unregistered, from the draft JSON; and the count under key ``"count"``."""
    answer = await service.client.get(API, headers=ORGANISER)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    found = {p["abstract_id"]: p["presenter_unregistered"] for s in body["sessions"] for p in s["presentations"]}
    return found | {"count": body["presenter_unregistered_count"]}


async def test_presentations_without_a_registered_presenter_are_marked_then_cleared(
    db_url: str, kafka_bootstrap: str, topic_prefix: str
) -> None:
    service = await open_service(settings_for(db_url, kafka=kafka_bootstrap, prefix=topic_prefix), kafka=True)
    topic = topic_prefix + topics.REGISTRATION
    try:
        made = await accept_abstracts(service)
        assert (await service.client.post(f"{API}/generate", headers=ORGANISER)).status_code == 200
        p1, p3 = made["p1"]["abstract_id"], made["p3"]["abstract_id"]
        assert not any((await marks(service)).values())

        unregistered: CloudEvent[Any] = new_event(reported(made["p1"]), "/registration")
        outside = {"abstract_id": "abs_not_in_draft", "reference": "X-1", "title": "Gone"}
        await publish(
            kafka_bootstrap,
            topic,
            [reported(made["p3"], reminder=True), unregistered, unregistered, reported(outside)],
        )

        async def marked() -> bool:
            return (await marks(service)).get(p1) is True

        await eventually(marked)
        now = await marks(service)
        assert now[p3] is False and now["count"] == 1  # a reminder marks nothing; not-in-draft is not counted
        assert sum(now[k] is True for k in now if k != "count") == 1
        page = (await service.client.get("/organiser/programme", headers=ORGANISER)).text
        assert "1 presentation(s) with no registered presenter" in page
        assert f'{made["p1"]["reference"]} <strong class="unregistered">{MARK}</strong>' in page
        assert page.count(MARK) == 1

        cleared = new_event(registered(made["p1"]), "/registration")
        await publish(kafka_bootstrap, topic, [cleared, unregistered])  # the old report redelivered after it

        async def unmarked() -> bool:
            return (await marks(service)).get(p1) is False

        await eventually(unmarked)
        consumer = next(c for c in service.runtime.consumers if c.name == "abstracts-presenters")
        await eventually(lambda: consumer.stats.duplicates >= 2)  # both redeliveries handled, i.e. skipped
        page = (await service.client.get("/organiser/programme", headers=ORGANISER)).text
        assert MARK not in page and "with no registered presenter" not in page
        stats = consumer.stats
        assert stats.dead_lettered == 0 and stats.ignored >= 1 and stats.duplicates >= 1
        assert stats.by_type == {PresenterUnregistered.event_type(): 2, PresenterRegistered.event_type(): 1}
        assert (await marks(service))["count"] == 0
    finally:
        await close_service(service, kafka=True)
