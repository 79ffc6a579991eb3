"""The font fallback chain and a check that every character of a name has a glyph in it.

The chain is Debian's Noto families. ``FontCoverage`` reads each family's cmap once
(fontTools, files found with fontconfig's ``fc-match``) and answers "which of these
characters can no font draw?" — so a name that would print as tofu boxes is refused
loudly before rendering.
"""

from __future__ import annotations

import functools
import logging
import subprocess
import unicodedata
from pathlib import Path

from fontTools.ttLib import TTCollection, TTFont

log = logging.getLogger("congress.badges.fonts")

LATIN = "Noto Sans"
SCRIPT_FAMILIES = (
    "Noto Sans Arabic",
    "Noto Sans Hebrew",
    "Noto Sans Devanagari",
    "Noto Sans Bengali",
    "Noto Sans Tamil",
    "Noto Sans Thai",
    "Noto Sans Georgian",
    "Noto Sans Armenian",
    "Noto Sans Ethiopic",
)
CJK_BY_LANG = {
    "ja": "Noto Sans CJK JP",
    "zh": "Noto Sans CJK SC",
    "zh-hant": "Noto Sans CJK TC",
    "zh-tw": "Noto Sans CJK TC",
    "zh-hk": "Noto Sans CJK HK",
    "ko": "Noto Sans CJK KR",
}
CJK_DEFAULT = "Noto Sans CJK JP"
SYMBOLS = ("Noto Sans Symbols", "Noto Sans Symbols2", "DejaVu Sans")
CHAIN = (LATIN, *SCRIPT_FAMILIES, CJK_DEFAULT, *SYMBOLS)


class UnrenderableText(ValueError):
    """Some characters of a name have no glyph in any font of the chain: refuse rather than print boxes."""

    def __init__(self, field: str, missing: str) -> None:
        names = ", ".join(f"U+{ord(c):04X} {unicodedata.name(c, '?')}" for c in missing[:10])
        super().__init__(f"{field} cannot be rendered: no installed font has {names}")
        self.field = field
        self.missing = missing

    def __reduce__(self) -> tuple[type[UnrenderableText], tuple[str, str]]:
        return (
            UnrenderableText,
            (self.field, self.missing),
        )  # crosses the process pool intact


def cjk_family(lang: str) -> str:
    """The CJK family whose glyph forms suit the delegate's language (ja, zh, zh-Hant, ko)."""
    tag = lang.lower()
    return CJK_BY_LANG.get(tag) or CJK_BY_LANG.get(tag.split("-")[0]) or CJK_DEFAULT


def css_chain(lang: str = "en", cut: dict[str, str] | None = None) -> str:
    """The CSS ``font-family`` value: Latin first, the other scripts, then the language's CJK forms.

    ``cut`` maps a CJK family to its small cut (``adapters/cjk.py``), tried before the full collection.
    """
    cjk = cjk_family(lang)
    families = (
        LATIN,
        *SCRIPT_FAMILIES,
        *([cut[cjk]] if cut and cjk in cut else []),
        cjk,
        *(f for f in CJK_BY_LANG.values() if f != cjk),
        *SYMBOLS,
    )
    return ", ".join(f'"{f}"' for f in dict.fromkeys(families)) + ", sans-serif"


def font_file(family: str) -> Path | None:
    """The file fontconfig gives for ``family`` Regular, or None if it substitutes another family."""
    command = ["fc-match", "-f", "%{file}\n%{family}", f"{family}:style=Regular"]
    # fontconfig's own tool from PATH, as Debian installs it; the arguments are our constants
    out = subprocess.run(command, capture_output=True, text=True, check=False).stdout.split("\n")  # noqa: S603
    if len(out) < 2 or family not in out[1].split(","):
        return None
    return Path(out[0])


def _cmap(path: Path) -> frozenset[int]:
    if path.suffix.lower() in (".ttc", ".otc"):
        fonts = TTCollection(str(path), lazy=True).fonts[:1]
    else:
        fonts = [TTFont(str(path), lazy=True, fontNumber=0)]
    codes: set[int] = set()
    for font in fonts:
        codes.update(font.getBestCmap() or {})
    return frozenset(codes)


class FontCoverage:
    """Which characters the chain can draw; built once per process (a few hundred ms)."""

    def __init__(self, families: tuple[str, ...] = CHAIN) -> None:
        self.missing_families: list[str] = []
        codes: set[int] = set()
        for family in families:
            path = font_file(family)
            if path is None:
                self.missing_families.append(family)
                continue
            codes |= _cmap(path)
        self.codes = frozenset(codes)
        if self.missing_families:
            log.warning("fonts missing from the chain: %s", ", ".join(self.missing_families))

    def missing(self, text: str) -> str:
        """Characters of ``text`` no font draws (spaces and invisible format characters need none)."""
        gone = []
        for char in dict.fromkeys(text):
            if char.isspace() or unicodedata.category(char) == "Cf" or 0xFE00 <= ord(char) <= 0xFE0F:
                continue
            if ord(char) not in self.codes:
                gone.append(char)
        return "".join(gone)

    def check(self, field: str, text: str) -> None:
        gone = self.missing(text)
        if gone:
            raise UnrenderableText(field, gone)


@functools.cache
def coverage() -> FontCoverage:
    return FontCoverage()


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
