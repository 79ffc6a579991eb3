"""The personal agenda's rules: overlapping sessions flagged, days in the congress timezone, marks and replays."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from services.registration.domain import agenda
from services.registration.domain.agenda import AgendaRefused, ProgrammeSession
from services.registration.domain.registration import Status
from tests.unit.registration.made import registration

NOW = datetime(2026, 12, 20, 9, 0, tzinfo=UTC)


def session(sid: str, start: datetime, minutes: int = 90, **over: object) -> ProgrammeSession:
    made = ProgrammeSession(
        session_id=sid,
        version=1,
        title=f"Session {sid}",
        kind="paper",
        network="DU",
        starts_at=start,
        ends_at=start + timedelta(minutes=minutes),
        room_name="Room 301",
        chair=None,
        talks=("A talk",),
        cancelled=False,
        changed_at=NOW,
    )
    return replace(made, **over)  # type: ignore[arg-type]


T0 = datetime(2027, 1, 6, 1, 30, tzinfo=UTC)  # 10:30 in Tokyo


def test_overlapping_sessions_clash_with_each_other_and_back_to_back_ones_do_not() -> None:
    a = session("a", T0, 90)  # 01:30–03:00
    b = session("b", T0 + timedelta(minutes=60), 60)  # 02:30–03:30 overlaps a
    c = session("c", T0 + timedelta(minutes=90), 30)  # 03:00–03:30: right after a, overlaps b
    d = session("d", T0 + timedelta(hours=5), 60)  # alone
    found = agenda.clashes([d, c, b, a])
    assert found == {"a": {"b"}, "b": {"a", "c"}, "c": {"b"}}
    assert "d" not in found


def test_a_session_inside_another_clashes_even_after_a_shorter_one_ended() -> None:
    long = session("long", T0, 240)
    short = session("short", T0, 30)
    later = session("later", T0 + timedelta(minutes=120), 30)
    assert agenda.clashes([long, short, later]) == {"long": {"short", "later"}, "short": {"long"}, "later": {"long"}}


def test_a_cancelled_session_clashes_with_nothing() -> None:
    a = session("a", T0)
    b = session("b", T0, cancelled=True)
    assert agenda.clashes([a, b]) == {}


def test_days_are_the_congress_timezones_and_each_item_names_what_it_clashes_with() -> None:
    late = session("late", datetime(2027, 1, 6, 14, 30, tzinfo=UTC))  # 23:30 on the 6th in Tokyo…
    next_day = session("next", datetime(2027, 1, 6, 15, 30, tzinfo=UTC))  # …00:30 on the 7th, overlapping it
    days = agenda.by_day([next_day, late], "Asia/Tokyo")
    assert [d for d, _ in days] == [date(2027, 1, 6), date(2027, 1, 7)]
    [first], [second] = days[0][1], days[1][1]
    assert (first.starts.hour, first.starts.minute) == (23, 30)
    assert first.clashes_with == ("Session next",) and second.clashes_with == ("Session late",)


def test_the_programme_flags_clashes_among_the_marked_sessions_only() -> None:
    a, b, c = session("a", T0), session("b", T0), session("c", T0)
    [(_, items)] = agenda.by_day([a, b, c], "Asia/Tokyo", among=frozenset({"a", "b"}))
    assert {i.session.session_id: i.clashes_with for i in items} == {
        "a": ("Session b",),
        "b": ("Session a",),
        "c": (),
    }


def test_a_mark_emits_agenda_changed_once_and_an_unmark_only_of_a_marked_session() -> None:
    reg = registration(status=Status.CONFIRMED)
    event = agenda.mark("icsei-2027", reg, session("a", T0), already=False, now=NOW)
    assert event is not None
    assert (event.session_id, event.attending, event.delegate_id, event.registration_id) == (
        "a",
        True,
        "del_1",
        "reg_1",
    )
    assert agenda.mark("icsei-2027", reg, session("a", T0), already=True, now=NOW) is None
    gone = agenda.unmark("icsei-2027", reg, "a", already=True, now=NOW)
    assert gone is not None and gone.attending is False
    assert agenda.unmark("icsei-2027", reg, "a", already=False, now=NOW) is None


@pytest.mark.parametrize(
    ("status", "found", "why"),
    [
        (Status.CONFIRMED, None, "not in the published programme"),
        (Status.CONFIRMED, session("a", T0, cancelled=True), "cancelled"),
        (Status.CANCELLED, session("a", T0), "live registration"),
        (Status.EXPIRED, session("a", T0), "live registration"),
    ],
)
def test_a_mark_is_refused_for_an_unknown_or_cancelled_session_or_a_registration_that_ended(
    status: Status, found: ProgrammeSession | None, why: str
) -> None:
    with pytest.raises(AgendaRefused, match=why):
        agenda.mark("icsei-2027", registration(status=status), found, already=False, now=NOW)


def test_only_a_later_programme_version_changes_the_replica() -> None:
    kept = session("a", T0, version=2)
    assert agenda.newer(None, 1)
    assert agenda.newer(kept, 3)
    assert not agenda.newer(kept, 2)  # a redelivery
    assert not agenda.newer(kept, 1)  # a late, older event
