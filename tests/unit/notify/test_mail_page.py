"""The demo's mail page lists what the sink stored, serves attachments, and shows HTML only sandboxed."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from email.headerregistry import Address
from pathlib import Path
from types import SimpleNamespace

from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.common.auth import organiser_token
from services.common.congress import load_congress
from services.common.organiser_sessions import ConfiguredOrganisers, OrganiserSessions
from services.notify.compose import Attachment, compose
from services.notify.mailsink import MaildirHandler
from services.notify.render import Rendered
from services.notify.web import mail_router


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
    app.include_router(mail_router(congress, maildir, OrganiserSessions("s", ConfiguredOrganisers(congress))))
    client = TestClient(app, headers={"authorization": f"Bearer {organiser_token('s', 'organiser@icsei.example.org')}"})
    listing = client.get("/mail")
    assert listing.status_code == 200
    assert "ICSEI 2027: your badge is ready" in listing.text and "Анна Иванова" in listing.text
    key = next(iter(handler.maildir.keys()))
    page = client.get(f"/mail/{key}")
    assert '<iframe sandbox=""' in page.text
    assert "<script>alert(1)</script>" not in page.text and "&lt;script&gt;" in page.text
    pdf = client.get(f"/mail/{key}/attachments/0")
    assert pdf.content == b"%PDF-1.7 test" and pdf.headers["content-type"] == "application/pdf"
    assert client.get(f"/mail/{key}/attachments/5").status_code == 404
    assert client.get("/mail/..%2F..%2Fetc").status_code == 404
