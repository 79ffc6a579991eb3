"""The font fallback chain of badges and documents, chosen from what the installed fonts cover.

No list of scripts: ``services.common.printable.FontIndex`` knows every installed family's
coverage (fontconfig's charsets, read once per process) and picks, for the characters of a badge
or a document, Noto Sans and then the preferred family for each character it lacks (Noto Sans
Khmer, Noto Sans Sinhala, Noto Color Emoji, …); the language picks the CJK face (ja, ko,
zh-Hans, zh-Hant). The CJK cuts (``adapters/cjk.py``) go before their full collections.
"""

from __future__ import annotations

import functools
import logging

from services.common.printable import FontIndex, font_index

log = logging.getLogger("congress.badges.fonts")


class FontChain:
    """The ``font-family`` list for a text: what covers it, CJK by language, cut CJK fonts first."""

    def __init__(self, index: FontIndex | None = None) -> None:
        self.index = index or font_index()
        if not self.index.families:
            log.error("fontconfig lists no fonts: every text will print as transliteration")
        self.families = functools.lru_cache(maxsize=4096)(self._families)

    @functools.cached_property
    def pickable(self) -> frozenset[str]:
        """Every family a chain can name (``FontIndex.pickable``): the faces Pango needs to know."""
        return self.index.pickable()

    def _families(self, text: str, lang: str = "en", cut: tuple[tuple[str, str], ...] = ()) -> tuple[str, ...]:
        """``cut`` pairs a CJK family with its cut (``adapters/cjk.py``), placed before it."""
        cuts = dict(cut)
        out: list[str] = []
        for family in self.index.families_for(text, lang):
            if family in cuts:
                out.append(cuts[family])
            out.append(family)
        return tuple(out)


def css(families: tuple[str, ...] | list[str]) -> str:
    """A CSS ``font-family`` value for ``families`` (quoted), ending in the generic ``sans-serif``."""
    return ", ".join(f'"{f}"' for f in _safe(families)) + ", sans-serif"


def pango(families: tuple[str, ...] | list[str]) -> str:
    """The family list WeasyPrint hands Pango for ``css(families)``: the same names, comma-separated."""
    return ",".join([*_safe(families), "sans-serif"])


def _safe(families: tuple[str, ...] | list[str]) -> list[str]:
    return [f for f in families if f.isprintable() and not set(f) & set('"\\;{}<>')]


def harfbuzz_subset_available() -> bool:
    """Whether WeasyPrint found libharfbuzz-subset (else it subsets fonts with fontTools, ~6× slower).

    WeasyPrint 70 dlopens it in ``weasyprint.text.ffi`` as ``harfbuzz_subset`` (None when
    missing) and uses it only if HarfBuzz itself is ≥ 4.1.0.
    """
    from weasyprint.text import ffi  # heavy: imported only to check

    return ffi.harfbuzz_subset is not None and bool(ffi.harfbuzz.hb_version_atleast(4, 1, 0))


def check_harfbuzz_subset() -> bool:
    ok = harfbuzz_subset_available()
    if not ok:
        log.error(
            "libharfbuzz-subset0 NOT available: WeasyPrint falls back to fontTools subsetting, "
            "about 6x slower; install Debian's libharfbuzz-subset0"
        )
    return ok
