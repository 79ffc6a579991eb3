"""Search keys for the organisers' lists: text folded so that case and accents do not matter.

SQLite's ``lower()`` folds ASCII letters only and PostgreSQL's depends on its collation, so the
folding happens here, once, in Python: registration keeps each registration's key in a column of its
own and folds the organiser's words the same way before it matches them (``LIKE``); abstracts folds
its (smaller) table in memory. Folding:
compatibility forms (full-width Latin, ligatures) become plain letters, accents and other combining
marks on alphabetic scripts (Latin, Greek, Cyrillic, Armenian, Hebrew, Arabic points) go,
everything is case-folded (``ß`` → ``ss``). Marks that change a letter of a syllabic or ideographic
script (Japanese voicing marks, Hangul) are kept: there ``が`` is not ``か``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

ALPHABETIC_BELOW = 0x0800
"""Combining marks are dropped after base characters below this code point (alphabetic scripts)."""
SEPARATOR = " \u2502 "
"""Between the fields of a key, so that a word does not match across two fields."""


def fold(text: str) -> str:
    """``text`` folded for matching: compatibility-decomposed, accents of alphabets dropped, case-folded."""
    kept: list[str] = []
    base = 0
    for char in unicodedata.normalize("NFKD", text):
        if unicodedata.category(char) == "Mn":
            if base < ALPHABETIC_BELOW:
                continue
        else:
            base = ord(char)
        kept.append(char)
    return unicodedata.normalize("NFC", "".join(kept)).casefold()


def search_key(fields: Iterable[str | None]) -> str:
    """One record's key: its searchable fields folded and joined."""
    return SEPARATOR.join(fold(f) for f in fields if f)


def words(query: str) -> list[str]:
    """The organiser's query as folded words; a record must contain every one of them."""
    return [w for w in fold(query).split() if w and w != SEPARATOR.strip()]
