"""The console's projection: CloudEvents (built from the schema models) in, figures and indexes out."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from schemas import new_event
from schemas.badges import BadgeTextReplaced, DocumentKind, DocumentTextReplaced, TextReplacement
from schemas.registration import InvoiceHoldEnding, RegistrationAttemptedForExistingAddress, RegistrationCancelled
from services.common.congress import load_congress
from services.console.adapters.congress import add_on_capacities
from services.console.adapters.records import to_entry
from services.console.domain import AddOnCapacity, Projection
from services.console.entries import format_money, summarise, to_view
from tests.unit.console.events import (
    FakeRecord,
    common,
    dead_letter,
    eur,
    invoice,
    records,
    scenario,
    unknown_type_event,
)

TOKYO = ZoneInfo("Asia/Tokyo")
CAPACITY = {"dinner": AddOnCapacity("dinner", "Congress dinner", 300)}


def project(items: list[FakeRecord], prefix: str = "") -> Projection:
    projection = Projection(tz=TOKYO, capacities=CAPACITY)
    for record in items:
        projection.apply(to_entry(record, topic_prefix=prefix))
    return projection


def test_figures_from_a_small_congress() -> None:
    figures = project(records(scenario())).figures()

    regs = figures["registrations"]
    assert (regs["active"], regs["confirmed"], regs["cancelled"]) == (4, 4, 1)
    assert regs["by_category"] == {"member": 2, "student": 1, "non-member": 1}
    assert regs["by_country"] == {"NL": 2, "JP": 2}
    revenue = figures["revenue"]
    assert revenue["by_currency"] == {"EUR": 62000 + 62000 + 62000 - 59500, "JPY": 90000}
    assert revenue["by_method"] == {"card": {"EUR": 62000 + 62000 - 59500, "JPY": 90000}, "invoice": {"EUR": 62000}}
    assert revenue["refunded"] == {"EUR": 59500}
    # The cancelled delegate's dinner seat is free again; the workshop has no configured capacity here.
    assert figures["add_ons"]["dinner"] == {"label": "Congress dinner", "booked": 2, "capacity": 300}
    assert figures["add_ons"]["ws-ece"]["booked"] == 1 and figures["add_ons"]["ws-ece"]["capacity"] is None
    assert figures["invoices_unpaid"] == {"count": 1, "by_currency": {"EUR": 32000}}
    assert figures["badges"] | {"documents": {}} == {
        "issued": 2,
        "delegates_with_badge": 2,
        "revoked": 0,
        "text_replaced": 0,
        "documents_text_replaced": 0,
        "printed": 2,
        "reprints": 1,
        "documents": {},
    }
    # A second scan of the same badge is not a second arrival; hours are in the congress timezone.
    assert figures["checkins"] == {"total": 2, "by_hour": {"2027-01-05 09:00": 1, "2027-01-05 10:00": 1}}
    assert figures["emails"] == {"sent": 1, "failed": 1, "failed_permanent": 1}
    assert figures["dead_letters"]["count"] == 0
    assert figures["events_total"] == len(scenario())


def test_dead_letters_are_counted_with_their_reason_and_malformed_messages_do_not_break_anything() -> None:
    bad_event = new_event(invoice("d-003", "INV-9", scenario()[0].total), "/tests")  # type: ignore[attr-defined]
    items = [
        *records(scenario()),
        dead_letter(bad_event, "handler failed 3 times: RuntimeError('pdf')", prefix="p."),
        dead_letter(b"\x00not json at all", "value is not JSON", prefix="p.", offset=1),
        FakeRecord(topic="p.congress.registration", value=b"{broken", key=b"d-009"),
    ]
    items[: len(scenario())] = records(scenario(), prefix="p.")
    projection = project(items, prefix="p.")
    figures = projection.figures()

    assert figures["dead_letters"]["count"] == 2
    assert figures["dead_letters"]["by_consumer"] == {"notify": 2}
    assert [d["reason"] for d in figures["dead_letters"]["recent"]] == [
        "value is not JSON",
        "handler failed 3 times: RuntimeError('pdf')",
    ]
    assert figures["malformed"] == 1
    newest = projection.entries(limit=3)
    assert [e.kind for e in newest] == ["malformed", "deadletter", "deadletter"]
    assert newest[2].subject == "d-003" and newest[2].topic == "congress.deadletter"
    assert newest[2].doc is not None and newest[2].doc["value"]["id"] == bad_event.id
    assert projection.entries(context="deadletter", limit=10) == newest[1:]


def test_the_delegate_index_keeps_every_event_about_them_in_order() -> None:
    projection = project([*records(scenario()), dead_letter(b"{}", "unknown event type None")])

    history = projection.delegate("d-001")
    names = [e.name for e in history]
    assert names == [
        "RegistrationCreated",
        "RegistrationConfirmed",
        "PaymentSucceeded",
        "BadgeIssued",
        "BadgePrinted",
        "BadgePrinted",
        "DelegateCheckedIn",
        "DelegateCheckedIn",
        "NotificationSent",
    ]
    assert [e.name for e in projection.delegate("d-003")][-2:] == ["NotificationFailed", "deadletter"]
    assert projection.delegate("nobody") == []


def test_unknown_event_types_are_shown_by_type_and_subject() -> None:
    projection = project([FakeRecord(topic="congress.abstracts", value=unknown_type_event(), key=b"abs-42")])

    (entry,) = projection.entries()
    assert (entry.kind, entry.type, entry.subject, entry.context) == (
        "event",
        "congress.abstracts.AbstractSubmitted.v9",
        "abs-42",
        "abstracts",
    )
    assert summarise(entry) == ""
    assert projection.figures()["events_by_type"] == {"congress.abstracts.AbstractSubmitted.v9": 1}


def test_filters_and_views() -> None:
    projection = project(records(scenario()))

    payments = projection.entries(type_="PaymentSucceeded")
    assert [e.subject for e in payments] == ["d-005", "d-004", "d-002", "d-001"]
    assert projection.entries(context="notify", subject="d-003")[0].name == "NotificationFailed"
    view = to_view(payments[-1], TOKYO)
    assert view["summary"] == "EUR 620.00 by card · ref-d-001"
    assert view["doc"]["data"]["amount"] == {"amount_minor": 62000, "currency": "EUR"}
    assert view["local_time"].count(":") == 2
    assert [e.seq for e in projection.entries(after=projection.seq - 2)] == [projection.seq, projection.seq - 1]


def test_rebuilding_from_the_topics_gives_the_same_figures_whatever_the_partition_interleaving() -> None:
    items = records(scenario())
    by_topic: dict[str, list[FakeRecord]] = {}
    for record in items:
        by_topic.setdefault(record.topic, []).append(record)
    shuffled: list[FakeRecord] = []
    rng = random.Random(7)
    queues = list(by_topic.values())
    while any(queues):
        queue = rng.choice([q for q in queues if q])
        shuffled.append(queue.pop(0))  # order within each topic-partition holds, as in Kafka

    first, second = project(items).figures(), project(shuffled).figures()
    assert first == second


def test_money_formatting_and_capacities_from_the_congress_configuration() -> None:
    assert format_money({"amount_minor": 123456, "currency": "EUR"}) == "EUR 1,234.56"
    assert format_money({"amount_minor": 90000, "currency": "JPY"}) == "JPY 90,000"
    assert format_money({"amount_minor": -5, "currency": "EUR"}) == "EUR -0.05"
    capacities = add_on_capacities(load_congress())
    assert capacities["dinner"] == AddOnCapacity("dinner", "Congress dinner", 300)
    assert capacities["ws-ece"].capacity == 30


def test_names_in_any_script_are_isolated_so_right_to_left_lines_keep_their_order() -> None:
    projection = project(records(scenario()))

    (created,) = projection.entries(subject="d-004", type_="RegistrationCreated")
    assert summarise(created) == "\u2068نور الهدى\u2069 (EG, member) · EUR 620.00 · card"


def test_the_call_for_papers_in_figures_and_summaries() -> None:
    from datetime import UTC, date, datetime

    from schemas.abstracts import (
        AbstractDecided,
        AbstractFormat,
        AbstractSubmitted,
        AbstractWithdrawn,
        Author,
        Decision,
        Recommendation,
        ReviewerAssigned,
        ReviewSubmitted,
    )

    now = datetime(2026, 10, 1, tzinfo=UTC)
    author = Author(given_name="Aiko", family_name="Sato", email="a@x.jp", affiliation="Keio", country="JP")

    def submitted(i: int, network: str) -> AbstractSubmitted:
        return AbstractSubmitted(
            congress_id="icsei-2027",
            abstract_id=f"abs-{i}",
            reference=f"ICSEI27-A-000{i}",
            content_version=1,
            format=AbstractFormat.PAPER,
            network=network,
            title=f"Data use in schools, part {i}",
            text="…",
            authors=(author,),
            submitter_email="a@x.jp",
            submitted_at=now,
        )

    def review(i: int, reviewer: str, score: int) -> ReviewSubmitted:
        return ReviewSubmitted(
            congress_id="icsei-2027",
            abstract_id=f"abs-{i}",
            reviewer_id=reviewer,
            scores={"relevance": score, "rigour": score - 1},
            recommendation=Recommendation.ACCEPT,
            submitted_at=now,
        )

    decided = AbstractDecided(
        congress_id="icsei-2027",
        abstract_id="abs-1",
        reference="ICSEI27-A-0001",
        title="t",
        decision=Decision.ACCEPTED,
        format=AbstractFormat.POSTER,
        network="DU",
        authors=(author,),
        submitter_email="a@x.jp",
        mean_score=3.5,
        decided_at=now,
        decided_by="organiser@x",
    )
    assigned = ReviewerAssigned(
        congress_id="icsei-2027",
        abstract_id="abs-1",
        reviewer_id="r-1",
        reviewer_name="Eva Berg",
        reviewer_email="e@x.se",
        reference="ICSEI27-A-0001",
        title="t",
        network="DU",
        due_on=date(2026, 12, 14),
        portal_link="http://x/review/t",
    )
    withdrawn = AbstractWithdrawn(
        congress_id="icsei-2027",
        abstract_id="abs-3",
        reference="ICSEI27-A-0003",
        title="t",
        submitter_email="a@x.jp",
        reason="cannot travel",
        withdrawn_at=now,
    )
    events = [submitted(1, "DU"), submitted(2, "DU"), submitted(3, "EL"), assigned, review(1, "r-1", 4)]
    events += [review(1, "r-1", 3), review(1, "r-2", 4), decided, withdrawn]  # r-1 changed their review
    projection = project(records(events))

    assert projection.figures()["abstracts"] == {
        "submitted": 3,
        "withdrawn": 1,
        "undecided": 1,
        "accepted": 1,
        "rejected": 0,
        "reviews": 2,
        "by_network": {"DU": 2, "EL": 1},
        "programme": None,
    }
    by_name = {e.name: summarise(e) for e in projection.entries()}
    assert by_name["AbstractSubmitted"].startswith("ICSEI27-A-000") and "paper · " in by_name["AbstractSubmitted"]
    assert by_name["ReviewerAssigned"] == "ICSEI27-A-0001 → Eva Berg · due 2026-12-14"
    assert by_name["AbstractDecided"] == "ICSEI27-A-0001 accepted as poster · mean 3.50"
    assert by_name["AbstractWithdrawn"] == "ICSEI27-A-0003 withdrawn: cannot travel"
    assert [e.subject for e in projection.entries(subject="abs-1")][-1] == "abs-1"


def test_the_published_programme_in_figures_and_summaries() -> None:
    from datetime import UTC, date, datetime

    from schemas.programme import (
        Placement,
        Presentation,
        PresentationMoved,
        Presenter,
        ProgrammePublished,
        SessionKind,
        SessionScheduled,
    )

    start = datetime(2027, 1, 6, 0, 30, tzinfo=UTC)
    talk = Presentation(
        abstract_id="abs-1",
        reference="ICSEI27-A-0001",
        title="Data use",
        presenters=(Presenter(name="Aiko Sato", email="a@x.jp"),),
    )
    session = SessionScheduled(
        congress_id="icsei-2027",
        session_id="s-1",
        title="Data Use 1",
        kind=SessionKind.PAPER,
        network="DU",
        day=date(2027, 1, 6),
        starts_at=start,
        ends_at=start.replace(hour=2),
        timezone="Asia/Tokyo",
        room_code="R1",
        room_name="Room 501",
        presentations=(talk,),
        programme_version=1,
    )
    old = Placement(
        session_id="s-1", day=date(2027, 1, 6), starts_at=start, ends_at=start, room_code="R1", room_name="Room 501"
    )
    moved = PresentationMoved(
        congress_id="icsei-2027",
        session_id="s-2",
        abstract_id="abs-1",
        reference="ICSEI27-A-0001",
        title="Data use",
        presenters=talk.presenters,
        old=old,
        new=old.model_copy(update={"session_id": "s-2", "room_name": "Hall B"}),
        timezone="Asia/Tokyo",
        programme_version=2,
    )
    published = ProgrammePublished(
        congress_id="icsei-2027",
        programme_version=2,
        sessions=12,
        presentations=40,
        sessions_changed=1,
        presentations_moved=1,
        published_at=start,
        published_by="organiser@x",
    )
    projection = project(records([session, moved, published]))

    assert projection.figures()["abstracts"]["programme"] == {
        "programme_version": 2,
        "sessions": 12,
        "presentations": 40,
        "unplaced": 0,
    }
    by_name = {e.name: summarise(e) for e in projection.entries()}
    assert by_name["SessionScheduled"] == "Data Use 1 · Room 501 · 2027-01-06 · 1 presentation(s) · v1"
    assert by_name["PresentationMoved"] == "ICSEI27-A-0001 moved Room 501 2027-01-06 → Hall B 2027-01-06"
    assert by_name["ProgrammePublished"] == "v2: 12 sessions, 40 presentations · 1 changed, 1 moved"


def test_a_released_invoice_is_no_longer_unpaid_and_the_new_registration_events_read_plainly() -> None:
    """Issue 12: an unpaid invoice's hold ran out (RegistrationCancelled, reason invoice_unpaid): the console
    stops counting the invoice as money to come; the reminder and the refused second registration summarise."""
    held = [invoice("d-007", "ICSEI27-INV-0070", eur(42000))]
    reminder = InvoiceHoldEnding(
        **common("d-007"),
        invoice_number="ICSEI27-INV-0070",
        hold_until=datetime(2026, 10, 16, tzinfo=UTC),
        amount_due=eur(42000),
        registration_numbers=("ICSEI27-00007",),
        email="d7@example.org",
    )
    attempt = RegistrationAttemptedForExistingAddress(
        **common("d-008"),
        registration_number="ICSEI27-00008",
        email="d8@example.org",
        attempted_at=datetime(2026, 9, 2, tzinfo=UTC),
        sign_in_url="https://reg.example.org/sign-in",
    )
    released = RegistrationCancelled(
        **common("d-007"), registration_version=2, reason="invoice_unpaid", cancelled_by="system"
    )
    before = project(records([*held, reminder, attempt]))
    assert before.figures()["invoices_unpaid"]["count"] == 1
    after = project(records([*held, reminder, attempt, released]))
    assert after.figures()["invoices_unpaid"]["count"] == 0
    summaries = {e.name: summarise(e) for e in after.entries()}
    assert summaries["InvoiceHoldEnding"].startswith("ICSEI27-INV-0070 unpaid · EUR 420.00 · places held until")
    assert "ICSEI27-00008 refused" in summaries["RegistrationAttemptedForExistingAddress"]
    assert summaries["RegistrationCancelled"] == "by system: invoice_unpaid"


def test_summaries_show_old_events_without_hidden_characters_but_keep_their_own_isolates() -> None:
    """Issue 12, finding 8: a name with NUL, ESC or a bidi override from before the text rule shows clean."""
    from schemas.values import PaymentMethod
    from tests.unit.console.events import delegate, eur, registered

    who = delegate("d-900", country="JP", category="member", name="Ma\x00ria\x1b \u202eO'Brien\u2066")
    projection = project(records(registered("d-900", who, eur(1000), PaymentMethod.CARD)))
    (created,) = projection.entries(subject="d-900", type_="RegistrationCreated")
    assert summarise(created) == "\u2068Maria O'Brien\u2069 (JP, member) · EUR 10.00 · card"


def test_a_badge_with_a_name_no_font_prints_is_counted_once_per_delegate_and_summarised() -> None:
    """BadgeTextReplaced is an organiser alert: the console counts the delegates and says what was printed."""
    replacement = TextReplacement(
        field="family name", typed="Budi \U00011f04", printed="Budi a", missing=("U+11F04 KAWI LETTER A",)
    )
    alert = BadgeTextReplaced(
        congress_id="icsei-2027", delegate_id="d-9", registration_version=1, replacements=(replacement,)
    )
    projection = project(records([alert, alert.model_copy(update={"registration_version": 2})]))
    assert projection.figures()["badges"]["text_replaced"] == 1
    line = summarise(projection.recent[-1])
    assert "Budi a" in line and "U+11F04 KAWI LETTER A" in line


def test_an_invoice_with_a_text_no_font_prints_is_counted_and_summarised() -> None:
    """DocumentTextReplaced is the same alert for documents: counted once per document, summarised in the stream."""
    replacement = TextReplacement(
        field="institution", typed="Sekolah \U00011f04", printed="Sekolah a", missing=("U+11F04 KAWI LETTER A",)
    )
    alert = DocumentTextReplaced(
        congress_id="icsei-2027",
        delegate_id="d-9",
        kind=DocumentKind.INVOICE,
        document_number="ICSEI27-INV-0007",
        replacements=(replacement,),
    )
    projection = project(records([alert, alert]))
    assert projection.figures()["badges"]["documents_text_replaced"] == 1
    line = summarise(projection.recent[-1])
    assert "ICSEI27-INV-0007" in line and "Sekolah a" in line and "U+11F04 KAWI LETTER A" in line
