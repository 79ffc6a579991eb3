"""A fontconfig configuration holding only the faces a badge or document can use.

Pango builds a font set for each new (font chain, language, size, weight) it lays out: one
``FcFontSort`` over every face fontconfig knows — ~1,900 on a machine with Debian's Noto fonts,
30–70 ms each. Since issue 17 the chain follows each name's scripts and sizes are fitted, so the
first badge of a combination paid it (kiosk p99 73–88 ms against a goal of 50; docs/badges.md).

A chain only ever names families ``FontIndex.pickable`` returns (171 of them here), and badges and
documents ask only for upright faces of normal width. ``ChainFontConfiguration`` is WeasyPrint's
``FontConfiguration`` with fontconfig's ``<selectfont>`` rules rejecting every other face (~450
left), so each sort is over a quarter of the faces and a first use costs ~6 ms more than a
repeat instead of ~25 (measured in ``bench/badges.py``). Which face serves a family is unchanged: every
weight of an upright, normal-width face of a pickable family stays.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Iterable
from typing import Any
from xml.sax.saxutils import escape

import cffi  # type: ignore[import-untyped]  # no stubs; WeasyPrint's own binding is cffi too
from weasyprint.text.ffi import ffi as weasy_ffi
from weasyprint.text.ffi import fontconfig, pangoft2
from weasyprint.text.fonts import FontConfiguration

_FFI = cffi.FFI()
_FFI.cdef(
    """
    typedef struct _FcConfig FcConfig;
    FcConfig *FcInitLoadConfig (void);
    int FcConfigParseAndLoadFromMemory (FcConfig *config, const unsigned char *buffer, int complain);
    int FcConfigBuildFonts (FcConfig *config);
    void FcConfigDestroy (FcConfig *config);
    """
)


@functools.cache
def _lib() -> Any:
    return _FFI.dlopen("libfontconfig.so.1")  # the library WeasyPrint loaded: one process, one copy


def selection_xml(families: Iterable[str], upright: Collection[str] | None = None) -> bytes:
    """fontconfig rules rejecting every face but the upright, normal-width faces of ``families``.

    A family not in ``upright`` (it has no upright face of normal width; None: all have one) keeps every face.
    """
    roman = '<patelt name="slant"><const>roman</const></patelt><patelt name="width"><const>normal</const></patelt>'
    accepted = "".join(
        f'<pattern><patelt name="family"><string>{escape(family)}</string></patelt>'
        f"{roman if upright is None or family in upright else ''}</pattern>"
        for family in sorted(set(families))
    )
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">\n'
        f"<fontconfig><selectfont><rejectfont><pattern/></rejectfont>"
        f"<acceptfont>{accepted}</acceptfont></selectfont></fontconfig>"
    ).encode()


def _restricted_config(families: Iterable[str], upright: Collection[str] | None) -> Any:
    """The system's configuration (its rules, directories and caches) with fonts built through the selection.

    Returned as WeasyPrint's ``FcConfig *``, with one reference the caller owns.
    """
    lib = _lib()
    config = lib.FcInitLoadConfig()
    if config == _FFI.NULL:
        raise RuntimeError("fontconfig could not load its configuration")
    if not lib.FcConfigParseAndLoadFromMemory(
        config, selection_xml(families, upright), 1
    ) or not lib.FcConfigBuildFonts(config):
        lib.FcConfigDestroy(config)
        raise RuntimeError("fontconfig refused the font selection")
    return weasy_ffi.cast("FcConfig *", int(_FFI.cast("uintptr_t", config)))


class ChainFontConfiguration(FontConfiguration):  # type: ignore[misc]  # WeasyPrint ships no type hints
    """WeasyPrint's font configuration over only the faces of ``families`` (see the module docstring).

    ``@font-face`` fonts (the cut CJK fonts) are added as usual; their families must be in ``families``.
    """

    def __init__(self, families: Iterable[str], upright: Collection[str] | None = None) -> None:
        super().__init__()
        config = _restricted_config(families, upright)
        # the font map takes its own reference and drops the full configuration WeasyPrint built
        pangoft2.pango_fc_font_map_set_config(weasy_ffi.cast("PangoFcFontMap *", self.font_map), config)
        fontconfig.FcConfigDestroy(config)
        self._config = config

    def face_count(self) -> int:
        """How many faces fontconfig offers Pango in this configuration (the cost of each font set)."""
        fonts = fontconfig.FcConfigGetFonts(self._config, fontconfig.FcSetSystem)
        return 0 if fonts == weasy_ffi.NULL else int(fonts.nfont)
