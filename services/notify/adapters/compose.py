"""Building the MIME message: validated addresses, encoded headers, text + HTML + PDF and calendar attachments.

Headers go through ``email.message.EmailMessage`` and ``email.headerregistry.Address``
only — never string concatenation — so a name in any script is RFC 2047-encoded and a
line break typed into a name cannot add a header.

Speed: the stdlib builds every MIME part with the header registry (parse, then refold
on ``as_bytes``), ~7 ms a message. Here only the top-level headers go through
``EmailMessage`` (folded once with the policy, the sender's ``From`` folded once per
sender); the body parts' headers are constants we write ourselves, and the text
bodies are encoded as the stdlib would (7bit, 8bit, else base64).
"""

from __future__ import annotations

import binascii
import functools
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage, MIMEPart
from email.utils import format_datetime

from email_validator import EmailNotValidError, validate_email

from services.notify.adapters.headers import clean_display_name, folded_from, header_line
from services.notify.adapters.render import Rendered
from services.notify.domain.delivery import Envelope, Undeliverable

MAX_LINE = 78


class InvalidAddress(Undeliverable):
    """The recipient's address is not a valid email address (a permanent failure)."""


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    maintype: str = "application"
    subtype: str = "pdf"
    params: tuple[tuple[str, str], ...] = ()
    """Content-Type parameters, e.g. an iCalendar file's ``method``."""


def checked_address(address: str) -> tuple[str, bool]:
    """The normalised address (ASCII form where one exists) and whether it needs SMTPUTF8.

    Remembered for the last few thousand addresses (a delegate gets a confirmation, then a badge mail):
    email-validator's check was ~0.07 ms of a message's CPU. A refused address is checked again each time."""
    return _checked(address)


@functools.lru_cache(maxsize=4096)
def _checked(address: str) -> tuple[str, bool]:
    try:
        valid = validate_email(address, check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidAddress(f"invalid recipient address {address!r}: {exc}") from None
    if valid.ascii_email:
        return valid.ascii_email, False
    return valid.normalized, True


def address(name: str, addr_spec: str) -> Address:
    username, _, domain = addr_spec.rpartition("@")
    return Address(display_name=clean_display_name(name), username=username, domain=domain)


def _text_part(text: str, subtype: str) -> bytes:
    """A ``text/<subtype>`` part in UTF-8: 7bit if ASCII, 8bit if lines are short, else base64."""
    lines = text.encode("utf-8").splitlines()
    short = max((len(line) for line in lines), default=0) <= MAX_LINE
    if short:
        body = b"\n".join(lines) + b"\n"
        cte = "7bit" if body.isascii() else "8bit"
        body = body.replace(b"\n", b"\r\n")
    else:
        cte = "base64"
        raw = b"\r\n".join(lines) + b"\r\n"
        body = _base64_body(raw)
    head = f'Content-Type: text/{subtype}; charset="utf-8"\r\nContent-Transfer-Encoding: {cte}\r\n\r\n'
    return head.encode("ascii") + body


def _attachment_part(item: Attachment) -> bytes:
    """The part exactly as ``MIMEPart.set_content`` + ``as_bytes`` under ``policy.SMTP`` write it, ~10× faster.

    The stdlib parses and refolds the part's three headers and writes the base64 body a line at
    a time (~0.5 ms for a badge's PDF). The usual attachment — no parameters, a plain ASCII
    file name — gets the same bytes written here (``test_compose`` compares the two over file
    names of every length and bodies of every size); any other still goes through the stdlib.
    """
    head = _plain_attachment_head(item)
    if head is None:
        part = MIMEPart(policy=policy.SMTP)
        part.set_content(
            b"", maintype=item.maintype, subtype=item.subtype, filename=item.filename, params=dict(item.params)
        )
        head = part.as_bytes()
    return head + _base64_body(item.content)


_TOKEN = re.compile(r"[a-z0-9.+-]+")
_PLAIN_FILENAME = re.compile(r"[A-Za-z0-9._-]+")


def _plain_attachment_head(item: Attachment) -> bytes | None:
    """The headers the stdlib writes for a part with no parameters and a plain file name, else None."""
    plain = _TOKEN.fullmatch(item.maintype) and _TOKEN.fullmatch(item.subtype)
    if item.params or not plain or not _PLAIN_FILENAME.fullmatch(item.filename):
        return None
    disposition = f'Content-Disposition: attachment; filename="{item.filename}"'
    if len(disposition) > MAX_LINE:  # folded before the parameter, as the stdlib does while the rest fits
        if len(item.filename) + 12 >= MAX_LINE:
            return None
        disposition = f'Content-Disposition: attachment;\r\n filename="{item.filename}"'
    head = f"Content-Type: {item.maintype}/{item.subtype}\r\nContent-Transfer-Encoding: base64\r\n{disposition}\r\n\r\n"
    return head.encode("ascii")


def _base64_body(content: bytes) -> bytes:
    step = MAX_LINE // 4 * 3
    return b"".join(binascii.b2a_base64(content[i : i + step]) for i in range(0, len(content), step)).replace(
        b"\n", b"\r\n"
    )


def _multipart(subtype: str, parts: list[bytes]) -> tuple[str, bytes]:
    """The boundary and the body of a ``multipart/<subtype>`` holding ``parts``."""
    while True:
        boundary = f"=_notify_{secrets.token_hex(12)}"
        marker = boundary.encode("ascii")
        if not any(marker in part for part in parts):
            break
    body = b"".join(b"--" + marker + b"\r\n" + part + b"\r\n" for part in parts) + b"--" + marker + b"--\r\n"
    return boundary, body


def compose(
    *,
    rendered: Rendered,
    sender: Address,
    to_name: str,
    to_address: str,
    message_id: str,
    date: datetime,
    attachments: tuple[Attachment, ...] = (),
    extra_headers: tuple[tuple[str, str], ...] = (),
) -> Envelope:
    """The finished message for one recipient. Raises ``InvalidAddress``."""
    addr_spec, smtputf8 = checked_address(to_address)
    headers = _top_headers(
        [
            ("To", address(to_name, addr_spec)),
            ("Subject", rendered.subject),
            ("Date", format_datetime(date)),
            ("Message-ID", message_id),
            ("Auto-Submitted", "auto-generated"),
            *((name, " ".join(value.split())) for name, value in extra_headers),
        ],
        smtputf8=smtputf8,
    )
    boundary, body = _multipart("alternative", [_text_part(rendered.text, "plain"), _text_part(rendered.html, "html")])
    content_type = f'multipart/alternative; boundary="{boundary}"'
    if attachments:
        boundary, body = _multipart(
            "mixed",
            [f"Content-Type: {content_type}\r\n\r\n".encode("ascii") + body]
            + [_attachment_part(item) for item in attachments],
        )
        content_type = f'multipart/mixed; boundary="{boundary}"'
    top = f"MIME-Version: 1.0\r\nContent-Type: {content_type}\r\n\r\n".encode("ascii")
    message = folded_from(sender, smtputf8) + headers + top + body
    return Envelope(sender=sender.addr_spec, recipient=addr_spec, message=message, smtputf8=smtputf8)


def _top_headers(headers: list[tuple[str, str | Address]], *, smtputf8: bool) -> bytes:
    """Each header written directly where ``headers.py`` can do it exactly, else folded by the policy."""
    msg: EmailMessage | None = None
    out = b""
    for name, value in headers:
        line = None if smtputf8 else header_line(name, value)
        if line is None:
            msg = msg or EmailMessage(policy=policy.SMTPUTF8 if smtputf8 else policy.SMTP)
            msg[name] = value
        else:
            out += line
    if msg is not None:
        out += b"".join(msg.policy.fold_binary(name, value) for name, value in msg.raw_items())
    return out
