"""The demo's mail page lists what the sink stored, serves attachments, and shows HTML only sandboxed;
since issue 12 (finding 4) only with the embedded sink, only for organisers, paginated, and off the loop."""

from __future__ import annotations

import asyncio
import mailbox
import re
import threading
from datetime import UTC, datetime
from email.headerregistry import Address
from email.utils import formatdate
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.common.auth import organiser_token
from services.common.congress import load_congress
from services.common.organiser_sessions import ConfiguredOrganisers, OrganiserSessions
from services.notify.adapters import mailindex
from services.notify.adapters.compose import Attachment, compose
from services.notify.adapters.mailindex import MaildirMailbox
from services.notify.adapters.mailsink import MaildirHandler
from services.notify.adapters.render import Rendered
from services.notify.app import build
from services.notify.config import NotifySettings
from services.notify.web.mail import PAGE_SIZE, mail_router
from services.notify.web.route_access import ROUTES
from tests.unit.test_organiser_login import wait_until


def test_mail_page_lists_messages_with_attachments_and_sandboxes_html(tmp_path: Path) -> None:
    maildir = tmp_path / "mail"
    handler = MaildirHandler(maildir)
    rendered = Rendered(
        subject="ICSEI 2027: your badge is ready",
        text="Hello",
        html='<p onclick="x()">Hello <script>alert(1)</script></p>',
    )
    envelope = compose(
        rendered=rendered,
        sender=Address("ICSEI", addr_spec="s@example.org"),
        to_name="Анна Иванова",
        to_address="anna@example.org",
        message_id="<m1@example.org>",
        date=datetime.now(UTC),
        attachments=(Attachment("badge.pdf", b"%PDF-1.7 test"),),
    )
    smtp_envelope = SimpleNamespace(
        original_content=envelope.message,
        content=envelope.message,
        mail_from=envelope.sender,
        rcpt_tos=[envelope.recipient],
    )
    assert asyncio.run(handler.handle_DATA(None, None, smtp_envelope)).startswith("250")

    congress = load_congress()
    app = FastAPI()
    app.include_router(
        mail_router(
            congress, MaildirMailbox(maildir), OrganiserSessions("s", ConfiguredOrganisers(congress), access=ROUTES)
        )
    )
    client = TestClient(app, headers={"authorization": f"Bearer {organiser_token('s', 'organiser@icsei.example.org')}"})
    listing = client.get("/mail")
    assert listing.status_code == 200
    assert "ICSEI 2027: your badge is ready" in listing.text and "Анна Иванова" in listing.text
    key = next(iter(handler.maildir.keys()))
    page = client.get(f"/mail/{key}")
    assert re.search(r'<iframe title="[^"]+" sandbox=""', page.text)  # named for screen readers, fully sandboxed
    assert "<script>alert(1)</script>" not in page.text and "&lt;script&gt;" in page.text
    pdf = client.get(f"/mail/{key}/attachments/0")
    assert pdf.content == b"%PDF-1.7 test" and pdf.headers["content-type"] == "application/pdf"
    assert client.get(f"/mail/{key}/attachments/5").status_code == 404
    assert client.get("/mail/..%2F..%2Fetc").status_code == 404


SECRET = "s"
BEARER = {"authorization": f"Bearer {organiser_token(SECRET, 'organiser@icsei.example.org')}"}


def fill_maildir(maildir: Path, count: int) -> None:
    box = mailbox.Maildir(str(maildir), create=True)
    for n in range(count):
        date = formatdate(1_800_000_000 + n * 60)
        box.add(f"Subject: message {n:03d}\r\nTo: d{n}@example.org\r\nDate: {date}\r\n\r\nx")


def mail_app(maildir: Path) -> FastAPI:
    congress = load_congress()
    app = FastAPI()
    app.include_router(
        mail_router(
            congress, MaildirMailbox(maildir), OrganiserSessions(SECRET, ConfiguredOrganisers(congress), access=ROUTES)
        )
    )

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


def test_the_mail_page_is_for_signed_in_organisers_only(tmp_path: Path) -> None:
    fill_maildir(tmp_path / "mail", 1)
    client = TestClient(mail_app(tmp_path / "mail"), follow_redirects=False)
    assert client.get("/mail").status_code == 401
    assert client.get("/mail", headers={"accept": "text/html"}).headers["location"] == "/organiser/login?next=/mail"
    key = next(iter(mailbox.Maildir(str(tmp_path / "mail")).keys()))
    assert client.get(f"/mail/{key}/raw").status_code == 401
    assert client.get("/mail", headers=BEARER).status_code == 200


def test_the_mail_page_pages_newest_first_with_the_total(tmp_path: Path) -> None:
    fill_maildir(tmp_path / "mail", PAGE_SIZE + 5)
    client = TestClient(mail_app(tmp_path / "mail"), headers=BEARER)
    first, second = client.get("/mail").text, client.get("/mail?page=2").text
    assert f"{PAGE_SIZE + 5} messages · page 1 of 2" in first and 'href="?page=2"' in first
    subjects = re.findall(r"message (\d{3})", first)
    assert subjects == [f"{n:03d}" for n in range(PAGE_SIZE + 4, 4, -1)]
    assert re.findall(r"message (\d{3})", second) == ["004", "003", "002", "001", "000"]
    assert "page 2 of 2" in client.get("/mail?page=99").text  # past the end: the last page


async def test_healthz_answers_while_a_big_mailbox_page_is_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fill_maildir(tmp_path / "mail", 3)
    parsing, release = threading.Event(), threading.Event()
    summarise = mailindex.summarise

    def slow_summarise(key: str, raw: bytes) -> mailindex.MailSummary:
        parsing.set()
        release.wait(timeout=10)  # on the event loop this would hold healthz back until it gave up
        return summarise(key, raw)

    monkeypatch.setattr(mailindex, "summarise", slow_summarise)
    transport = httpx.ASGITransport(app=mail_app(tmp_path / "mail"))
    async with httpx.AsyncClient(transport=transport, base_url="http://notify", headers=BEARER) as client:
        page = asyncio.create_task(client.get("/mail"))
        await wait_until(parsing.is_set)
        health = await client.get("/healthz")
        still_building = not page.done()
        release.set()
        listing = await page
    assert health.status_code == 200 and still_building
    assert listing.status_code == 200 and "3 messages" in listing.text


def test_a_second_load_parses_only_new_messages(tmp_path: Path) -> None:
    fill_maildir(tmp_path / "mail", 4)
    index = mailindex.MailIndex(tmp_path / "mail")
    assert len(index.refresh()) == 4
    fill_maildir(tmp_path / "mail", 1)
    assert len(index.refresh()) == 5 and index.parsed == 5


def test_the_mail_page_is_mounted_only_with_the_embedded_sink(tmp_path: Path) -> None:
    common = {
        "database_url": f"sqlite+aiosqlite:///{tmp_path / 'n.sqlite3'}",
        "mail_dir": str(tmp_path / "mail"),
        "CONGRESS_SECRET": SECRET,
    }
    fill_maildir(tmp_path / "mail", 1)
    _, relayed = build(NotifySettings(smtp_host="relay.example.org", **common))
    _, sink = build(NotifySettings(**common))
    assert TestClient(relayed).get("/mail", headers=BEARER).status_code == 404
    assert TestClient(sink).get("/mail").status_code == 401
    assert TestClient(sink).get("/mail", headers=BEARER).status_code == 200
