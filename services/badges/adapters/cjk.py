"""Small CJK fonts cut once per renderer, so no badge makes WeasyPrint subset a 20 MB collection.

Noto Sans CJK is one 20 MB OpenType collection per weight with ~65,000 glyphs. WeasyPrint
copies the whole face and subsets it (keeping glyph ids) for every PDF that uses it, which
made a CJK badge cost 80–140 ms. ``CjkSubsets`` cuts each CJK family (Regular and Bold) once
to the characters names are likely to use — kana, CJK punctuation and full-width forms, the
Hangul syllables of KS X 1001, and the characters of the names the caller knows of (the
congress's delegates in the replica when the service starts) —
with HarfBuzz's subsetter, writes them to a cache directory and offers them to WeasyPrint as
``@font-face`` families that come *before* the full collections in the font chain. A rarer
character simply falls through to the full collection: still drawn, only slower.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import os
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cffi  # type: ignore[import-untyped]  # no stubs; WeasyPrint's own binding is cffi too

log = logging.getLogger("congress.badges.cjk")

_FFI = cffi.FFI()
_FFI.cdef(
    """
    typedef struct hb_blob_t hb_blob_t;
    typedef struct hb_face_t hb_face_t;
    typedef struct hb_set_t hb_set_t;
    typedef struct hb_subset_input_t hb_subset_input_t;
    hb_blob_t *hb_blob_create_from_file (const char *file_name);
    void hb_blob_destroy (hb_blob_t *blob);
    const char *hb_blob_get_data (hb_blob_t *blob, unsigned int *length);
    hb_face_t *hb_face_create (hb_blob_t *blob, unsigned int index);
    void hb_face_destroy (hb_face_t *face);
    hb_blob_t *hb_face_reference_blob (hb_face_t *face);
    void hb_set_add (hb_set_t *set, uint32_t codepoint);
    hb_subset_input_t *hb_subset_input_create_or_fail (void);
    void hb_subset_input_destroy (hb_subset_input_t *input);
    hb_set_t *hb_subset_input_set (hb_subset_input_t *input, int set_type);
    void hb_subset_input_set_flags (hb_subset_input_t *input, unsigned int value);
    hb_face_t *hb_subset_or_fail (hb_face_t *source, const hb_subset_input_t *input);
    """
)
_SETS_UNICODE = 1
_SETS_DROP_TABLE_TAG = 3
_FLAGS_NO_HINTING = 0x1
_FLAGS_DESUBROUTINIZE = 0x4


@functools.cache
def _lib() -> Any:
    return _FFI.dlopen("libharfbuzz-subset.so.0")


def _tag(name: str) -> int:
    a, b, c, d = name.encode()
    return (a << 24) | (b << 16) | (c << 8) | d


def subset_font(path: Path, index: int, codepoints: Iterable[int]) -> bytes:
    """A standalone OpenType font with only ``codepoints`` (and what their shaping needs)."""
    hb = _lib()
    blob = hb.hb_blob_create_from_file(str(path).encode())
    face = hb.hb_face_create(blob, index)
    hb_input = hb.hb_subset_input_create_or_fail()
    try:
        unicodes = hb.hb_subset_input_set(hb_input, _SETS_UNICODE)
        for code in sorted(set(codepoints)):
            hb.hb_set_add(unicodes, code)
        drop = hb.hb_subset_input_set(hb_input, _SETS_DROP_TABLE_TAG)
        for table in ("BASE", "DSIG", "JSTF", "LTSH", "PCLT", "SVG ", "VORG", "vhea", "vmtx"):
            hb.hb_set_add(drop, _tag(table))
        hb.hb_subset_input_set_flags(hb_input, _FLAGS_NO_HINTING | _FLAGS_DESUBROUTINIZE)
        result = hb.hb_subset_or_fail(face, hb_input)
        if result == _FFI.NULL:
            raise RuntimeError(f"HarfBuzz could not subset {path}#{index}")
        out = hb.hb_face_reference_blob(result)
        length = _FFI.new("unsigned int *")
        data = _FFI.buffer(hb.hb_blob_get_data(out, length), length[0])[:]
        hb.hb_blob_destroy(out)
        hb.hb_face_destroy(result)
        return bytes(data)
    finally:
        hb.hb_subset_input_destroy(hb_input)
        hb.hb_face_destroy(face)
        hb.hb_blob_destroy(blob)


def _codec_chars(codec: str, lead: range, trail: range) -> set[int]:
    chars: set[int] = set()
    for a in lead:
        for b in trail:
            try:
                text = bytes((a, b)).decode(codec)
            except UnicodeDecodeError:
                continue
            chars.update(ord(c) for c in text)
    return chars


COMMON = (*range(0x20, 0x7F), *range(0xA0, 0xC0), 0xD7, 0xF7, *range(0x2000, 0x2070))
"""Spaces, digits and punctuation. Script-neutral characters join the run of the ideograph before them, so
Pango shapes the space in "伟 Anna" with the CJK font: without them in the cut, HarfBuzz drew a stand-in
glyph for the missing space (U+303F's box)."""


@functools.cache
def name_characters(lang: str) -> frozenset[int]:
    """What every cut of ``lang`` holds: spaces, digits and punctuation (``COMMON``), CJK punctuation,
    kana, full-width forms, and for Korean
    the 2,350 Hangul syllables of KS X 1001. Ideographs come from the names the caller knows of
    (measured: a cut with the 3,000–7,000 ideographs of a national set is 1.5–3.7 MB and makes a
    CJK badge ~10–20 ms slower than a cut of the congress's own names)."""
    base = {*range(0x3000, 0x3100), *range(0x31F0, 0x3200), *range(0xFF00, 0xFFF0), *COMMON}
    if lang == "ko":
        base |= {c for c in _codec_chars("euc_kr", range(0xB0, 0xC9), range(0xA1, 0xFF)) if c > 0x2FFF}
    return frozenset(base)


@dataclass(frozen=True)
class CutFont:
    family: str
    """The ``@font-face`` family name, e.g. "Noto Sans CJK JP Names"."""
    source_family: str
    weight: str
    path: Path


def _face(family: str, style: str) -> tuple[Path, int] | None:
    command = ["fc-match", "-f", "%{file}\n%{index}\n%{family}", f"{family}:style={style}"]
    # fontconfig's own tool from PATH, as Debian installs it; the arguments are our constants
    out = subprocess.run(command, capture_output=True, text=True, check=False).stdout.split("\n")  # noqa: S603
    if len(out) < 3 or family not in out[2].split(","):
        return None
    return Path(out[0]), int(out[1] or 0)


def cut_family(source_family: str, lang: str, extra: Iterable[int], cache_dir: Path) -> list[CutFont]:
    """Regular and Bold of ``source_family`` cut to ``lang``'s name characters plus ``extra``."""
    codes = name_characters(lang) | frozenset(extra)
    digest = hashlib.sha256(",".join(map(str, sorted(codes))).encode()).hexdigest()[:16]
    family = f"{source_family} Names"
    cut: list[CutFont] = []
    for style, weight in (("Regular", "normal"), ("Bold", "bold")):
        face = _face(source_family, style)
        if face is None:
            continue
        path, index = face
        target = cache_dir / f"{family.replace(' ', '-')}-{style}-{path.stat().st_mtime_ns}-{digest}.otf"
        if target.exists():
            os.utime(target)  # in use again: not one of the old cuts ``_prune`` removes
        else:
            data = subset_font(path, index, codes)
            cache_dir.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=cache_dir, delete=False) as tmp:
                tmp.write(data)
            os.replace(tmp.name, target)  # atomic: two workers may cut the same font
            log.info("cut %s %s to %d characters: %d KB", source_family, style, len(codes), len(data) // 1024)
            _prune(cache_dir, target.name.rsplit("-", 2)[0])
        cut.append(CutFont(family, source_family, weight, target))
    return cut


KEEP_CUTS = 6
KEEP_SECONDS = 600
"""A cut younger than this is never removed: another worker may have made it and not yet loaded it."""


def _prune(cache_dir: Path, prefix: str) -> None:
    """Keep the newest ``KEEP_CUTS`` cuts of one family and style (each start or late cut makes one), and any
    cut made or used in the last ``KEEP_SECONDS``."""
    cuts = sorted(cache_dir.glob(f"{prefix}-*.otf"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in cuts[KEEP_CUTS:]:
        with contextlib.suppress(FileNotFoundError):  # another worker pruned it first
            if time.time() - old.stat().st_mtime > KEEP_SECONDS:
                old.unlink()


CUT_FAMILIES = (
    ("ja", "Noto Sans CJK JP"),
    ("zh", "Noto Sans CJK SC"),
    ("zh-hant", "Noto Sans CJK TC"),
    ("ko", "Noto Sans CJK KR"),
)


def cut_all(extra: Iterable[int], cache_dir: Path) -> list[CutFont]:
    """Every CJK family cut to its language's characters plus ``extra`` (a family that fails is left out, loudly)."""
    chars = frozenset(extra)
    out: list[CutFont] = []
    for lang, family in CUT_FAMILIES:
        try:
            out += cut_family(family, lang, chars, cache_dir)
        except (OSError, RuntimeError) as exc:  # the full collections still draw everything
            log.error("could not cut %s (%r); CJK badges will be slower", family, exc)
    return out


def is_cjk(char: str) -> bool:
    return ord(char) > 0x2FFF


class LateNames:
    """Cuts the fonts again, in a background thread, when names arrive with characters the cut lacks.

    The workers cut the CJK fonts at start to the names then known. A name registered later whose
    ideographs are not in the cut still prints, from the full 20 MB collection, but costs ~50 ms
    instead of ~15. ``note`` gathers such characters; at most every ``interval`` seconds a thread cuts
    all families again with them (HarfBuzz runs without the GIL, ~2 s for the eight fonts), and
    ``take`` hands the new cut to the renderer between two renders. No badge waits for a cut.
    """

    def __init__(self, extra: Iterable[int], cache_dir: Path, *, interval: float = 60.0) -> None:
        self.cache_dir = cache_dir
        self.interval = interval
        """Seconds at least between two cuts; ``inf``: never cut again."""
        self.extra = frozenset(extra)
        """The characters the current cut was made for, beyond each language's own set."""
        self.known = self.extra.union(*(name_characters(lang) for lang, _ in CUT_FAMILIES))
        self.missing: set[int] = set()
        self._thread: threading.Thread | None = None
        self._done: tuple[frozenset[int], list[CutFont]] | None = None
        self._lock = threading.Lock()
        self._last_start = -float("inf")

    def note(self, text: str) -> None:
        new = {ord(c) for c in text if is_cjk(c)} - self.known
        if new:
            self.missing |= new
            self._maybe_start()

    def take(self) -> list[CutFont] | None:
        """The new cut, once when it is ready; otherwise None."""
        with self._lock:
            done, self._done = self._done, None
        if done is None:
            self._maybe_start()
            return None
        chars, fonts = done
        self._thread = None
        self.extra = chars
        self.known = self.known | chars
        self.missing -= chars
        return fonts

    def wait(self, timeout: float = 60.0) -> None:
        """Block until a running cut is finished (tests)."""
        if self._thread is not None:
            self._thread.join(timeout)

    def _maybe_start(self) -> None:
        if self._thread is not None or not self.missing or self.interval == float("inf"):
            return
        if time.monotonic() - self._last_start < self.interval:
            return
        chars = self.extra | self.missing
        self._last_start = time.monotonic()
        # not a daemon: a cut still running at exit finishes instead of dying inside HarfBuzz (a segfault)
        self._thread = threading.Thread(target=self._cut, args=(chars,), name="cjk-cut", daemon=False)
        self._thread.start()
        log.info("cutting the CJK fonts again for %d new character(s)", len(self.missing))

    def _cut(self, chars: frozenset[int]) -> None:
        fonts = cut_all(chars, self.cache_dir)
        with self._lock:
            self._done = (chars, fonts)
