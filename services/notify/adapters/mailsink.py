"""The demo's SMTP server: a real aiosmtpd server on loopback that keeps every message in a maildir.

``python -m services.notify.adapters.mailsink [--port 1025] [--maildir DIR]`` runs it alone;
notify starts it in-process when no SMTP server is configured. The mail page lists
the maildir through ``mailindex.MailIndex`` and shows one message with ``read_message``.
"""

from __future__ import annotations

import argparse
import mailbox
import re
import threading
import time
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from services.common.settings import congress_home

KEY_PATTERN = re.compile(r"^[A-Za-z0-9._,:=-]+$")


class MaildirHandler:
    """aiosmtpd handler: stores the message as received, with a Delivered-To / Return-Path trace."""

    def __init__(self, directory: Path) -> None:
        for sub in ("tmp", "new", "cur"):  # Maildir(create=True) skips these when the directory exists
            (directory / sub).mkdir(parents=True, exist_ok=True)
        self.maildir = mailbox.Maildir(str(directory), create=True)
        self.lock = threading.Lock()
        self.received = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 -- aiosmtpd's hook name
        content: bytes = envelope.original_content or envelope.content
        trace = f"Return-Path: <{envelope.mail_from}>\r\nDelivered-To: {', '.join(envelope.rcpt_tos)}\r\n"
        with self.lock:
            self.maildir.add(trace.encode() + content)
            self.received += 1
        return "250 Message accepted for delivery"


class MailSink:
    """Runs an aiosmtpd server on its own thread (so it serves even while the caller's loop is busy)."""

    def __init__(
        self, directory: Path, *, host: str = "127.0.0.1", port: int = 1025, handler: Any | None = None
    ) -> None:
        self.handler = handler or MaildirHandler(directory)
        self.controller = Controller(
            self.handler,
            hostname=host,
            port=port,
            data_size_limit=50 * 1024 * 1024,
            decode_data=False,
            enable_SMTPUTF8=True,
        )
        self.host, self.port = host, port

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()


def _parse(raw: bytes) -> EmailMessage:
    message = BytesParser(policy=policy.default).parsebytes(raw)
    if not isinstance(message, EmailMessage):
        raise TypeError("the default policy parses to EmailMessage")
    return message


def read_message(directory: Path, key: str) -> EmailMessage | None:
    if not KEY_PATTERN.match(key) or not directory.exists():
        return None
    box = mailbox.Maildir(str(directory), create=False)
    try:
        return _parse(box.get_bytes(key))
    except KeyError:
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description="The congress demo SMTP server (stores mail in a maildir).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=1025)
    parser.add_argument("--maildir", type=Path, default=congress_home() / "mail")
    args = parser.parse_args()
    sink = MailSink(args.maildir, host=args.host, port=args.port)
    sink.start()
    print(f"SMTP sink on {args.host}:{args.port}, storing mail in {args.maildir}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        sink.stop()


if __name__ == "__main__":
    main()
