"""Font subsetting for WeasyPrint's PDF writer from faces HarfBuzz has prepared once per process.

Every badge is its own PDF, so WeasyPrint subsets each of its fonts for each badge (Noto Sans
regular and bold, and the face of the name's script). It calls ``hb_subset_or_fail`` twice on the
raw face: once keeping the used glyphs under their own ids, then again over every id up to the
last one (a Python tuple and cffi array as long as that id) to drop the hinting. Each call first
parses the whole face again (the glyph table index, the CFF charstrings of a CJK cut). That was
1.8 ms of a badge's 11 (``bench/badges.py``, 400 badges of the bench's mix).

``hb_subset_preprocess`` (HarfBuzz ≥ 6) parses a face once and keeps what the subsetter needs;
subsetting that face gives the same font. ``install`` replaces WeasyPrint's
``Font._harfbuzz_subset`` by ``subset_font``: WeasyPrint's two passes with its flags, the first over
the prepared face of each font (kept for the process), the second over that small result with one
range call for the ids; the same font files, byte for byte. (A single pass with both passes' flags,
measured at ~0.3 ms a badge, wrote other files for CID-keyed CFF faces: a whole Noto Sans CJK came
out at 112 KB where WeasyPrint wrote 51 KB, and attachments crossed notify's size limit.)
"""

from __future__ import annotations

import functools
import logging
from typing import Any

import cffi  # type: ignore[import-untyped]  # no stubs; WeasyPrint's own binding is cffi too
from weasyprint.pdf import fonts as weasy_fonts
from weasyprint.text.ffi import ffi, harfbuzz, harfbuzz_subset
from weasyprint.text.fonts import get_hb_object_data

log = logging.getLogger("congress.badges.subset")

_FFI = cffi.FFI()
_FFI.cdef(
    "typedef struct hb_face_t hb_face_t; hb_face_t *hb_subset_preprocess (hb_face_t *source);"
    "typedef struct hb_set_t hb_set_t; void hb_set_add_range (hb_set_t *set, unsigned int first, unsigned int last);"
)

_DROPPED = (b"BASE", b"DSIG", b"EBDT", b"EBLC", b"EBSC", b"GPOS", b"GSUB", b"JSTF", b"LTSH", b"PCLT", b"SVG ")
"""Tables a PDF viewer never reads (WeasyPrint's own list): layout is done, glyphs are placed by id."""


@functools.cache
def _preprocess_lib() -> Any:
    return _FFI.dlopen("libharfbuzz-subset.so.0")  # the library WeasyPrint loaded: one process, one copy


@functools.cache
def _harfbuzz_lib() -> Any:
    return _FFI.dlopen("libharfbuzz.so.0")  # likewise; hb_set_add_range is not in WeasyPrint's binding


def _add_range(glyph_set: Any, last: int) -> None:
    """Glyph ids 0…``last`` into ``glyph_set`` in one call (WeasyPrint builds a tuple and an array that long)."""
    _harfbuzz_lib().hb_set_add_range(_FFI.cast("hb_set_t *", int(ffi.cast("uintptr_t", glyph_set))), 0, last)


class PreparedFaces:
    """``hb_subset_preprocess``'d faces, one per source face, the ``size`` last used kept.

    Keyed by the source face's address; an entry holds a reference to that face, so the address
    cannot be reused by another face while the entry exists. Bounded: a new CJK cut
    (``cjk.LateNames``) brings a new font map and new faces; the old ones' entries age out.
    """

    def __init__(self, size: int = 96) -> None:
        self.size = size
        self._faces: dict[int, tuple[Any, Any]] = {}

    def __len__(self) -> int:
        return len(self._faces)

    def get(self, face: Any) -> Any:
        key = int(ffi.cast("uintptr_t", face))
        entry = self._faces.get(key)
        if entry is None:
            source = ffi.gc(harfbuzz.hb_face_reference(face), harfbuzz.hb_face_destroy)
            raw = _preprocess_lib().hb_subset_preprocess(_FFI.cast("hb_face_t *", key))
            prepared = ffi.gc(ffi.cast("hb_face_t *", int(_FFI.cast("uintptr_t", raw))), harfbuzz.hb_face_destroy)
            entry = self._faces[key] = (prepared, source)
            while len(self._faces) > self.size:
                del self._faces[next(iter(self._faces))]  # the least recently used
        else:
            self._faces[key] = self._faces.pop(key)  # now the most recently used
        return entry[0]


FACES = PreparedFaces()


def subset_bytes(face: Any, glyphs: list[int], *, hinting: bool, notdef_outline: bool) -> bytes | None:
    """The font of ``face`` with only ``glyphs`` (and .notdef), each under its own id; None if HarfBuzz fails.

    The same two passes as WeasyPrint's, with the same flags, so the same bytes: keep the used glyphs
    under their ids (from the prepared face: the costly parse is done once), then keep every id up to
    the last used one of that small result, dropping the hinting. A single pass with both flags gave
    other fonts for CID-keyed CFF faces (a full Noto Sans CJK: 112 KB where WeasyPrint wrote 51 KB).
    """
    if not glyphs:
        return None
    notdef = harfbuzz_subset.HB_SUBSET_FLAGS_NOTDEF_OUTLINE if notdef_outline else 0
    first = _subset_input(
        harfbuzz_subset.HB_SUBSET_FLAGS_RETAIN_GIDS
        | harfbuzz_subset.HB_SUBSET_FLAGS_PASSTHROUGH_UNRECOGNIZED
        | harfbuzz_subset.HB_SUBSET_FLAGS_DESUBROUTINIZE
        | notdef
    )
    kept = sorted(glyphs)
    harfbuzz.hb_set_add_sorted_array(
        harfbuzz_subset.hb_subset_input_glyph_set(first), ffi.new("hb_codepoint_t[]", kept), len(kept)
    )
    used = harfbuzz_subset.hb_subset_or_fail(FACES.get(face), first)
    if used == ffi.NULL:
        return None
    used = ffi.gc(used, harfbuzz.hb_face_destroy)
    second = _subset_input(
        harfbuzz_subset.HB_SUBSET_FLAGS_PASSTHROUGH_UNRECOGNIZED
        | harfbuzz_subset.HB_SUBSET_FLAGS_DESUBROUTINIZE
        | (0 if hinting else harfbuzz_subset.HB_SUBSET_FLAGS_NO_HINTING)
        | notdef
    )
    _add_range(harfbuzz_subset.hb_subset_input_glyph_set(second), kept[-1])
    result = harfbuzz_subset.hb_subset_or_fail(used, second)
    if result == ffi.NULL:
        return None
    data: bytes | None = get_hb_object_data(ffi.gc(result, harfbuzz.hb_face_destroy))
    return data or None


def _subset_input(flags: int) -> Any:
    """A subset input with ``flags`` that drops the tables a PDF viewer never reads."""
    subset_input = ffi.gc(harfbuzz_subset.hb_subset_input_create_or_fail(), harfbuzz_subset.hb_subset_input_destroy)
    harfbuzz_subset.hb_subset_input_set_flags(subset_input, flags)
    dropped = _dropped_tags()
    harfbuzz.hb_set_add_sorted_array(
        harfbuzz_subset.hb_subset_input_set(subset_input, harfbuzz_subset.HB_SUBSET_SETS_DROP_TABLE_TAG),
        dropped,
        len(dropped),
    )
    return subset_input


@functools.cache
def _dropped_tags() -> Any:
    """``_DROPPED`` as HarfBuzz tags, sorted, in a C array (made once: two subset inputs a font a badge)."""
    return ffi.new("hb_codepoint_t[]", sorted(harfbuzz.hb_tag_from_string(tag, -1) for tag in _DROPPED))


def subset_font(font: Any, to_unicode: dict[int, str], hinting: bool) -> None:
    """``Font._harfbuzz_subset`` from the prepared face (see the module docstring)."""
    data = subset_bytes(font.hb_face, list(to_unicode), hinting=hinting, notdef_outline=bool(font.missing))
    if data:
        font.file_content = data
    else:
        log.warning("unable to subset %r with HarfBuzz; embedding it whole", font.family)


def available() -> bool:
    """Whether HarfBuzz's subsetter and ``hb_subset_preprocess`` are there (WeasyPrint's own check + the symbol)."""
    if harfbuzz_subset is None or not harfbuzz.hb_version_atleast(6, 0, 0):
        return False
    try:
        _preprocess_lib().hb_subset_preprocess  # noqa: B018 - resolves the symbol or raises
    except (OSError, AttributeError):
        return False
    return True


_WEASYPRINTS_OWN = weasy_fonts.Font._harfbuzz_subset


def install(enabled: bool = True) -> bool:
    """Make WeasyPrint subset from prepared faces (idempotent); whether it does now.

    ``enabled=False`` puts WeasyPrint's own subsetting back (the benchmark's baseline). Unavailable
    (HarfBuzz < 6): WeasyPrint's own is kept, with a warning.
    """
    if enabled and not available():
        log.warning("hb_subset_preprocess not available: fonts are subset from the raw face (~1.5 ms a badge more)")
        enabled = False
    weasy_fonts.Font._harfbuzz_subset = subset_font if enabled else _WEASYPRINTS_OWN
    return enabled


def installed() -> bool:
    return bool(weasy_fonts.Font._harfbuzz_subset is subset_font)
