"""Camera scanning at the station, for real: Chromium's fake camera plays a video of a badge's QR code.

The video is a Y4M file written here (Pillow) from the token the service signs for a
delegate. Chromium reads it as its only camera (``--use-file-for-fake-video-capture``);
the station page decodes the frames (BarcodeDetector where the browser can, else its own
server with zxing-cpp) and checks the delegate in: DelegateCheckedIn reaches the topic.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from playwright.async_api import async_playwright, expect

from schemas import topics
from schemas.badges import BadgeIssued, DelegateCheckedIn
from services.badges.adapters.stamp import qr_image
from services.common.auth import organiser_token
from tests.e2e.chromium import launch
from tests.e2e.test_station_browser import SECRET, qr, serving
from tests.integration.badges import factories as f
from tests.kafka_helpers import publish, read_events

WIDTH, HEIGHT = 640, 480
NATIVE_QR = """async () => "BarcodeDetector" in window
  && (await BarcodeDetector.getSupportedFormats().catch(() => [])).includes("qr_code")"""


def write_y4m(path: Path, picture: Image.Image, frames: int = 10) -> None:
    """A YUV4MPEG2 (4:2:0) video showing ``picture`` centred on white, as a webcam would film it."""
    canvas = Image.new("RGB", (WIDTH, HEIGHT), "white")
    canvas.paste(picture.convert("RGB"), ((WIDTH - picture.width) // 2, (HEIGHT - picture.height) // 2))
    y, cb, cr = canvas.convert("YCbCr").split()
    half = (WIDTH // 2, HEIGHT // 2)
    frame = b"FRAME\n" + y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes()
    header = f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode()
    path.write_bytes(header + frame * frames)


def badge_qr_picture(token: str, pixels_per_module: int = 6) -> Image.Image:
    code = qr_image(token)  # the very image the badge PDF carries
    return code.resize((code.width * pixels_per_module, code.height * pixels_per_module), Image.Resampling.NEAREST)


@pytest.mark.browser
async def test_camera_scan_checks_the_delegate_in(kafka_bootstrap: str, topic_prefix: str, congress_home: Path) -> None:
    person = f.delegate("Zoë", "Ørjansdóttir", language="is", number=7)
    badges_topic = topic_prefix + topics.BADGES
    video = congress_home / "badge-qr.y4m"
    write_y4m(video, badge_qr_picture(qr(person.delegate_id)))
    expect.set_options(timeout=20_000)  # two shared cores: allow for a busy machine, never assert speed

    async with serving(kafka_bootstrap, topic_prefix, congress_home) as (base, _runtime):
        await publish(kafka_bootstrap, topic_prefix + topics.REGISTRATION, [f.confirmed(person)])
        await read_events(
            kafka_bootstrap, badges_topic, until=lambda evs: any(isinstance(e.data, BadgeIssued) for e in evs)
        )
        async with httpx.AsyncClient(base_url=base) as http:
            bearer = {"authorization": f"Bearer {organiser_token(SECRET, 'organiser@icsei.example.org')}"}
            issued = (await http.post("/organiser/stations", data={"label": "Camera desk"}, headers=bearer)).text
        login = issued.split('id="station-link" href="')[1].split('"')[0].replace("&amp;", "&")

        camera_args = [
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ]
        async with async_playwright() as p:
            browser = await launch(p, *camera_args)
            page = await browser.new_page()
            frames: list[str] = []
            page.on("request", lambda r: frames.append(r.url) if r.url.endswith("/station/scan/frame") else None)
            await page.goto(base + login)
            native = await page.evaluate(NATIVE_QR)
            await page.locator("#camera").click()
            await expect(page.locator("#scan-result")).to_contain_text("Checked in")
            await expect(page.locator("#scan-result .name")).to_contain_text("Zoë Ørjansdóttir")
            await browser.close()
        assert native or frames, "without a native QR detector the page must post frames to the station"

        def checked_in(evs: list[Any]) -> bool:
            return any(isinstance(e.data, DelegateCheckedIn) for e in evs)

        events = await read_events(kafka_bootstrap, badges_topic, until=checked_in, timeout=30)
        checkins = [e.data for e in events if isinstance(e.data, DelegateCheckedIn)]
        assert [c.delegate_id for c in checkins] == [person.delegate_id]
