"""A lean SMTP sink for ``bench/pipeline.py``: a real SMTP server on loopback, storing mail as the demo's does.

    python -m bench._sink --port 2525 --maildir DIR

The demo's sink (``services.notify.adapters.mailsink``, aiosmtpd) reads a message's DATA a line at a time and
checks each line; a badge mail is ~350 lines, so the sink cost ~1 ms of CPU a mail on the machine the pipeline
measures. This one speaks the part of SMTP (RFC 5321) a client sends — EHLO/HELO, MAIL, RCPT, DATA, RSET,
NOOP, QUIT; it announces 8BITMIME, SMTPUTF8 and SIZE — reads DATA a few pieces at a time (up to each ``.CRLF``), undoes
the dot-stuffing, and stores the message with the same ``Return-Path``/``Delivered-To`` trace in the maildir's
``new/`` (written in ``tmp/``, then renamed), so ``bench.notify.delivered`` and the mail pages read it alike.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import subprocess
import sys
import time
from pathlib import Path

from services.devtools.processes import accepts_connections, free_port

HOST = "127.0.0.1"
SIZE_LIMIT = 50 * 1024 * 1024
EHLO = (
    f"250-congress-bench-sink\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250-PIPELINING\r\n250 SIZE {SIZE_LIMIT}\r\n"
).encode()
END = b"\r\n.\r\n"


class Maildir:
    """The ``new/`` of a maildir, written the maildir way: a unique name in ``tmp/``, then renamed."""

    def __init__(self, root: Path) -> None:
        for sub in ("tmp", "new", "cur"):
            (root / sub).mkdir(parents=True, exist_ok=True)
        self.root, self.numbers, self.host = root, itertools.count(), f"{os.getpid()}"

    def add(self, message: bytes) -> None:
        name = f"{time.time_ns()}.P{self.host}Q{next(self.numbers)}.bench-sink"
        temporary = self.root / "tmp" / name
        temporary.write_bytes(message)
        temporary.rename(self.root / "new" / name)


def unstuffed(data: bytes) -> bytes:
    """DATA's text (without its final ``.CRLF``) without its dot-stuffing: a line's leading ``..`` is ``.``."""
    text = data.replace(b"\r\n..", b"\r\n.")
    return text[1:] if text.startswith(b"..") else text


def address(argument: bytes) -> str:
    """``FROM:<a@b> SIZE=12`` → ``a@b`` (what lies between the angle brackets)."""
    start, end = argument.find(b"<"), argument.find(b">")
    return argument[start + 1 : end].decode("utf-8", "replace") if 0 <= start < end else ""


class Session:
    """One client's connection: commands a line at a time, a message's DATA in one read."""

    def __init__(self, maildir: Maildir, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.maildir, self.reader, self.writer = maildir, reader, writer
        self.sender: str | None = None
        self.recipients: list[str] = []

    async def run(self) -> None:
        self.writer.write(b"220 congress bench sink\r\n")
        try:
            while line := await self.reader.readline():
                verb = line[:4].upper()
                if verb == b"QUIT":
                    self.writer.write(b"221 Bye\r\n")
                    break
                reply = await self.data() if verb == b"DATA" else self.command(verb, line)
                self.writer.write(reply)
                await self.writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        finally:
            self.writer.close()

    def command(self, verb: bytes, line: bytes) -> bytes:
        if verb == b"EHLO":
            return EHLO
        if verb == b"HELO":
            return b"250 congress-bench-sink\r\n"
        if verb == b"MAIL":
            self.sender, self.recipients = address(line[5:]), []
            return b"250 OK\r\n"
        if verb == b"RCPT":
            if self.sender is None:
                return b"503 Error: need MAIL command\r\n"
            self.recipients.append(address(line[5:]))
            return b"250 OK\r\n"
        if verb == b"RSET":
            self.sender, self.recipients = None, []
            return b"250 OK\r\n"
        if verb == b"NOOP":
            return b"250 OK\r\n"
        return b"500 Error: command not recognized\r\n"

    async def data(self) -> bytes:
        if not self.recipients:
            return b"503 Error: need RCPT command\r\n"
        self.writer.write(b"354 End data with <CR><LF>.<CR><LF>\r\n")
        await self.writer.drain()
        body = unstuffed(await self.read_data())
        trace = f"Return-Path: <{self.sender}>\r\nDelivered-To: {', '.join(self.recipients)}\r\n"
        self.maildir.add(trace.encode() + body)
        self.sender, self.recipients = None, []
        return b"250 Message accepted for delivery\r\n"

    async def read_data(self) -> bytes:
        """DATA up to the line that is a lone ``.``, without that line: read up to each ``.CRLF`` (a few per mail;
        base64 lines have no dot), ended by one that is a whole line."""
        chunks = []
        while True:
            chunk = await self.reader.readuntil(b".\r\n")
            chunks.append(chunk)
            # A chunk ends with CRLF, so the next one starts a line: ".CRLF" alone is the end too.
            if chunk == b".\r\n" or chunk.endswith(END):
                return b"".join(chunks)[:-3]


async def listen(maildir: Path, port: int) -> asyncio.Server:
    """The sink, listening on ``port`` of loopback, storing in ``maildir``."""
    box = Maildir(maildir)

    async def connected(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await Session(box, reader, writer).run()

    return await asyncio.start_server(connected, HOST, port, limit=SIZE_LIMIT)


async def serve(maildir: Path, port: int) -> None:
    async with await listen(maildir, port) as server:
        await server.serve_forever()


def start(maildir: Path) -> tuple[subprocess.Popen[bytes], int]:
    """Run the sink as its own process on a free port; return it and the port once it accepts connections."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bench._sink", "--port", str(port), "--maildir", str(maildir)],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while not accepts_connections(port) and time.monotonic() < deadline:
        time.sleep(0.05)
    return process, port


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--maildir", type=Path, required=True)
    args = parser.parse_args()
    asyncio.run(serve(args.maildir, args.port))


if __name__ == "__main__":
    main()
