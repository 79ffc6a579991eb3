"""The console's feed names an organiser's badge desk by who the account is now (decision 75), never by the id."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import cast

from schemas import new_event
from schemas.badges import BadgePrinted, DelegateCheckedIn
from schemas.base import encode
from services.console.adapters.records import Record, to_entry
from services.console.entries import Entry, named, to_view
from tests.unit.console.events import FakeRecord

WHEN = datetime(2027, 1, 5, 9, 30, tzinfo=UTC)
PEOPLE = {"acc-7f3a": "Ana Pérez <ana@example.org>"}


def names(account_id: str) -> str:
    return PEOPLE.get(account_id, "erased account")


def entry_of(data: BadgePrinted | DelegateCheckedIn) -> Entry:
    value = encode(new_event(data, "/tests"))
    return to_entry(cast(Record, FakeRecord(topic=data.topic(), value=value, key=data.key().encode())))


def test_a_desk_used_by_an_organiser_is_named_by_the_account_and_the_raw_event_keeps_the_id() -> None:
    printed = BadgePrinted(
        congress_id="icsei-2027", delegate_id="d-1", station_id="organiser:acc-7f3a", print_count=2, printed_at=WHEN
    )
    view = to_view(entry_of(printed), UTC, names)
    assert view["summary"] == "print #2 at organiser Ana Pérez <ana@example.org>"
    assert view["doc"]["data"]["station_id"] == "organiser:acc-7f3a"
    checked = DelegateCheckedIn(
        congress_id="icsei-2027", delegate_id="d-1", station_id="organiser:gone-1", checked_in_at=WHEN
    )
    assert to_view(entry_of(checked), UTC, names)["summary"] == "checked in at organiser erased account"


def test_a_station_token_and_an_address_from_before_decision_75_are_left_as_they_are() -> None:
    assert named("checked in at desk-2", names) == "checked in at desk-2"
    assert named("print #1 at organiser:ana@example.org", names) == "print #1 at organiser:ana@example.org"
    printed = BadgePrinted(
        congress_id="icsei-2027", delegate_id="d-1", station_id="organiser:acc-7f3a", print_count=1, printed_at=WHEN
    )
    assert to_view(entry_of(printed), UTC)["summary"] == "print #1 at organiser:acc-7f3a"  # no directory given
