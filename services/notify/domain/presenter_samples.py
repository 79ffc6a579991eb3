"""Example presenter-registration events for every presenter message: ``congress notify preview`` renders them."""

from __future__ import annotations

from datetime import UTC, date, datetime

from schemas.registration import (
    PresenterEvent,
    PresenterRegistrationReminder,
    PresenterUnregistered,
    PresentingAuthor,
)
from services.notify.domain.presenters import REMINDER, UNREGISTERED, UNREGISTERED_TEAM
from services.notify.domain.samples import ABSTRACT_ID, CONGRESS_ID


def sample_presenter_events(
    given: str = "Zoë", family: str = "Ørsted-Müller", *, language: str = "en", email: str = "zoe@example.org"
) -> dict[str, PresenterEvent]:
    """Template -> an event that sends it: the abstract has the sample author and a colleague presenting."""
    presenters = (
        PresentingAuthor(given_name=given, family_name=family, email=email, language=language),
        PresentingAuthor(given_name="Kwame", family_name="Mensah", email="kwame@example.org"),
    )
    common = {
        "congress_id": CONGRESS_ID,
        "abstract_id": ABSTRACT_ID,
        "reference": "ICSEI27-A-0042",
        "title": "Data use <in> schools & what teachers make of it",
        "presenters": presenters,
        "deadline": date(2026, 12, 23),
        "deadline_at": datetime(2026, 12, 23, 15, 0, tzinfo=UTC),
        "timezone": "Asia/Tokyo",
        "registration_url": "https://icsei.example.org/register/",
    }
    reminder = PresenterRegistrationReminder(**common, reminder_days=7, days_left=7)
    unregistered = PresenterUnregistered(**common, accepted_at=datetime(2026, 12, 15, 3, 0, tzinfo=UTC))
    return {REMINDER: reminder, UNREGISTERED: unregistered, UNREGISTERED_TEAM: unregistered}
