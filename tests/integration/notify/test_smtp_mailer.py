"""The SMTP adapter against a real aiosmtpd server: one kept-open connection, SIZE, SMTPUTF8, refusals."""

from __future__ import annotations

from typing import Any

from services.notify.adapters.compose import checked_address
from services.notify.adapters.smtp import SmtpMailer
from services.notify.domain.delivery import Envelope, Outcome
from tests.integration.notify.sink import RecordingHandler, RecordingSink


class OptionsHandler(RecordingHandler):
    """Also keeps each MAIL command's parameters (SIZE=…, SMTPUTF8)."""

    def __init__(self) -> None:
        super().__init__()
        self.mail_options: list[list[str]] = []

    async def handle_MAIL(  # noqa: N802 -- aiosmtpd hook name
        self, server: Any, session: Any, envelope: Any, address: str, mail_options: list[str]
    ) -> str:
        self.mail_options.append(list(mail_options))
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"


def message(to: str, subject: str) -> bytes:
    return (
        f"From: secretariat@icsei.example.org\r\nTo: {to}\r\nSubject: {subject}\r\n"
        "Message-ID: <x@congress.test>\r\nContent-Type: text/plain; charset=utf-8\r\n"
        "Content-Transfer-Encoding: 8bit\r\n\r\nBonjour\r\n"
    ).encode()


async def test_ascii_and_internationalised_mailboxes_over_one_connection() -> None:
    handler = OptionsHandler()
    sink = RecordingSink()
    sink.handler = sink.controller.handler = handler
    with sink:
        mailer = SmtpMailer(host="127.0.0.1", port=sink.port)
        try:
            sent, addresses = [], []
            for i, to in enumerate(["zoe@example.org", "jürgen@bücher.example", "用户@例子.example"]):
                address, needs_utf8 = checked_address(to)
                addresses.append(address)
                envelope = Envelope(
                    sender="secretariat@icsei.example.org",
                    recipient=address,
                    message=message(address, f"n{i}"),
                    smtputf8=needs_utf8,
                )
                sent.append(await mailer.send(envelope))
            sink.handler.permanent.add("nobody@example.org")
            refused = await mailer.send(
                Envelope(
                    sender="secretariat@icsei.example.org",
                    recipient="nobody@example.org",
                    message=message("nobody@example.org", "n3"),
                )
            )
        finally:
            await mailer.close()
    assert [d.outcome for d in sent] == [Outcome.SENT] * 3
    assert refused.outcome is Outcome.PERMANENT and refused.code == 550
    got = sink.handler.snapshot()
    assert [str(m["Subject"]) for m in got] == ["n0", "n1", "n2"]
    assert [str(m["To"]) for m in got] == addresses
    assert [checked_address(a)[1] for a in addresses] == [False, True, True]  # two needed SMTPUTF8
    utf8 = ["SMTPUTF8" in options for options in handler.mail_options]
    assert utf8 == [False, True, True, False]
    sizes = [next(o for o in options if o.upper().startswith("SIZE=")) for options in handler.mail_options]
    assert [int(o.split("=")[1]) for o in sizes[:3]] == [len(message(a, f"n{i}")) for i, a in enumerate(addresses)]
