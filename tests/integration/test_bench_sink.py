"""``bench._sink``, the pipeline benchmark's lean SMTP server: a real SMTP exchange on loopback stores what the
demo's aiosmtpd sink stores, byte for byte, for the same messages — dot-stuffed lines, a message of one line,
an address that needs SMTPUTF8 — and refuses commands out of order."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import aiosmtplib
import pytest

from bench._sink import listen
from services.devtools.processes import free_port
from services.notify.adapters.mailsink import MailSink


def _messages() -> list[tuple[str, str, bytes]]:
    attached = EmailMessage()
    attached["Subject"] = "Votre badge"
    attached.set_content("Bonjour,\n.\n..two dots\n.x\nend.\n")
    attached.add_attachment(bytes(range(256)) * 40, maintype="application", subtype="pdf", filename="badge.pdf")
    return [
        ("a@example.org", "d1@example.org", attached.as_bytes(policy=attached.policy.clone(linesep="\r\n"))),
        ("a@example.org", "d2@example.org", b"Subject: one line\r\n\r\nx\r\n"),
        ("a@example.org", "d3@example.org", b"Subject: dot\r\n\r\n.\r\n"),
        ("a@example.org", "jos\u00e9@example.org", "Subject: \u00e9\r\n\r\nol\u00e9\r\n".encode()),
    ]


MESSAGES = _messages()


async def deliver(port: int) -> None:
    client = aiosmtplib.SMTP(hostname="127.0.0.1", port=port)
    await client.connect()
    try:
        for sender, recipient, body in MESSAGES:
            await client.sendmail(
                sender, [recipient], body, mail_options=["SMTPUTF8"] if not recipient.isascii() else []
            )
    finally:
        await client.quit()


def stored(maildir: Path) -> list[bytes]:
    return sorted(path.read_bytes() for path in (maildir / "new").iterdir())


async def test_the_lean_sink_stores_what_the_demo_sink_stores(tmp_path: Path) -> None:
    demo_port, lean_port = free_port(), free_port()
    demo = MailSink(tmp_path / "demo", port=demo_port)
    demo.start()
    lean = await listen(tmp_path / "lean", lean_port)
    try:
        await deliver(demo_port)
        await deliver(lean_port)
    finally:
        demo.stop()
        lean.close()
    assert len(stored(tmp_path / "lean")) == len(MESSAGES)
    assert stored(tmp_path / "lean") == stored(tmp_path / "demo")
    assert not list((tmp_path / "lean" / "tmp").iterdir())


async def test_commands_out_of_order_are_refused(tmp_path: Path) -> None:
    port = free_port()
    lean = await listen(tmp_path / "mail", port)
    try:
        client = aiosmtplib.SMTP(hostname="127.0.0.1", port=port)
        await client.connect()
        await client.ehlo()
        assert (await client.execute_command(b"RCPT", b"TO:<d@example.org>")).code == 503
        assert (await client.execute_command(b"DATA")).code == 503
        assert (await client.execute_command(b"VRFY", b"x")).code == 500
        with pytest.raises(aiosmtplib.SMTPRecipientsRefused):
            await client.sendmail("a@example.org", [], b"x\r\n")
        await client.quit()
    finally:
        lean.close()
    assert not list((tmp_path / "mail" / "new").iterdir())
