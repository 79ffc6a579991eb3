"""The book of abstracts as HTML for WeasyPrint: every text through the one text rule and ``printable``, and
each abstract (and each index name) in its own font chain, chosen by ``fonts.FontChain`` from its characters
and its language, so Arabic, CJK (its face by language), Devanagari and every other script with a font print.

The book's own words (cover, contents, "Room", "Chair", the author index…) are gettext messages of badges'
catalog (``services/badges/locale``, ``babel.cfg``), shown in the book's language (``page_lang``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any

from services.badges.adapters import fonts
from services.badges.domain.book import Book, BookItem
from services.badges.domain.book_index import index_pages
from services.common.page_language import N_
from services.common.printable import printable
from services.common.text import clean_for_display

LOCALE = Path(__file__).resolve().parents[1] / "locale"
"""Badges' catalog: the book's own words in every page language."""
KINDS = {
    "paper": N_("Paper session"),
    "symposium": N_("Symposium"),
    "poster": N_("Poster session"),
    "workshop": N_("Workshop"),
    "roundtable": N_("Roundtable"),
}
"""A session's kind (``SessionKind``) as the book names it; a kind a later version adds prints as it comes."""


def shown(text: str) -> str:
    """A text as the book prints it: cleaned (no control or bidi-override characters), then printable."""
    return printable(clean_for_display(text)).text


def _strings(value: Any) -> Any:
    if isinstance(value, str):
        return shown(value)
    if isinstance(value, dict):
        return {k: v if k == "anchor" else _strings(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_strings(v) for v in value]
    return value


def _texts(item: BookItem) -> str:
    parts = [item.title, *item.paragraphs, *item.keywords, *item.affiliations, *(a.name for a in item.authors)]
    return " ".join(parts + [_texts(p) for p in item.papers])


def book_context(book: Book, chain: fonts.FontChain, pages: Mapping[str, int] | None = None) -> dict[str, Any]:
    """The template's context: the book as plain dicts, texts shown, a ``font`` per item and index entry,
    ``page_lang`` for its words. With ``pages`` (anchor → page number, from a first layout) each index entry
    gets its ``pages`` (``domain.book_index``); without, the template leaves the numbers to ``target-counter``."""
    data = _strings(asdict(book))
    items = {item.anchor: item for item in book.items}
    for day in data["days"]:
        for session in day["sessions"]:
            for item in session["items"]:
                source = items[item["anchor"]]
                item["language"] = _safe_lang(source.language)
                item["font"] = fonts.css(chain.families(_texts(source), item["language"]))
    for day in data["days"]:
        for session in day["sessions"]:
            session["kind"] = KINDS.get(session["kind"], session["kind"])
    for entry, listed in zip(data["index"], book.index, strict=True):
        entry["font"] = fonts.css(chain.families(entry["name"], "en"))
        if pages is not None:
            entry["pages"] = [asdict(p) for p in index_pages(listed.anchors, pages)]
    heads = " ".join([book.title, book.subtitle] + [s.title + s.room for d in book.days for s in d.sessions])
    return {"book": data, "font": fonts.css(chain.families(heads, "en")), "page_lang": book.language}


def _safe_lang(lang: str) -> str:
    cleaned = "".join(c for c in lang if c.isalnum() or c == "-")[:35]
    return cleaned or "en"
