"""Finding and ordering delegates: accent-, case- and width-folded keys, Cyrillic and Greek by Latin letters.

Standard library only. The station's search and the print sheets' order both come from here.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

_LATIN_EXTRA = str.maketrans(
    {
        "ø": "o",
        "ł": "l",
        "đ": "d",
        "ð": "d",
        "þ": "th",
        "æ": "ae",
        "œ": "oe",
        "ı": "i",
        "ŋ": "n",
        "ħ": "h",
        "ß": "ss",
        "ʼ": "",
        "’": "",
        "'": "",
    }
)
_CYRILLIC = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґ",
        [
            "a",
            "b",
            "v",
            "g",
            "d",
            "e",
            "e",
            "zh",
            "z",
            "i",
            "i",
            "k",
            "l",
            "m",
            "n",
            "o",
            "p",
            "r",
            "s",
            "t",
            "u",
            "f",
            "kh",
            "ts",
            "ch",
            "sh",
            "shch",
            "",
            "y",
            "",
            "e",
            "yu",
            "ya",
            "i",
            "i",
            "ye",
            "g",
        ],
        strict=True,
    )
)
_GREEK = dict(
    zip(
        "αβγδεζηθικλμνξοπρσςτυφχψω",
        [
            "a",
            "v",
            "g",
            "d",
            "e",
            "z",
            "i",
            "th",
            "i",
            "k",
            "l",
            "m",
            "n",
            "x",
            "o",
            "p",
            "r",
            "s",
            "s",
            "t",
            "y",
            "f",
            "ch",
            "ps",
            "o",
        ],
        strict=True,
    )
)
_TRANSLIT = str.maketrans({**_CYRILLIC, **_GREEK})


def fold(text: str) -> str:
    """Case-, accent- and width-insensitive key: 'Müller' → 'muller', 'ＡＢＣ' → 'abc'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.translate(_LATIN_EXTRA).split())


def fold_latin(text: str) -> str:
    """``fold`` plus Cyrillic and Greek transliterated: 'Иванов' → 'ivanov', 'Παπαδόπουλος' → 'papadopoulos'."""
    return _latin(fold(text))


def _latin(folded: str) -> str:
    """A ``fold``-ed text with Cyrillic and Greek transliterated (``fold_latin`` without folding again)."""
    return folded.replace("ου", "ou").translate(_TRANSLIT)


def search_keys(*fields: str) -> str:
    """What the station's search matches against: folded and transliterated forms of every field."""
    forms: set[str] = set()
    for folded in (fold(f) for f in fields if f):
        forms |= {folded, _latin(folded)}
    return " | ".join(sorted(forms))


def matches(query: str, keys: str) -> bool:
    """Every word of the query occurs in the keys (in any order)."""
    folded = fold(query)
    return all(w in keys for w in folded.split()) or all(w in keys for w in _latin(folded).split())


SORT_FIELDS = ("surname", "given_name", "country", "affiliation", "registration_number")


@dataclass(frozen=True)
class SortablePerson:
    delegate_id: str
    given_name: str
    family_name: str
    country: str
    affiliation: str
    registration_number: str


def sort_key(person: SortablePerson, by: str = "surname") -> tuple[str, ...]:
    """Order for print sheets: the chosen field, then surname, given name, id (stable and total)."""
    primary = {
        "surname": person.family_name,
        "given_name": person.given_name,
        "country": person.country,
        "affiliation": person.affiliation,
        "registration_number": person.registration_number,
    }.get(by)
    if primary is None:
        raise ValueError(f"cannot sort by {by!r}; choose one of {', '.join(SORT_FIELDS)}")
    return (
        fold_latin(primary),
        fold_latin(person.family_name),
        fold_latin(person.given_name),
        person.delegate_id,
    )
