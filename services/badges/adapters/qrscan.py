"""Decode a badge QR code from a camera frame the station page posts (zxing-cpp).

Chromium has no BarcodeDetector on Linux (nor Firefox anywhere), so where the browser
cannot decode, the page posts a frame every few hundred milliseconds to the station's own
server — the laptop at the desk, no network needed — and this decodes it.
"""

from __future__ import annotations

import io

import zxingcpp
from PIL import Image, UnidentifiedImageError

from services.badges.ports import MAX_FRAME_BYTES

__all__ = ["MAX_FRAME_BYTES", "decode_frame"]
MAX_FRAME_PIXELS = 4_000_000


def decode_frame(data: bytes) -> str | None:
    """The text of the first QR code in a JPEG/PNG/WebP frame, or None (also for anything not an image)."""
    if len(data) > MAX_FRAME_BYTES:
        return None
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_FRAME_PIXELS:
                return None
            grey = image.convert("L")
    except (OSError, UnidentifiedImageError, Image.DecompressionBombError, ValueError):
        return None
    found = zxingcpp.read_barcodes(grey, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode))
    return next((code.text for code in found if code.text), None)
