"""The demo mail page's index of the sink's maildir: parsed once per message, off the event loop.

A maildir of thousands of messages took seconds to parse; done on the event loop it stalled
``/healthz`` and the Kafka consumer's heartbeats. ``MailIndex.page`` refreshes the index on a
worker thread, parsing only messages it has not seen (and forgetting deleted ones), and
returns one page, newest first, with the total.
"""

from __future__ import annotations

import asyncio
import mailbox
import math
import threading
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default
from email.utils import parsedate_to_datetime
from pathlib import Path

from services.notify.adapters.mailsink import read_message
from services.notify.ports import MailPage, MailSummary


def summarise(key: str, raw: bytes) -> MailSummary:
    message = BytesParser(policy=default).parsebytes(raw)
    if not isinstance(message, EmailMessage):
        raise TypeError("the default policy parses to EmailMessage")
    try:
        sort_time = parsedate_to_datetime(str(message["Date"])).timestamp()
    except (TypeError, ValueError):
        sort_time = 0.0
    return MailSummary(
        key=key,
        subject=str(message["Subject"] or ""),
        sender=str(message["From"] or ""),
        to=str(message["To"] or ""),
        date=str(message["Date"] or ""),
        sort_time=sort_time,
        attachments=tuple(part.get_filename() or "attachment" for part in message.iter_attachments()),
    )


class MailIndex:
    """Summaries of every message in ``directory``, kept between page loads."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._summaries: dict[str, MailSummary] = {}
        self._ordered: list[MailSummary] = []
        self._lock = threading.Lock()
        self.parsed = 0
        """Messages parsed since start (each once)."""

    def refresh(self) -> list[MailSummary]:
        """Bring the index up to date with the maildir (blocking: run it on a worker thread)."""
        with self._lock:
            if not self.directory.exists():
                return []
            box = mailbox.Maildir(str(self.directory), create=False)
            keys = set(box.iterkeys())
            gone = self._summaries.keys() - keys
            new = keys - self._summaries.keys()
            for key in gone:
                del self._summaries[key]
            for key in new:
                try:
                    self._summaries[key] = summarise(key, box.get_bytes(key))
                except KeyError:  # removed between the listing and the read
                    continue
                self.parsed += 1
            if gone or new:
                self._ordered = sorted(self._summaries.values(), key=lambda s: (s.sort_time, s.key), reverse=True)
            return self._ordered

    async def page(self, number: int, size: int) -> MailPage:
        ordered = await asyncio.to_thread(self.refresh)
        pages = max(1, math.ceil(len(ordered) / size))
        number = min(max(1, number), pages)
        start = (number - 1) * size
        return MailPage(tuple(ordered[start : start + size]), len(ordered), number, pages)


class MaildirMailbox:
    """The ``Mailbox`` of the mail page: the demo sink's maildir, indexed and read on worker threads."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.location = str(directory)
        self.index = MailIndex(directory)

    async def page(self, number: int, size: int) -> MailPage:
        return await self.index.page(number, size)

    async def read(self, key: str) -> EmailMessage | None:
        return await asyncio.to_thread(read_message, self.directory, key)
