"""Watchers of the stream never see a link that lets a person in: ``congress tail`` and the console redact
the clear links of old event versions and dead letters, and show only that a link was sent."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from schemas.abstracts import ReviewerAssigned
from schemas.base import encode, new_event
from schemas.redaction import REDACTED, redact, redact_text
from schemas.registration import LinkKind, MagicLinkRequested, MagicLinkRequestedV2, WaitingListOffered
from services.cli.tail import format_record
from services.common.auth import sign
from services.common.sealing import NOTIFY_LINK, seal
from services.console.adapters.records import to_entry
from services.console.entries import summarise, to_view
from tests.unit.console.events import FakeRecord, dead_letter

NOW = datetime(2026, 11, 3, 9, 30, tzinfo=UTC)
IDS = {"congress_id": "icsei-2027", "registration_id": "reg-1", "delegate_id": "reg-1"}
TOKEN = sign("s", "magic-link", {"rid": "reg-1", "jti": "abc"})
LINK = f"https://reg.example.org/me/{TOKEN}"


def v1_sign_in() -> MagicLinkRequested:
    return MagicLinkRequested(**IDS, email="ana@example.org", link=LINK, expires_at=NOW)


def record(data: MagicLinkRequested | MagicLinkRequestedV2 | WaitingListOffered | ReviewerAssigned) -> FakeRecord:
    return FakeRecord(topic=data.topic(), value=encode(new_event(data, "/tests")), key=data.key().encode())


def test_signed_tokens_are_found_in_any_text_and_plain_text_is_left_alone() -> None:
    compressed = sign("s", "registration-view", {"payer": "reg-1", "pad": "x" * 300})
    assert compressed.startswith(".")  # itsdangerous compressed it: a different shape, still found
    for token in (TOKEN, compressed, seal("s", NOTIFY_LINK, LINK, bound_to="reg-1")):
        text = f"see https://reg.example.org/registrations/reg-1?t={token} now"
        assert token not in redact_text(text) and REDACTED in redact_text(text)
    plain = "ICSEI27-INV-0001 reg.example.org Universidad Nacional 1801 a.b.c"
    assert redact_text(plain) == plain
    assert redact({"link": "", "total": {"amount_minor": 1}}) == {"link": "", "total": {"amount_minor": 1}}


def test_tail_shows_that_a_link_was_sent_but_never_the_link() -> None:
    offered = WaitingListOffered(
        **IDS,
        add_on_code="ws",
        add_on_label="Workshop",
        offer_expires_at=NOW,
        accept_url=f"https://reg.example.org/waiting-list/accept?t={TOKEN}",
        email="ana@example.org",
    )
    sealed = MagicLinkRequestedV2(
        **IDS,
        email="ana@example.org",
        sealed_link=seal("s", NOTIFY_LINK, LINK, bound_to="reg-1"),
        kind=LinkKind.SIGN_IN,
        expires_at=NOW + timedelta(hours=1),
        badge_name="Ana",
        registration_number="ICSEI27-00001",
    )
    for data in (v1_sign_in(), offered, sealed):
        event_type, _, line = format_record(data.topic(), b"reg-1", encode(new_event(data, "/tests")), [])
        assert TOKEN not in line and "/me/" not in line and "s1." not in line, line
        assert "MagicLinkRequested" in event_type or "WaitingListOffered" in event_type
    _, _, dead = format_record("congress.deadletter", b"reg-1", b"x", [("dlq.reason", f"bad: {LINK}".encode())])
    assert TOKEN not in dead


def test_the_console_keeps_no_link_also_from_old_versions_and_dead_letters() -> None:
    entry = to_entry(record(v1_sign_in()))
    view = json.dumps(to_view(entry, UTC))
    assert TOKEN not in view and entry.data["link"] == REDACTED
    assert summarise(entry) == "sign-in link to ana@example.org"
    dead = to_entry(dead_letter(new_event(v1_sign_in(), "/tests"), f"notify failed on {LINK}"))
    assert TOKEN not in json.dumps(to_view(dead, UTC)) and TOKEN not in (dead.reason or "")
    reviewer = ReviewerAssigned(
        congress_id="icsei-2027",
        abstract_id="a-1",
        reviewer_id="rv-1",
        reviewer_name="Rui",
        reviewer_email="rui@example.org",
        reference="ICSEI27-A-0001",
        title="T",
        network="Data Use",
        due_on=NOW.date(),
        portal_link=f"https://abstracts.example.org/review/{TOKEN}",
    )
    assert TOKEN not in json.dumps(to_view(to_entry(record(reviewer)), UTC))
