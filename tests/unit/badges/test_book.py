"""The book of abstracts' rules: when a publication is ready, and what the book shows in which order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from services.badges.domain.book import (
    Publication,
    ReplicaCounts,
    book_view,
    content_complete,
    missing_content,
    ready,
)

TOKYO = ZoneInfo("Asia/Tokyo")


def author(given: str, family: str, place: str = "Uni", *, presenting: bool = False) -> dict[str, Any]:
    return {"given_name": given, "family_name": family, "affiliation": place, "country": "JP", "presenting": presenting}


def content(abstract_id: str, title: str, network: str, *authors: dict[str, Any], **more: Any) -> dict[str, Any]:
    return {
        "abstract_id": abstract_id,
        "title": title,
        "network": network,
        "text": "One.\n\nTwo.",
        "authors": list(authors),
    } | more


def session(session_id: str, starts: str, room: str, network: str, *ids: str, **more: Any) -> dict[str, Any]:
    return {
        "session_id": session_id,
        "title": f"Session {session_id}",
        "kind": "paper",
        "network": network,
        "starts_at": starts,
        "ends_at": starts.replace(":00:00", ":30:00"),
        "room_name": room,
        "presentations": [{"abstract_id": i, "reference": f"R-{i}", "title": f"T {i}", "presenters": []} for i in ids],
    } | more


def test_a_publication_is_ready_only_with_exactly_its_session_events() -> None:
    pub = Publication(version=2, sessions=5, sessions_changed=2, sessions_cancelled=1)
    assert ready(pub, ReplicaCounts(scheduled_at=2, cancelled_at=1, live=5, newest=2))
    assert not ready(pub, ReplicaCounts(scheduled_at=1, cancelled_at=1, live=4, newest=2))  # a session still on its way
    assert not ready(pub, ReplicaCounts(scheduled_at=2, cancelled_at=0, live=6, newest=2))  # the cancellation not in
    assert not ready(pub, ReplicaCounts(scheduled_at=2, cancelled_at=1, live=5, newest=3))  # a later one is coming


def test_days_and_sessions_in_the_congress_timezone_in_time_then_room_order() -> None:
    abstracts = {
        "a": content("a", "Alpha", "DU", author("Anna", "Schmidt", presenting=True)),
        "b": content("b", "Beta", "EL", author("Bo", "Lee")),
        "c": content("c", "Gamma", "DU", author("Chen", "Wu")),
    }
    sessions = [
        session("late", "2027-01-06T01:00:00+00:00", "Room A", "DU", "c"),
        session("hallB", "2027-01-05T23:00:00+00:00", "Room B", "EL", "b"),  # 08:00 on the 6th in Tokyo
        session("hallA", "2027-01-05T23:00:00+00:00", "Room A", "DU", "a"),
    ]
    book = book_view("Book", sessions, abstracts, TOKYO)
    assert [d.label for d in book.days] == ["Wednesday 6 January 2027"]
    assert [(s.anchor, s.time, s.room) for s in book.days[0].sessions] == [
        ("s-hallA", "08:00–08:30", "Room A"),
        ("s-hallB", "08:00–08:30", "Room B"),
        ("s-late", "10:00–10:30", "Room A"),
    ]
    assert [i.title for i in book.items] == ["T a", "T b", "T c"]
    first = book.items[0]
    assert first.paragraphs == ("One.", "Two.") and first.authors[0].presenting and first.affiliations == ("Uni, JP",)


def test_affiliations_are_numbered_once_per_abstract_and_the_index_lists_every_author() -> None:
    abstracts = {
        "a": content(
            "a",
            "A",
            "DU",
            author("Ana", "Sousa", "Porto"),
            author("Émile", "Zola", "Lyon"),
            author("Bo", "Ek", "Porto"),
        ),
        "b": content("b", "B", "DU", author("ana", "SOUSA", "Porto")),
    }
    book = book_view("Book", [session("s", "2027-01-05T23:00:00+00:00", "R", "DU", "a", "b")], abstracts, TOKYO)
    item = book.items[0]
    assert item.affiliations == ("Porto, JP", "Lyon, JP") and [a.marks for a in item.authors] == [(1,), (2,), (1,)]
    assert [(e.name, e.anchors) for e in book.index] == [
        ("Ek, Bo", ("a-a",)),
        ("Sousa, Ana", ("a-a", "a-b")),  # one person however the case is typed
        ("Zola, Émile", ("a-a",)),
    ]


def test_a_network_book_holds_its_sessions_and_its_papers_in_mixed_sessions() -> None:
    abstracts = {
        "a": content("a", "A", "DU", author("A", "A")),
        "b": content("b", "B", "EL", author("B", "B")),
        "c": content("c", "C", "EL", author("C", "C")),
    }
    sessions = [
        session("du", "2027-01-05T23:00:00+00:00", "R", "DU", "a"),
        session("mixed", "2027-01-06T01:00:00+00:00", "R", "", "a", "b"),
        session("el", "2027-01-06T03:00:00+00:00", "R", "EL", "c"),
    ]
    book = book_view("Book", sessions, abstracts, TOKYO, network="EL", names={"EL": "Leadership"})
    assert [s.anchor for d in book.days for s in d.sessions] == ["s-mixed", "s-el"]
    assert [i.anchor for i in book.items] == ["a-b", "a-c"]
    assert book.days[0].sessions[1].network_name == "Leadership"


def test_a_symposium_prints_its_papers_and_discussant_when_the_events_carry_them() -> None:
    papers = [
        {"title": "Paper one", "text": "P1 text", "authors": [author("Uma", "Rao", "Delhi", presenting=True)]},
        {"title": "Paper two", "abstract": "P2 text", "authors": [{"name": "Lars Berg"}]},
    ]
    abstracts = {"s": content("s", "Symposium", "DU", author("Chair", "Person"))}
    sym = session(
        "sy", "2027-01-05T23:00:00+00:00", "R", "DU", "s", discussant={"given_name": "Dee", "family_name": "Cuss"}
    )
    sym["presentations"][0]["papers"] = papers
    book = book_view("Book", [sym], abstracts, TOKYO)
    item = book.items[0]
    assert [p.title for p in item.papers] == ["Paper one", "Paper two"]
    assert item.papers[0].paragraphs == ("P1 text",) and item.papers[1].paragraphs == ("P2 text",)
    assert book.days[0].sessions[0].discussant == "Dee Cuss"
    assert ("Rao, Uma", ("a-s-p1",)) in [(e.name, e.anchors) for e in book.index]


def test_without_the_abstract_content_the_session_event_still_prints_title_and_presenters() -> None:
    s = session("x", "2027-01-05T23:00:00+00:00", "R", "DU", "unknown")
    s["presentations"][0]["presenters"] = [{"name": "Kim Lee", "email": "k@example.org"}]
    item = book_view("Book", [s], {}, TOKYO).items[0]
    assert item.title == "T unknown" and [a.name for a in item.authors] == ["Kim Lee"] and item.authors[0].presenting


def test_a_book_waits_for_its_abstracts_content_for_a_while() -> None:
    published = datetime(2027, 1, 1, 9, 0, tzinfo=UTC)
    pub = Publication(1, 1, 1, 0, published)
    missing = missing_content([session("s", "2027-01-05T23:00:00+00:00", "R", "DU", "a", "b")], {"a", "x"})
    assert missing == {"b"}
    assert not content_complete(pub, missing, published + timedelta(minutes=9))
    assert content_complete(pub, missing, published + timedelta(minutes=10))  # then printed from the session event
    assert content_complete(pub, set(), published)


def test_a_symposiums_papers_as_the_events_carry_them_print_each_with_its_own_text_and_authors() -> None:
    """``SessionScheduled``: one presentation per paper (``paper`` numbered); the content: ``symposium.papers``."""
    sym_content = content(
        "s",
        "Symposium",
        "DU",
        author("Uma", "Rao", presenting=True),
        author("Lars", "Berg", presenting=True),
        symposium={
            "chair": {"given_name": "Chidi", "family_name": "Okafor"},
            "papers": [
                {"title": "Paper one", "text": "P1 text", "authors": [author("Uma", "Rao", "Delhi", presenting=True)]},
                {"title": "Paper two", "text": "P2 text", "authors": [author("Lars", "Berg", "Oslo", presenting=True)]},
            ],
        },
    )
    sym = session("sy", "2027-01-05T23:00:00+00:00", "R", "DU", discussant="Dee Cuss")
    sym["presentations"] = [
        {"abstract_id": "s", "reference": "R-s", "title": f"Paper {n}", "presenters": [], "paper": i}
        for i, n in ((1, "one"), (2, "two"))
    ]
    book = book_view("Book", [sym], {"s": sym_content}, TOKYO)
    assert [(i.title, i.paragraphs, [a.name for a in i.authors]) for i in book.items] == [
        ("Paper one", ("P1 text",), ["Uma Rao"]),
        ("Paper two", ("P2 text",), ["Lars Berg"]),
    ]
    assert book.items[1].affiliations == ("Oslo, JP",) and book.days[0].sessions[0].discussant == "Dee Cuss"


def test_the_book_keeps_no_address_of_a_symposiums_people() -> None:
    from datetime import UTC, datetime

    from schemas.abstracts import AbstractSubmitted, Symposium, SymposiumPaper, SymposiumRole
    from schemas.abstracts import Author as EventAuthor
    from services.badges.domain.book_people import pseudonymised

    person = {"given_name": "A", "family_name": "B", "affiliation": "U", "country": "JP"}
    who = EventAuthor(**person, email="paper@example.org", presenting=True)
    data = AbstractSubmitted(
        congress_id="c",
        abstract_id="s",
        reference="R",
        content_version=1,
        format="symposium",
        network="DU",
        title="T",
        text="X",
        authors=(who,),
        submitter_email="sub@example.org",
        submitted_at=datetime.now(UTC),
        symposium=Symposium(
            chair=SymposiumRole(**person, email="chair@example.org"),
            discussant=SymposiumRole(**person, email="disc@example.org"),
            papers=(SymposiumPaper(title="P", text="Y", authors=(who,)),),
        ),
    )
    kept = pseudonymised(data.model_dump(mode="json"), lambda email: "person-" + email.split("@")[0])
    assert "@example.org" not in str(kept) and "'papers'" in str(kept)
    assert kept["symposium"]["chair"]["person"] == "person-chair"  # each person findable by their pseudonym
    assert kept["symposium"]["discussant"]["person"] == "person-disc"
    assert kept["symposium"]["papers"][0]["authors"][0]["person"] == "person-paper"
