"""The first morning at the badge desk: find a delegate by registration number, print, scan the QR.

The scanner reads the QR code off the printed badge: the badge PDF's embedded QR image is
taken out with poppler's ``pdfimages`` and decoded with zxing-cpp, then posted to
``/station/scan`` as a handheld scanner types it.
"""

from __future__ import annotations

import asyncio
import logging
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from services.demo.client import Failed, Http

log = logging.getLogger("congress.demo")
LOGIN_LINK = re.compile(r"/station/login\?token=([^\"'&<\s]+)")
PDFIMAGES = shutil.which("pdfimages") or "/usr/bin/pdfimages"
DELEGATE_ROW = re.compile(r'data-delegate="([^"]+)"')


def decode_qr(pdf: bytes) -> str | None:
    """The text of the QR code printed on a badge PDF, or None if none can be read."""
    import zxingcpp
    from PIL import Image, ImageOps

    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "badge.pdf"
        source.write_bytes(pdf)
        command = [PDFIMAGES, "-png", str(source), str(Path(tmp) / "img")]
        subprocess.run(command, check=True, capture_output=True, timeout=30)  # noqa: S603 -- our argv, our files
        for png in sorted(Path(tmp).glob("img-*.png")):
            with Image.open(png) as raw:
                image = ImageOps.expand(raw.convert("L"), border=4, fill=255)
                image = image.resize((image.width * 8, image.height * 8), Image.Resampling.NEAREST)
            found = [r.text for r in zxingcpp.read_barcodes(image) if r.text]
            if found:
                return found[0]
    return None


class Station:
    """One desk device, signed in with a station token the organiser issued."""

    def __init__(self, http: Http) -> None:
        self.http = http

    async def open(self, organiser_http: Http, label: str) -> bool:
        try:
            page = await organiser_http.call(
                "POST", "/organiser/stations", data={"label": label}, ok=(200,), what="issue station"
            )
        except Failed:
            return False
        found = LOGIN_LINK.search(page.text)
        if not found:
            log.warning("no station link on the organiser page: %s", page.text[:600])
            return False
        self.http.client.headers["x-station-token"] = found.group(1)
        return True

    async def find(self, number: str, *, wait_seconds: float) -> str | None:
        """The delegate id for a registration number, waiting while the badge service catches up."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait_seconds
        while True:
            try:
                page = await self.http.call("GET", "/station", params={"q": number}, ok=(200,), what="search")
            except Failed:
                return None
            if (row := DELEGATE_ROW.search(page.text)) and "status-confirmed" in page.text:
                return row.group(1)
            if loop.time() > deadline:
                self.http.tally.errors["badges: delegate not at the desk in time"] += 1
                return None
            await asyncio.sleep(1.0)

    async def print_badge(self, delegate_id: str, number: str) -> bool:
        try:
            page = await self.http.call(
                "POST", f"/station/print/{delegate_id}", data={"q": number}, ok=(200,), what="print"
            )
        except Failed:
            return False
        if "Printed" not in page.text and "Reprinted" not in page.text:
            self.http.tally.errors["badges: print refused"] += 1
            log.warning("print of %s refused: %s", delegate_id, page.text[:400])
            return False
        self.http.tally.add("badges printed")
        return True

    async def scan(self, delegate_id: str) -> None:
        try:
            pdf = await self.http.call("GET", f"/station/badge/{delegate_id}.pdf", ok=(200,), what="badge pdf")
            token = await asyncio.to_thread(decode_qr, pdf.content)
            if token is None:
                self.http.tally.errors["badges: QR unreadable"] += 1
                return
            page = await self.http.call("POST", "/station/scan", data={"token": token}, ok=(200,), what="scan")
        except (Failed, subprocess.SubprocessError, OSError) as exc:
            log.warning("scan of %s failed: %r", delegate_id, exc)
            return
        if "Checked in" in page.text:
            self.http.tally.add("checked in")
        else:
            self.http.tally.add("scan not accepted")
