"""Presenter-registration events in the console's figures and summaries."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from schemas.registration import PresenterRegistrationReminder, PresenterUnregistered, PresentingAuthor
from services.console.adapters.records import to_entry
from services.console.domain import Projection
from services.console.entries import summarise
from tests.unit.console.events import records


def common(n: int) -> dict[str, Any]:
    return {
        "congress_id": "icsei-2027",
        "abstract_id": f"abs-{n}",
        "reference": f"ICSEI27-A-000{n}",
        "title": "t",
        "presenters": (PresentingAuthor(given_name="Aiko", family_name="田中", email="a@x.jp", language="ja"),),
        "deadline": date(2026, 12, 23),
        "deadline_at": datetime(2026, 12, 23, 15, tzinfo=UTC),
        "timezone": "Asia/Tokyo",
        "registration_url": "http://reg/",
    }


def test_reminders_and_unregistered_presenters_are_counted_once_per_abstract_and_cause() -> None:
    reminder = PresenterRegistrationReminder(**common(1), reminder_days=21, days_left=21)
    events = [
        reminder,
        reminder,  # published again by the relay after a restart
        PresenterRegistrationReminder(**common(1), reminder_days=7, days_left=7),
        PresenterRegistrationReminder(**common(2), reminder_days=7, days_left=6),
        PresenterUnregistered(**common(1), accepted_at=datetime(2026, 11, 1, tzinfo=UTC)),
    ]
    projection = Projection(tz=ZoneInfo("Asia/Tokyo"), capacities={})
    for record in records(events):
        projection.apply(to_entry(record, topic_prefix=""))
    assert projection.figures()["presenters"] == {"reminders": 3, "unregistered": 1}
    by_name = {e.name: summarise(e) for e in projection.entries()}
    assert by_name["PresenterUnregistered"] == "ICSEI27-A-0001: no presenter registered by 2026-12-23"
    assert by_name["PresenterRegistrationReminder"].startswith("ICSEI27-A-000")
