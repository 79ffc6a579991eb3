"""Countries by ISO 3166-1 alpha-2 code, named in a page's language from CLDR (Babel's ``Locale.territories``).

A form shows ``country_names("fr")`` as a ``<select>`` (``("DE", "Allemagne")``, sorted as a
reader of the language expects, accents aside); the server accepts only ``is_country(code)``.
CLDR's regions that are not countries (``EU``, ``UN``, ``ZZ``, pseudo-locales) and its
exceptionally reserved codes (``IC``, ``EA``, …) are left out; Kosovo's ``XK`` stays, as
passports and visa letters use it.
"""

from __future__ import annotations

import functools
import unicodedata
from typing import Final

from babel import Locale, UnknownLocaleError

NOT_COUNTRIES: Final = frozenset({"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ", "AC", "CP", "CQ", "DG", "EA", "IC", "TA"})


def _codes() -> frozenset[str]:
    codes = {str(key) for key in Locale.parse("en").territories}
    return frozenset(k for k in codes if len(k) == 2 and k.isascii() and k.isalpha() and k not in NOT_COUNTRIES)


COUNTRY_CODES: Final = _codes()


def is_country(code: str) -> bool:
    """Whether ``code`` is a country's ISO 3166-1 alpha-2 code (upper case)."""
    return code in COUNTRY_CODES


def _sort_key(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@functools.cache
def country_names(language: str) -> tuple[tuple[str, str], ...]:
    """Every country as (code, name in ``language``), sorted by name; English names for an unknown language."""
    try:
        locale = Locale.parse(language.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        locale = Locale.parse("en")
    names = locale.territories
    fallback = Locale.parse("en").territories
    pairs = [(code, str(names.get(code) or fallback[code])) for code in COUNTRY_CODES]
    return tuple(sorted(pairs, key=lambda pair: _sort_key(pair[1])))
