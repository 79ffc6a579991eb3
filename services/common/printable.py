"""What the installed fonts can print, and the printable form of a text when they cannot print all of it.

Every document (badges, invoices, receipts, visa letters, certificates) and the registration form's
warning ask the same question: which characters of this text has *no installed font*? The answer
comes from fontconfig, which already keeps every font's coverage (its charset) in its cache:
one ``fc-list`` call per process lists every family with the code points it covers (~0.1 s),
kept in a ``FontIndex``. The same index chooses the fallback chain (``FontIndex.families_for``),
so any script with a font installed prints — nothing is a hand-written list of scripts.

A text with characters no font has still prints (``printable``): each grapheme cluster that
cannot be drawn is replaced by its transliteration (``anyascii``), or dropped when there is none,
and the caller learns which characters were replaced, to tell an organiser.
"""

from __future__ import annotations

import bisect
import functools
import logging
import shutil
import subprocess
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from anyascii import anyascii

log = logging.getLogger("congress.printable")

BASE_FAMILY = "Noto Sans"
EMOJI_FAMILY = "Noto Color Emoji"
CJK_BY_LANG: Mapping[str, str] = {
    "ja": "Noto Sans CJK JP",
    "zh": "Noto Sans CJK SC",
    "zh-hans": "Noto Sans CJK SC",
    "zh-cn": "Noto Sans CJK SC",
    "zh-sg": "Noto Sans CJK SC",
    "zh-hant": "Noto Sans CJK TC",
    "zh-tw": "Noto Sans CJK TC",
    "zh-hk": "Noto Sans CJK HK",
    "zh-mo": "Noto Sans CJK HK",
    "ko": "Noto Sans CJK KR",
}
"""Han characters differ in Japan, Korea, Simplified and Traditional Chinese: the language picks the face."""

_NEEDS_NO_GLYPH = frozenset("\u200b\u200c\u200d\u2060\ufeff\u00ad\u034f\u180e")


def needs_glyph(char: str) -> bool:
    """Whether a character is drawn (spaces, joiners and variation selectors are not looked up in a font)."""
    code = ord(char)
    if char.isspace() or char in _NEEDS_NO_GLYPH or 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF:
        return False
    return unicodedata.category(char) not in ("Cc", "Cf", "Zs", "Zl", "Zp")


def cjk_family(lang: str, text: str = "") -> str:
    """The CJK face for a language (``ja``, ``ko``, ``zh-Hans``, ``zh-Hant``, ``zh-TW`` …), else from the text."""
    tag = lang.lower().replace("_", "-")
    parts = tag.split("-")
    for key in (tag, "-".join(parts[:2]), parts[0]):
        if key in CJK_BY_LANG:
            return CJK_BY_LANG[key]
    if any(0xAC00 <= ord(c) <= 0xD7AF or 0x1100 <= ord(c) <= 0x11FF for c in text):
        return CJK_BY_LANG["ko"]
    if any(0x3040 <= ord(c) <= 0x30FF for c in text):
        return CJK_BY_LANG["ja"]
    return CJK_BY_LANG["ja"]  # as before issue 17: ideographs alone, with no CJK language, print in Japanese forms


def _tier(family: str) -> int:
    """How much a family is preferred for a character several families have (lower first)."""
    if family == BASE_FAMILY:
        return 0
    if family.startswith("Noto Sans ") and not family.endswith((" UI", " Mono")) and "Display" not in family:
        return 1 if " Mono " not in family else 3
    if family == EMOJI_FAMILY:
        return 2
    if family.startswith("Noto Sans"):
        return 3
    if family.startswith("Noto "):
        return 4
    return 5


@dataclass(frozen=True)
class Ranges:
    """A font's coverage as sorted, disjoint code point ranges (fontconfig's charset)."""

    starts: tuple[int, ...]
    ends: tuple[int, ...]

    @classmethod
    def parse(cls, charset: str) -> Ranges:
        pairs = []
        for part in charset.split():
            first, _, last = part.partition("-")
            pairs.append((int(first, 16), int(last or first, 16)))
        pairs.sort()
        return cls(tuple(p[0] for p in pairs), tuple(p[1] for p in pairs))

    def pairs(self) -> Iterable[tuple[int, int]]:
        return zip(self.starts, self.ends, strict=True)

    def __contains__(self, code: object) -> bool:
        if not isinstance(code, int):
            return False
        i = bisect.bisect_right(self.starts, code) - 1
        return i >= 0 and code <= self.ends[i]


def _fc_list() -> str:
    tool = shutil.which("fc-list")
    if tool is None:
        log.error("fontconfig's fc-list is not installed: no font coverage is known, every text counts as unprintable")
        return ""
    form = "%{family[0]}\t%{style[0]}\t%{charset}\t%{slant}\t%{width}\n"
    # fontconfig's own tool, found on PATH; the arguments are constants
    return subprocess.run([tool, "--format", form], capture_output=True, text=True, check=False).stdout  # noqa: S603


class FontIndex:
    """Every installed font family and what it covers, read once from fontconfig's cache."""

    def __init__(self, listing: str) -> None:
        faces: dict[str, tuple[bool, str]] = {}
        upright: set[str] = set()
        for line in listing.splitlines():
            family, style, charset, slant, width = [*line.split("\t"), "", "", "", ""][:5]
            if not family or not charset:
                continue
            if slant in ("", "0") and width in ("", "100"):
                upright.add(family)
            regular = style in ("Regular", "Book", "Normal")
            if family not in faces or (regular and not faces[family][0]):
                faces[family] = (regular, charset)
        ordered = sorted(faces, key=lambda f: (_tier(f), len(f), f))
        self.families: tuple[str, ...] = tuple(ordered)
        self._ranges = {family: Ranges.parse(faces[family][1]) for family in ordered}
        self.upright = frozenset(upright & set(ordered))
        """Families with a roman face of normal width (the only faces badges and documents ask for)."""

    @classmethod
    def installed(cls) -> FontIndex:
        return cls(_fc_list())

    def covers(self, family: str, char: str) -> bool:
        ranges = self._ranges.get(family)
        return ranges is not None and ord(char) in ranges

    @functools.lru_cache(maxsize=65536)  # noqa: B019 - one index per process, kept for its life
    def _candidates(self, char: str) -> tuple[str, ...]:
        code = ord(char)
        return tuple(f for f in self.families if code in self._ranges[f])

    def printable(self, char: str) -> bool:
        return not needs_glyph(char) or bool(self._candidates(char))

    def missing(self, text: str) -> str:
        """The characters of ``text`` that no installed font has (each once, in order)."""
        return "".join(c for c in dict.fromkeys(text) if not self.printable(c))

    def pickable(self) -> frozenset[str]:
        """Every family ``families_for`` can put in a chain, whatever the text and language.

        The base family, the CJK faces, and each family that covers a character no family of a
        preferred tier covers (``families_for`` takes a character's font from its best tier only).
        Computed on ranges, not code points (~ms for ~1,500 families).
        """
        out = {f for f in (BASE_FAMILY, *CJK_BY_LANG.values()) if f in self._ranges}
        better: list[tuple[int, int]] = []  # merged ranges covered by the tiers already seen
        for tier in sorted({_tier(f) for f in self.families}):
            members = [f for f in self.families if _tier(f) == tier]
            out.update(f for f in members if _outside(self._ranges[f], better))
            better = _merge([*better, *(r for f in members for r in self._ranges[f].pairs())])
        return frozenset(out)

    def families_for(self, text: str, lang: str = "en") -> list[str]:
        """The fallback chain for ``text``: the base family, then for each character it lacks the preferred
        family that has it (Noto Sans <script> before UI, serif and other faces; among equals the one that
        covers most of what is still uncovered), CJK by the language (``cjk_family``)."""
        chain = [BASE_FAMILY] if BASE_FAMILY in self._ranges else []
        cjk = cjk_family(lang, text)
        todo = [c for c in dict.fromkeys(text) if needs_glyph(c)]
        for char in todo:
            if any(self.covers(f, char) for f in chain):
                continue
            options = self._candidates(char)
            if not options:
                continue
            if cjk in options:
                chain.append(cjk)
                continue
            best = min(options, key=lambda f: (_tier(f), -sum(self.covers(f, c) for c in todo), len(f)))
            chain.append(best)
        return chain


def _merge(ranges: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted, disjoint, inclusive ranges covering exactly ``ranges``."""
    merged: list[tuple[int, int]] = []
    for first, last in sorted(ranges):
        if merged and first <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return merged


def _outside(ranges: Ranges, covered: list[tuple[int, int]]) -> bool:
    """Whether ``ranges`` hold a code point outside ``covered`` (merged: disjoint, with gaps between)."""
    starts = [c[0] for c in covered]
    for first, last in zip(ranges.starts, ranges.ends, strict=True):
        i = bisect.bisect_right(starts, first) - 1
        if i < 0 or covered[i][1] < last:  # no one covered range holds [first, last]: a gap is inside
            return True
    return False


@functools.cache
def font_index() -> FontIndex:
    """The process's index of installed fonts (fontconfig is read once)."""
    return FontIndex.installed()


@dataclass(frozen=True)
class Printed:
    """A text as it can be printed: ``text`` is what goes on paper, ``missing`` what could not be drawn."""

    original: str
    text: str
    missing: str

    @property
    def replaced(self) -> bool:
        return bool(self.missing)


def clusters(text: str) -> Iterable[str]:
    """Approximate grapheme clusters: a character with the marks, joiners and selectors that follow it."""
    cluster = ""
    for char in text:
        joined = cluster.endswith("\u200d")
        attaches = unicodedata.category(char) in ("Mn", "Mc", "Me") or 0xFE00 <= ord(char) <= 0xFE0F
        if cluster and (joined or attaches or char == "\u200d" or 0x1F3FB <= ord(char) <= 0x1F3FF):
            cluster += char
        else:
            if cluster:
                yield cluster
            cluster = char
    if cluster:
        yield cluster


def printable(text: str, index: FontIndex | None = None, *, fallback: str = "") -> Printed:
    """``text`` with every cluster no font can draw replaced by its transliteration (or dropped).

    When nothing printable is left, ``fallback`` (a form of the name the delegate gave) is printed instead.
    """
    index = index or font_index()
    missing = index.missing(text)
    if not missing:
        return Printed(text, text, "")
    out: list[str] = []
    for cluster in clusters(text):
        if any(c in missing for c in cluster):
            latin = anyascii(cluster).strip()
            out.append(latin if latin and not index.missing(latin) else "")
        else:
            out.append(cluster)
    lines = (" ".join(line.split()) for line in "".join(out).split("\n"))
    shown = "\n".join(lines).strip("\n")  # spaces closed up, line breaks (an address's) kept
    if not shown.strip(" -·.,") and fallback:
        shown = printable(fallback, index).text
    return Printed(text, shown, missing)


def code_points(missing: str, limit: int = 10) -> list[str]:
    """``["U+11F04 KAWI LETTER A", …]`` for an organiser's alert (at most ``limit``)."""
    return [f"U+{ord(c):04X} {unicodedata.name(c, '(unassigned)')}" for c in missing[:limit]]


def describe(missing: str, limit: int = 10) -> str:
    """``U+11F04 KAWI LETTER A, …`` for a message."""
    return ", ".join(code_points(missing, limit))


def print_warning(text: str) -> str:
    """For a form: the characters of ``text`` no installed font has, described, or "" when it all prints."""
    missing = font_index().missing(text)
    return describe(missing, limit=5) if missing else ""
