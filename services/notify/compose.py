"""Building the MIME message: validated addresses, encoded headers, text + HTML + PDF attachments.

Headers go through ``email.message.EmailMessage`` and ``email.headerregistry.Address``
only — never string concatenation — so a name in any script is RFC 2047-encoded and a
line break typed into a name cannot add a header.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from email_validator import EmailNotValidError, validate_email

from services.notify.render import Rendered


class InvalidAddress(ValueError):
    """The recipient's address is not a valid email address (a permanent failure)."""


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    maintype: str = "application"
    subtype: str = "pdf"


@dataclass(frozen=True)
class Envelope:
    """What the SMTP server is told, plus the serialised message."""

    sender: str
    recipient: str
    message: bytes
    smtputf8: bool = False


def checked_address(address: str) -> tuple[str, bool]:
    """The normalised address (ASCII form where one exists) and whether it needs SMTPUTF8."""
    try:
        valid = validate_email(address, check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidAddress(f"invalid recipient address {address!r}: {exc}") from None
    if valid.ascii_email:
        return valid.ascii_email, False
    return valid.normalized, True


def clean_display_name(name: str) -> str:
    """Control characters (line breaks included) become spaces; the name stays as written otherwise."""
    cleaned = "".join(" " if unicodedata.category(ch).startswith("C") else ch for ch in name)
    return " ".join(unicodedata.normalize("NFC", cleaned).split())


def address(name: str, addr_spec: str) -> Address:
    username, _, domain = addr_spec.rpartition("@")
    return Address(display_name=clean_display_name(name), username=username, domain=domain)


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
    msg = EmailMessage(policy=policy.SMTPUTF8 if smtputf8 else policy.SMTP)
    msg["From"] = sender
    msg["To"] = address(to_name, addr_spec)
    msg["Subject"] = rendered.subject
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = message_id
    msg["Auto-Submitted"] = "auto-generated"
    for name, value in extra_headers:
        msg[name] = " ".join(value.split())
    msg.set_content(rendered.text)
    msg.add_alternative(rendered.html, subtype="html")
    for item in attachments:
        msg.add_attachment(item.content, maintype=item.maintype, subtype=item.subtype, filename=item.filename)
    return Envelope(sender=sender.addr_spec, recipient=addr_spec, message=msg.as_bytes(), smtputf8=smtputf8)
