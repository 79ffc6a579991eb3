"""A real aiosmtpd server for the notify tests that records every message and can refuse on cue."""

from __future__ import annotations

import threading
from collections import Counter
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any, Self

from aiosmtpd.controller import Controller

from services.devtools.processes import free_port


class RecordingHandler:
    """Keeps parsed messages; ``temporary[addr] = n`` answers 451 to the first n DATA for addr,
    ``permanent`` addresses are refused with 550 at RCPT."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.messages: list[EmailMessage] = []
        self.raw: list[bytes] = []
        self.temporary: dict[str, int] = {}
        self.permanent: set[str] = set()
        self.refusals = 0

    async def handle_RCPT(  # noqa: N802 -- aiosmtpd hook name
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if address in self.permanent:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 -- aiosmtpd hook name
        with self.lock:
            rcpt = envelope.rcpt_tos[0]
            if self.temporary.get(rcpt, 0) > 0:
                self.temporary[rcpt] -= 1
                self.refusals += 1
                return "451 4.3.0 Temporary local problem, try again later"
            content: bytes = envelope.original_content or envelope.content
            self.raw.append(content)
            parsed = BytesParser(policy=policy.default).parsebytes(content)
            assert isinstance(parsed, EmailMessage)
            self.messages.append(parsed)
        return "250 Message accepted"

    def snapshot(self) -> list[EmailMessage]:
        with self.lock:
            return list(self.messages)

    def message_ids(self) -> Counter[str]:
        return Counter(str(m["Message-ID"]) for m in self.snapshot())


class RecordingSink:
    def __init__(self) -> None:
        self.handler = RecordingHandler()
        self.port = free_port()
        self.controller = Controller(
            self.handler,
            hostname="127.0.0.1",
            port=self.port,
            decode_data=False,
            enable_SMTPUTF8=True,
            data_size_limit=50 * 2**20,
        )

    def __enter__(self) -> Self:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()
