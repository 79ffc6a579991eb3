"""The author index of a real rendered book, read back with poppler: an author with two abstracts on one page
shows that page once, the numbers ascend and are the pages their abstracts begin on; and the book's own words
and day names are the edition's language."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from services.badges.adapters.pdf import CongressHeader, PdfRenderer
from services.badges.domain.book import book_view
from tests.integration.badges import book_checks as pdf
from tests.unit.badges.test_book import author, content, session

TOKYO = ZoneInfo("Asia/Tokyo")
LONG = "\n\n".join(["Schools improve when their leaders read their own data with their teachers. " * 12] * 9)


@pytest.fixture(scope="module")
def renderer(badges_font_cache: Path) -> PdfRenderer:
    return PdfRenderer(CongressHeader("ICSEI 2027", "Tokyo"), font_cache=badges_font_cache)


def programme() -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """Day one: Schmidt's two short abstracts, then a long one of Okafor's that runs over pages, all beginning on
    one page;
    day two (a new page): Schmidt's third and Okafor's second."""
    abstracts = {
        "a": content("a", "Data teams", "DU", author("Anna", "Schmidt"), author("Bo", "Lee")),
        "b": content("b", "Feedback loops", "DU", author("Anna", "Schmidt", "Other Uni")),
        "c": content("c", "Principals reading data", "DU", author("Ngozi", "Okafor"), text=LONG),
        "d": content("d", "Networks of schools", "EL", author("Anna", "Schmidt"), author("Ngozi", "Okafor")),
    }
    sessions = [
        session("S1", "2027-01-06T01:00:00+00:00", "Room 1", "DU", "a", "b", "c", chair="Grace Ọlá"),
        session("S2", "2027-01-07T01:00:00+00:00", "Room 2", "EL", "d", kind="symposium"),
    ]
    for s in sessions:
        for p in s["presentations"]:
            p["title"] = abstracts[p["abstract_id"]]["title"]
    return sessions, abstracts


def rendered(renderer: PdfRenderer, tmp_path: Path, language: str) -> list[str]:
    sessions, abstracts = programme()
    book = book_view("ICSEI 2027", sessions, abstracts, TOKYO, subtitle="The congress", language=language)
    path = tmp_path / f"book-{language}.pdf"
    path.write_bytes(renderer.render_book(book))
    return pdf.pages(path)


def test_each_page_once_in_the_author_index_and_the_numbers_right(renderer: PdfRenderer, tmp_path: Path) -> None:
    text_pages = rendered(renderer, tmp_path, "en")
    on = {key: pdf.page_of(text_pages, title, after=2) for key, title in TITLES.items()}
    assert on["a"] == on["b"] == on["c"] < on["d"]  # three abstracts begin on one page
    assert "Schools improve" in text_pages[on["c"]] and on["d"] > on["c"] + 1  # the long one runs on over pages
    assert pdf.index_numbers(text_pages, "Schmidt, Anna") == [on["a"], on["d"]]  # not [a, a, d]
    assert pdf.index_numbers(text_pages, "Okafor, Ngozi") == [on["c"], on["d"]]
    assert pdf.index_numbers(text_pages, "Lee, Bo") == [on["a"]]


TITLES = {"a": "Data teams", "b": "Feedback loops", "c": "Principals reading data", "d": "Networks of schools"}


def test_the_books_words_and_days_in_the_editions_language(renderer: PdfRenderer, tmp_path: Path) -> None:
    text_pages = rendered(renderer, tmp_path, "fr")
    whole = " ".join(text_pages)
    assert "Livre des résumés" in text_pages[0] and "Sommaire" in text_pages[1]
    for words in ("mercredi 6 janvier 2027", "jeudi 7 janvier 2027", "10:00–10:30", "Présidence", "Symposium"):
        assert words in whole, words
    for english in ("Contents", "Author index", "Chair:", "Wednesday", "Paper session"):
        assert english not in whole, english
    index = next(n for n, page in enumerate(text_pages) if page.lstrip().startswith("Index des auteurs"))
    assert "Schmidt, Anna" in text_pages[index]
