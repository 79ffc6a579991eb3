"""The book's own words in the edition's language: day names by Babel, the catalog complete in every page
language, the index's pages each once, and the edition's setting validated."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from services.badges.adapters.book_pdf import KINDS, LOCALE
from services.badges.commands.book import book_language
from services.badges.domain.book import book_view
from services.badges.domain.book_index import IndexPage, index_pages
from services.common.congress import ConfigError
from services.common.page_language import OFFERED, load_catalogs, translator
from tests.unit.badges.test_book import author, content, session

BADGES = LOCALE.parent
TOKYO = ZoneInfo("Asia/Tokyo")


def extracted() -> set[str | tuple[str, ...]]:
    """What ``pybabel extract -F babel.cfg .`` finds in badges now (a plural as its (singular, plural))."""
    with (BADGES / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)  # type: ignore[no-untyped-call]  # babel is untyped
    found = extract_from_dir(str(BADGES), method_map, options_map)
    return {m if isinstance(m, str) else tuple(m) for _, _, m, _, _ in found}


def test_the_books_catalog_is_current_and_complete_in_every_page_language() -> None:
    msgids = extracted()
    assert {"Author index", "Contents", "Book of abstracts", "Chair:", *KINDS.values()} <= msgids
    with (LOCALE / "messages.pot").open("rb") as f:
        assert {m.id for m in read_po(f) if m.id} == msgids, "messages.pot is stale: run pybabel extract"
    for language in OFFERED[1:]:
        with (LOCALE / language / "LC_MESSAGES" / "messages.po").open("rb") as f:
            entries = {m.id: m for m in read_po(f) if m.id}
        assert set(entries) == msgids, language
        said = [e.string if isinstance(e.string, tuple) else (e.string,) for e in entries.values()]
        assert all(s.strip() for forms in said for s in forms), language
        assert not any(e.fuzzy for e in entries.values()), language
    french = translator(load_catalogs(LOCALE), "fr")
    assert french("Author index") == "Index des auteurs" and french(KINDS["paper"]) == "Session de communications"


@pytest.mark.parametrize(
    ("language", "day"),
    [
        ("en", "Wednesday 6 January 2027"),
        ("fr", "mercredi 6 janvier 2027"),
        ("es", "miércoles 6 enero 2027"),
        ("de", "Mittwoch 6 Januar 2027"),
    ],
)
def test_day_names_are_the_books_language_and_times_stay_in_the_congress_timezone(language: str, day: str) -> None:
    sessions = [session("S", "2027-01-05T23:00:00+00:00", "Room A", "DU", "a")]  # 08:00 on the 6th in Tokyo
    book = book_view("B", sessions, {"a": content("a", "A", "DU", author("A", "B"))}, TOKYO, language=language)
    assert book.language == language
    assert [d.label for d in book.days] == [day] and book.days[0].sessions[0].time == "08:00–08:30"


def test_an_index_entry_prints_each_page_once_ascending_linked_to_its_first_item_there() -> None:
    pages = {"a-1": 4, "a-2": 3, "a-3": 4, "a-3-p1": 4, "a-4": 6}
    assert index_pages(["a-1", "a-2", "a-3", "a-3-p1", "a-4"], pages) == (
        IndexPage(3, "a-2"),
        IndexPage(4, "a-1"),
        IndexPage(6, "a-4"),
    )
    assert index_pages(["a-9"], pages) == ()  # not laid out: left out, never a wrong number


def congress_with(section: dict[str, Any]) -> Any:
    return SimpleNamespace(section=lambda name: section if name == "badges" else {})


def test_the_books_language_is_the_editions_setting_english_by_default_and_one_of_the_four() -> None:
    assert book_language(congress_with({})) == "en"
    assert book_language(congress_with({"book_language": "de"})) == "de"
    with pytest.raises(ConfigError, match=r"badges\.book_language: 'pt' is not one of en, fr, es, de"):
        book_language(congress_with({"book_language": "pt"}))
