"""Ribbon patterns as tiny tiled PNGs, drawn once per renderer.

The patterns keep roles apart on a black-and-white printer. As CSS gradients WeasyPrint
built a PDF shading per repetition (~3–4 ms per badge to draw and write); a tile is one
small image the PDF repeats. Tiles are 8 px per mm, drawn unsmoothed.
"""

from __future__ import annotations

import base64
import functools
import io

from PIL import Image, ImageDraw

PX_PER_MM = 8
LIGHT = (255, 255, 255, 96)
DARK = (0, 0, 0, 140)
CLEAR = (0, 0, 0, 0)


def _stripes() -> tuple[Image.Image, float]:
    tile = Image.new("RGBA", (5 * PX_PER_MM, 1), CLEAR)
    ImageDraw.Draw(tile).rectangle((0, 0, 2 * PX_PER_MM - 1, 0), fill=LIGHT)
    return tile, 5


def _diagonal(direction: int = 1) -> tuple[Image.Image, float]:
    size = 28  # 3.5 mm
    tile = Image.new("RGBA", (size, size), CLEAR)
    pixels = tile.load()
    for y in range(size):
        for x in range(size):
            if (x + direction * y) % size < 10:  # 1.25 mm band
                pixels[x, y] = LIGHT  # type: ignore[index]
    return tile, 3.5


def _checks() -> tuple[Image.Image, float]:
    tile = Image.new("RGBA", (4 * PX_PER_MM, 4 * PX_PER_MM), CLEAR)
    draw = ImageDraw.Draw(tile)
    half = 2 * PX_PER_MM
    draw.rectangle((0, 0, half - 1, half - 1), fill=LIGHT)
    draw.rectangle((half, half, 2 * half - 1, 2 * half - 1), fill=LIGHT)
    return tile, 4


def _dots() -> tuple[Image.Image, float]:
    size = 20  # 2.5 mm
    tile = Image.new("RGBA", (size, size), CLEAR)
    ImageDraw.Draw(tile).ellipse((6, 6, 13, 13), fill=DARK)
    return tile, 2.5


def _zigzag() -> tuple[Image.Image, float]:
    a, _ = _diagonal(1)
    b, _ = _diagonal(-1)
    return Image.alpha_composite(a, b), 3.5


def _bars() -> tuple[Image.Image, float]:
    tile = Image.new("RGBA", (1, 4 * PX_PER_MM), CLEAR)
    ImageDraw.Draw(tile).rectangle((0, 0, 0, 2 * PX_PER_MM - 1), fill=LIGHT)
    return tile, 1 / PX_PER_MM


def _grid() -> tuple[Image.Image, float]:
    size = 3 * PX_PER_MM
    tile = Image.new("RGBA", (size, size), CLEAR)
    draw = ImageDraw.Draw(tile)
    draw.rectangle((0, 0, size - 1, 3), fill=DARK)
    draw.rectangle((0, 4, 3, size - 1), fill=DARK)
    return tile, 3


@functools.cache
def pattern_css() -> str:
    """``.pattern-<name>`` rules with their tiles as data URIs (see ``domain.Pattern``)."""
    rules = []
    for name, make in (
        ("stripes", _stripes),
        ("diagonal", _diagonal),
        ("checks", _checks),
        ("dots", _dots),
        ("zigzag", _zigzag),
        ("bars", _bars),
        ("grid", _grid),
    ):
        tile, mm = make()
        buffer = io.BytesIO()
        tile.save(buffer, "PNG", optimize=True)
        uri = "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()
        height = mm * tile.height / tile.width
        rules.append(
            f".pattern-{name} {{ background-image: url({uri}); background-size: {mm}mm {height:g}mm; "
            "image-rendering: pixelated; }"
        )
    return "\n".join(rules)
