"""A badge in two layers: the role's frame, made once, under the delegate's texts, made per badge.

Header and ribbon are the same on every badge of a role; WeasyPrint styled, laid out and
drew them for each badge (about a third of its time). Here WeasyPrint lays out only the
texts that differ (names, affiliation, country and add-ons); the frame of each role is
rendered once per process and kept as a form XObject (``adapters/compose.py``); as
WeasyPrint finishes each badge, its ``finisher`` adds the frame under the texts and the
QR code, a 1-bit image XObject (still extractable by ``pdfimages``), on top.
"""

from __future__ import annotations

import io
import string
import zlib
from collections.abc import Callable
from typing import Any, cast

import pikepdf
import pydyf
import zxingcpp
from PIL import Image, ImageOps

from services.badges.adapters import compose

MM = 72 / 25.4
PAGE_HEIGHT_MM = 148.0
QR_SIZE_MM = 30.0
QR_LEFT_MM = 105.0 - 4.0 - QR_SIZE_MM
QR_TOP_MM = 20.0 + 54.0 + 18.0 + 2.0
"""Where the full template floats the QR code: right margin 4 mm, 2 mm below the affiliation box."""
QR_BORDER = 2
"""Modules of quiet zone inside the image (the badge's white margin adds more)."""


def qr_image(token: str) -> Image.Image:
    """The QR code (level M) as a 1-bit image, one pixel per module, with its quiet zone.

    zxing-cpp encodes it in C++ (~0.4 ms; segno took ~2 ms even with a fixed mask).
    """
    code = zxingcpp.create_barcode(token, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    matrix = code.to_image(scale=1, add_quiet_zones=False)
    size = (matrix.shape[1], matrix.shape[0])
    image = Image.frombuffer("L", size, bytes(memoryview(cast(Any, matrix))), "raw", "L", 0, 1)
    return ImageOps.expand(image.convert("1"), border=QR_BORDER, fill=1)


class Frame:
    """One role's frame, captured once (``adapters/compose.py``); ``finisher`` puts it under a badge's texts."""

    def __init__(self, pdf_bytes: bytes, tag: str) -> None:
        with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
            page = pdf.pages[0]
            _retag_fonts(page, tag)
            self.form = compose.CapturedForm.from_page(page)

    def finisher(self, qr: Image.Image) -> Callable[[Any, pydyf.PDF], None]:
        """WeasyPrint's last step for one badge: the frame under its texts, the QR code on top, streams compressed."""

        def finish(document: Any, pdf: pydyf.PDF) -> None:
            page, resources = compose.page_and_resources(pdf)
            compose.compress_streams(pdf)
            image = pydyf.Stream(
                [zlib.compress(qr.tobytes(), 6)],
                {
                    "Type": "/XObject",
                    "Subtype": "/Image",
                    "Width": qr.width,
                    "Height": qr.height,
                    "ColorSpace": "/DeviceGray",
                    "BitsPerComponent": 1,
                    "Interpolate": "false",
                    "Filter": "/FlateDecode",
                },
            )
            pdf.add_object(image)
            xobjects = resources["XObject"]
            xobjects["CongressFrame"] = self.form.add_to(pdf)
            xobjects["CongressQR"] = image.reference
            side = QR_SIZE_MM * MM
            x, y = QR_LEFT_MM * MM, (PAGE_HEIGHT_MM - QR_TOP_MM - QR_SIZE_MM) * MM
            place = f"{side:.3f} 0 0 {side:.3f} {x:.3f} {y:.3f} cm".encode()
            # the texts' own stream may leave a transformation set: it is wrapped in q … Q
            compose.wrap_contents(pdf, page, b"q /CongressFrame Do Q", b"q " + place + b" /CongressQR Do Q")

        return finish


def _retag_fonts(page: pikepdf.Page, tag: str) -> None:
    """Give the frame's font subsets their own six-letter tags.

    WeasyPrint names a subset after the font description only, so the frame's "Noto Sans Bold"
    subset and the texts' would share one name in the same PDF though they hold other glyphs.
    """
    resources: Any = page.obj.get("/Resources")
    fonts: Any = resources.get("/Font") if resources is not None else None
    for font in fonts.values() if fonts is not None else ():
        for holder in (font, *font.get("/DescendantFonts", [])):
            name = str(holder.get("/BaseFont", ""))
            if "+" in name:
                holder.BaseFont = pikepdf.Name(_retag(name, tag))
            descriptor = holder.get("/FontDescriptor")
            if descriptor is not None and "+" in str(descriptor.get("/FontName", "")):
                descriptor.FontName = pikepdf.Name(_retag(str(descriptor.FontName), tag))


def _retag(name: str, tag: str) -> str:
    old, rest = name.lstrip("/").split("+", 1)
    letters = string.ascii_uppercase
    shift = sum(map(ord, tag)) % 25 + 1  # never 0: the tag must change
    new = "".join(letters[(letters.index(c) + shift) % 26] if c in letters else c for c in old)
    return f"/{new}+{rest}"
