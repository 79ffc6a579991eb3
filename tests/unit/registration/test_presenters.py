"""Presenters must register: coverage, which notice is due when, and each only once."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.registration.domain.presenters import (
    UNREGISTERED,
    Deadline,
    Notice,
    Presentation,
    Presenter,
    is_covered,
    notice_due,
    presenters_of,
    reminder_cause,
)

TOKYO = ZoneInfo("Asia/Tokyo")
DEADLINE = Deadline(day=date(2026, 12, 23), tz=TOKYO, reminder_days=(21, 7))
ACCEPTED = datetime(2026, 11, 1, tzinfo=UTC)


def tokyo(day: int, month: int = 12, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2027 if month < 6 else 2026, month, day, hour, minute, tzinfo=TOKYO)


def talk(*emails: str, accepted: datetime = ACCEPTED) -> Presentation:
    people = tuple(Presenter("Aiko", "田中", e, "ja") for e in emails)
    return Presentation("a-1", "ICSEI27-A-0001", "Lesson study", people, accepted)


def due(
    now: datetime, *, covered: bool = False, sent: tuple[str, ...] = (), accepted: datetime = ACCEPTED
) -> Notice | None:
    return notice_due(talk("aiko@example.org", accepted=accepted), DEADLINE, now, covered=covered, sent=sent)


def test_an_abstract_is_covered_by_any_presenter_matched_by_trimmed_lowercased_email() -> None:
    presentation = talk(" Aiko@Example.ORG ", "kwame@example.org")
    assert is_covered(presentation, {"aiko@example.org"})
    assert is_covered(presentation, {"kwame@example.org", "someone@example.org"})
    assert not is_covered(presentation, {"someone@example.org"})
    assert not is_covered(talk(), {"aiko@example.org"})  # no presenter at all: never covered


def test_only_presenting_authors_with_an_address_count_each_once() -> None:
    aiko = Presenter("Aiko", "田中", "aiko@example.org")
    again = Presenter("Aiko", "Tanaka", " AIKO@example.org")
    quiet = Presenter("Kwame", "Mensah", "kwame@example.org")
    blank = Presenter("No", "Mail", "  ")
    assert presenters_of([(aiko, True), (quiet, False), (again, True), (blank, True)]) == (aiko,)


def test_the_deadline_ends_at_midnight_congress_time_and_reminders_start_their_day() -> None:
    assert DEADLINE.ends_at == tokyo(24)
    assert DEADLINE.ends_at.astimezone(UTC) == datetime(2026, 12, 23, 15, 0, tzinfo=UTC)
    assert DEADLINE.reminder_at(7) == tokyo(16)
    assert DEADLINE.reminder_at(21) == tokyo(2)
    assert DEADLINE.days_left(tokyo(16, hour=9)) == 7
    assert DEADLINE.days_left(tokyo(23, hour=23)) == 0


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (tokyo(1, hour=23, minute=59), None),  # 22 days before: nothing yet
        (tokyo(2), Notice(reminder_cause(21), 21)),
        (tokyo(10), Notice(reminder_cause(21), 21)),  # not sent yet (the sweep was down): still due
        (tokyo(16), Notice(reminder_cause(7), 7)),  # the 21-day one never sent: only the latest goes out
        (tokyo(23, hour=23, minute=59), Notice(reminder_cause(7), 7)),
        (tokyo(24), Notice(UNREGISTERED)),
        (tokyo(5, month=1), Notice(UNREGISTERED)),
    ],
)
def test_which_notice_is_due_when(now: datetime, expected: Notice | None) -> None:
    assert due(now) == expected


def test_a_notice_already_sent_is_not_due_again() -> None:
    assert due(tokyo(3), sent=(reminder_cause(21),)) is None
    assert due(tokyo(17), sent=(reminder_cause(21),)) == Notice(reminder_cause(7), 7)
    assert due(tokyo(17), sent=(reminder_cause(7),)) is None
    assert due(tokyo(25), sent=(reminder_cause(21), reminder_cause(7))) == Notice(UNREGISTERED)
    assert due(tokyo(25), sent=(UNREGISTERED,)) is None


def test_a_covered_abstract_gets_nothing() -> None:
    for now in (tokyo(2), tokyo(16), tokyo(24)):
        assert due(now, covered=True) is None


def test_reminders_reached_before_the_acceptance_are_not_sent() -> None:
    late = tokyo(10)  # accepted after the 21-day reminder was due, before the 7-day one
    assert due(tokyo(12), accepted=late) is None
    assert due(tokyo(16), accepted=late) == Notice(reminder_cause(7), 7)
    very_late = tokyo(20)
    assert due(tokyo(22), accepted=very_late) is None
    assert due(tokyo(24), accepted=very_late) == Notice(UNREGISTERED)


def test_an_abstract_accepted_after_the_deadline_is_not_reported_unregistered() -> None:
    after = tokyo(24) + timedelta(hours=1)
    assert due(tokyo(26), accepted=after) is None


def test_the_deadline_comes_from_the_congress_file_or_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from services.registration.config import RegistrationSettings, load_all

    monkeypatch.delenv("REGISTRATION_PRESENTER_DEADLINE", raising=False)
    config = load_all(RegistrationSettings())[1]
    assert config.presenter_registration_deadline == date(2026, 12, 23)
    assert config.presenter_reminder_days == (10, 3)
    monkeypatch.setenv("REGISTRATION_PRESENTER_DEADLINE", "2027-01-02")
    assert load_all(RegistrationSettings())[1].presenter_registration_deadline == date(2027, 1, 2)
    monkeypatch.setenv("REGISTRATION_PRESENTER_DEADLINE", "")  # compose names it empty: the file's date stands
    assert load_all(RegistrationSettings())[1].presenter_registration_deadline == date(2026, 12, 23)


def test_reminder_days_are_positive_and_kept_furthest_first() -> None:
    from pydantic import ValidationError

    from services.common.congress import load_congress
    from services.registration.config import RegistrationConfig

    section = load_congress().section("registration")
    config = RegistrationConfig.model_validate(section | {"presenter_reminder_days": [7, 21, 7]})
    assert config.presenter_reminder_days == (21, 7)
    with pytest.raises(ValidationError, match="1 or more"):
        RegistrationConfig.model_validate(section | {"presenter_reminder_days": [0]})
    assert (
        RegistrationConfig.model_validate(
            {k: v for k, v in section.items() if k != "presenter_registration_deadline"}
        ).presenter_registration_deadline
        is None
    )
