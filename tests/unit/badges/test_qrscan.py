"""The station's frame decoder: a camera frame with a badge QR code gives its token; anything else gives None."""

from __future__ import annotations

import io

from PIL import Image

from services.badges.adapters.qrscan import MAX_FRAME_BYTES, decode_frame
from services.badges.adapters.stamp import qr_image


def frame(picture: Image.Image, fmt: str = "PNG") -> bytes:
    canvas = Image.new("RGB", (640, 480), (200, 200, 200))
    big = picture.resize((picture.width * 5, picture.height * 5), Image.Resampling.NEAREST)
    canvas.paste(big.convert("RGB"), (150, 60))
    out = io.BytesIO()
    canvas.save(out, fmt)
    return out.getvalue()


def test_decodes_the_badge_qr_from_png_and_jpeg_frames() -> None:
    token = "eyJkIjoiZGVsLTEiLCJ2IjoxLCJjIjoiaWNzZWktMjAyNyJ9.signature"
    assert decode_frame(frame(qr_image(token))) == token
    assert decode_frame(frame(qr_image(token), "JPEG")) == token


def test_no_code_garbage_and_oversized_frames_give_none() -> None:
    assert decode_frame(frame(Image.new("1", (40, 40), 1))) is None
    assert decode_frame(b"not an image") is None
    assert decode_frame(b"\x89PNG" + b"\x00" * (MAX_FRAME_BYTES + 1)) is None
