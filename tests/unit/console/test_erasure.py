"""An erasure (the delegate's snapshot tombstoned on ``congress.delegates``) makes the console forget what it
kept of the person opened: their page, the recent entries, dead letters and the journal's file read
``erased``; other delegates and the figures stay as they were."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from schemas import new_event
from schemas.values import PaymentMethod
from services.console.adapters.journal import Journal
from services.console.adapters.records import erased, to_entry
from services.console.domain import Projection
from services.console.entries import Entry
from tests.unit.console.events import FakeRecord, dead_letter, delegate, eur, records, registered

TOKYO = ZoneInfo("Asia/Tokyo")


def congress_of_two() -> list[Entry]:
    ana = registered(
        "d-001", delegate("d-001", country="PT", category="member", name="Ana Silva"), eur(42000), PaymentMethod.CARD
    )
    bo = registered(
        "d-002", delegate("d-002", country="JP", category="member", name="Bo Tanaka"), eur(42000), PaymentMethod.CARD
    )
    entries = [to_entry(r) for r in records([*ana, *bo])]
    failed = dead_letter(new_event(ana[0], "/tests"), "notification failed")
    entries.append(to_entry(FakeRecord(failed.topic, failed.value, b"d-001", offset=9, headers=failed.headers)))
    return entries


def tombstone(delegate_id: str) -> Entry:
    return to_entry(FakeRecord("congress.delegates", None, delegate_id.encode(), offset=5))


def test_the_projection_shows_an_erased_delegate_as_erased_and_keeps_the_others_and_the_counts() -> None:
    projection = Projection(tz=TOKYO, erase=erased)
    for entry in congress_of_two():
        projection.apply(entry)
    before = projection.figures()["registrations"]
    assert "Ana Silva" in repr(projection.delegate("d-001"))
    projection.apply(tombstone("d-001"))
    held = repr([projection.delegate("d-001"), list(projection.recent), list(projection.recent_dead)])
    assert "Ana Silva" not in held and "d-001@example.org" not in held and "erased" in held
    assert projection.registrations["d-001"].name == "erased"
    assert "Bo Tanaka" in repr(projection.delegate("d-002")) and "d-002@example.org" in repr(list(projection.recent))
    assert projection.figures()["registrations"] == before


def test_the_journal_rewrites_an_erased_delegates_entries_and_no_byte_of_the_file_keeps_them(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    journal = Journal(path)
    journal.open()
    journal.append(congress_of_two(), {("congress.registration", 0): 4})
    journal.append([tombstone("d-001")], {("congress.delegates", 0): 6})
    entries, _ = journal.load()
    files = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.is_file())  # while the console runs
    journal.close()
    assert "Ana Silva" not in repr(entries) and "Bo Tanaka" in repr(entries)
    assert [e.doc["data"]["delegate"]["email"] for e in entries if e.subject == "d-001" and e.kind == "event"] == [
        "erased",
        "erased",
    ]
    assert b"Ana Silva" not in files and b"d-001@example.org" not in files and b"Bo Tanaka" in files
