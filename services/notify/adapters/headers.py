"""Writing the top-level header lines of a message quickly, exactly as a standard parser reads them back.

The stdlib's header registry parses every value and refolds it on output (~1 ms a header on
a busy machine, most of a message's composing time). Most of our headers need nothing of the
sort: dates, ids and template names are short printable ASCII, and a name or a translated
subject needs RFC 2047 encoded words, which ``encoded_words`` writes directly (base64 of the
UTF-8, never splitting a character: ~10 µs where ``email.header.Header`` spent 0.1–0.6 ms
weighing quoted-printable against base64 character by character). So
``header_line`` writes those directly, and returns None for anything else (control
characters, names too long for one encoded word, non-ASCII addresses), which then goes
through ``EmailMessage`` and ``Address`` as before. Every value a person typed is cleaned
(control characters and line breaks become spaces) or encoded, so no value can add a header.
"""

from __future__ import annotations

import binascii
import unicodedata
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formataddr

MAX_LINE = 78
MAX_HEADER_LINE = 900  # longer ones are left to the policy (RFC 5322's hard limit is 998)
CRLF = "\r\n"


def clean_display_name(name: str) -> str:
    """Control characters (line breaks included) become spaces; the name stays as written otherwise."""
    cleaned = "".join(" " if unicodedata.category(ch).startswith("C") else ch for ch in name)
    return " ".join(unicodedata.normalize("NFC", cleaned).split())


def header_line(name: str, value: str | Address) -> bytes | None:
    """The folded line(s) for one header, or None: let the policy write it."""
    if isinstance(value, Address):
        return to_line(name, value.display_name, value.addr_spec)
    if name == "Subject":
        return subject_line(value)
    return plain_header(name, value)


def subject_line(subject: str) -> bytes | None:
    """ASCII as is (folded at spaces); otherwise RFC 2047 encoded words, folded with the name counted."""
    line = plain_header("Subject", subject)
    if line is not None or not subject or any(unicodedata.category(ch).startswith("C") for ch in subject):
        return line
    return f"Subject: {encoded_words(subject, MAX_LINE - len('Subject: '))}{CRLF}".encode("ascii")


def to_line(header: str, name: str, addr_spec: str) -> bytes | None:
    """An address header: the name as one base64 encoded word (or quoted by ``formataddr`` if ASCII).

    Folded, if needed, before the ``<address>`` (whitespace between the name and the address is
    ordinary folding whitespace); a name too long for one encoded word goes to the policy instead
    (parsers differ on the space between two encoded words of one name).
    """
    display = clean_display_name(name)
    if not addr_spec.isascii():
        return None
    if not display:
        return f"{header}: {addr_spec}{CRLF}".encode("ascii")
    if display.isascii():
        phrase = formataddr((display, addr_spec)).rpartition(" <")[0]
    else:
        phrase = encoded_words(display, MAX_ENCODED_WORD)
    first, angle = f"{header}: {phrase}", f"<{addr_spec}>"
    if len(first) + 1 + len(angle) <= MAX_LINE:
        return f"{first} {angle}{CRLF}".encode("ascii")
    if len(first) <= MAX_LINE and len(angle) < MAX_LINE and CRLF not in phrase:
        return f"{first}{CRLF} {angle}{CRLF}".encode("ascii")
    return None


MAX_ENCODED_WORD = 75
"""RFC 2047: an encoded word is at most 75 characters long."""
_WRAPPING = len("=?utf-8?b??=")


def encoded_words(text: str, first_room: int) -> str:
    """``text`` as RFC 2047 encoded words (``=?utf-8?b?…?=``), folded: the first word at most ``first_room``
    characters long (at least 20: what is left of the header's first line), each further one on a line of its
    own after a space; a word never splits a UTF-8 sequence, so each decodes on its own and they join back to
    ``text``."""
    data = text.encode("utf-8")
    words: list[str] = []
    room = min(first_room, MAX_ENCODED_WORD)
    while data or not words:
        cut = min(len(data), max(4, (room - _WRAPPING) // 4 * 3))  # 4: room for any one character
        while 0 < cut < len(data) and data[cut] & 0xC0 == 0x80:  # a continuation byte: not here
            cut -= 1
        words.append("=?utf-8?b?" + binascii.b2a_base64(data[:cut], newline=False).decode("ascii") + "?=")
        data, room = data[cut:], MAX_ENCODED_WORD
    return (CRLF + " ").join(words)


def plain_header(name: str, value: str) -> bytes | None:
    """A header line written as is when the policy would write it unchanged: printable ASCII, one short line.

    Only for values we make ourselves (dates, ids, template names, subjects from our templates); names
    typed by people always go through ``EmailMessage`` and ``Address``. None: let the policy fold it.
    """
    line = f"{name}: {value}"
    if not line.isascii() or not line.isprintable() or "=?" in value or len(line) > MAX_HEADER_LINE:
        return None  # the policy folds it (and encodes anything that looks like an encoded word)
    if not value or "  " in value or value != value.strip():
        return None
    # Folded before a space where the line would pass 78 characters (RFC 5322 2.2.3); unfolding gives it back.
    lines = [f"{name}:"]
    for word in value.split(" "):
        if len(lines[-1]) + 1 + len(word) > MAX_LINE and lines[-1] != f"{name}:":
            lines.append("")  # never right after the name: the value starts on the header's own line
        lines[-1] += " " + word
    return "\r\n".join(lines).encode("ascii") + b"\r\n"


FROM_LINES: dict[tuple[str, str, str, bool], bytes] = {}


def folded_from(sender: Address, utf8: bool) -> bytes:
    """The ``From`` line for a sender (the same for every message), folded by the policy once."""
    key = (sender.display_name, sender.username, sender.domain, utf8)
    line = FROM_LINES.get(key)
    if line is None:
        msg = EmailMessage(policy=policy.SMTPUTF8 if utf8 else policy.SMTP)
        msg["From"] = sender
        line = b"".join(msg.policy.fold_binary(name, value) for name, value in msg.raw_items())
        if len(FROM_LINES) < 64:
            FROM_LINES[key] = line
    return line
