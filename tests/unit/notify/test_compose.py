"""The hand-assembled MIME body parses back to what was rendered, and headers stay safe."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser

import pytest

from services.notify.adapters.compose import Attachment, compose
from services.notify.adapters.render import Rendered

SENDER = Address("ICSEI 2027", addr_spec="secretariat@icsei.example.org")


def build(rendered: Rendered, *, to_name: str, to_address: str, attachments: tuple[Attachment, ...] = ()) -> bytes:
    return compose(
        rendered=rendered,
        sender=SENDER,
        to_name=to_name,
        to_address=to_address,
        message_id="<0123abcd@example.org>",
        date=datetime(2027, 3, 1, 9, 0, tzinfo=UTC),
        attachments=attachments,
        extra_headers=(("X-Congress-Cause", "evt-1\r\nBcc: victim@example.org"),),
    ).message


def parse(raw: bytes) -> EmailMessage:
    msg = message_from_bytes(raw, policy=policy.SMTPUTF8)
    assert isinstance(msg, EmailMessage)
    assert not msg.defects
    return msg


def test_text_and_html_round_trip_in_every_encoding() -> None:
    text = "Dear Анна,\n\n" + "Ünïcode " * 30 + "\nshort line\n"  # a long non-ASCII line: base64
    html = "<p>Liebe Zoë</p>\n<p>ok</p>\n"  # short non-ASCII lines: 8bit
    raw = build(
        Rendered(subject="Bestätigung", text=text, html=html), to_name="Анна\nBcc: x@y.org", to_address="a@example.org"
    )
    msg = parse(raw)
    assert msg.get_content_type() == "multipart/alternative"
    plain, rich = msg.get_body(("plain",)), msg.get_body(("html",))
    assert plain is not None and rich is not None
    assert plain.get_content().replace("\r\n", "\n") == text
    assert rich.get_content().replace("\r\n", "\n") == html
    assert plain["Content-Transfer-Encoding"] == "base64"
    assert rich["Content-Transfer-Encoding"] == "8bit"
    assert msg["Subject"] == "Bestätigung"
    assert msg["From"].addresses[0] == SENDER
    assert msg["To"].addresses[0].display_name == "Анна Bcc: x@y.org"
    assert msg.get_all("Bcc") is None
    assert msg["Message-ID"] == "<0123abcd@example.org>"
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")


def test_attachments_make_a_mixed_message() -> None:
    pdf = Attachment(filename="Rechnung Müller.pdf", content=b"%PDF-1.7 fake")
    raw = build(
        Rendered(subject="Invoice", text="Hello\n", html="<p>Hello</p>\n"),
        to_name="Jörg",
        to_address="jörg@exämple.org",
        attachments=(pdf,),
    )
    msg = parse(raw)
    assert msg.get_content_type() == "multipart/mixed"
    (attached,) = list(msg.iter_attachments())
    assert attached.get_filename() == "Rechnung Müller.pdf"
    assert attached.get_content() == b"%PDF-1.7 fake"
    body = msg.get_body(("plain",))
    assert body is not None and body.get_content().replace("\r\n", "\n") == "Hello\n"


def test_headers_written_directly_are_what_the_policy_would_write() -> None:
    from email.utils import format_datetime

    from services.notify.adapters.headers import plain_header as _plain_header

    values = [
        ("Date", format_datetime(datetime(2027, 3, 1, 9, 0, tzinfo=UTC))),
        ("Message-ID", "<3f2a9c0e1b7d4e5f8a6b2c1d0e9f8a7b@icsei.example.org>"),
        ("Auto-Submitted", "auto-generated"),
        ("X-Congress-Template", "registration_confirmed"),
        ("X-Congress-Cause", "0b7e2c9a-6f1d-4e3b-9a8c-5d4e3f2a1b0c"),
        ("Subject", "ICSEI 2027: your registration ICSEI27-00042 is confirmed"),
    ]
    for name, value in values:
        for pol in (policy.SMTP, policy.SMTPUTF8):
            msg = EmailMessage(policy=pol)
            msg[name] = value
            assert _plain_header(name, value) == b"".join(pol.fold_binary(n, v) for n, v in msg.raw_items())
    # anything else is left to the policy: non-ASCII, control characters, long lines
    assert _plain_header("X-Congress-Cause", "evt\r\nBcc: x@y.org") is None
    assert _plain_header("Subject", "Bestätigung") is None
    assert _plain_header("X-Long", "x" * 901) is None
    # a long ASCII subject is folded before a space, and unfolds to what it was
    subject = "ICSEI 2027: your registration ICSEI27-00042 for the congress is waiting for your payment"
    line = _plain_header("Subject", subject)
    assert line is not None and all(len(part) <= 78 for part in line.split(b"\r\n"))
    assert line.startswith(b"Subject: ICSEI") and line.count(b"\r\n ") == 1
    parsed = BytesParser(policy=policy.default).parsebytes(line + b"\r\nbody")
    assert str(parsed["Subject"]) == subject
    assert _plain_header("Subject", "=?utf-8?q?looks_encoded?=") is None


@pytest.mark.parametrize(
    "name",
    [
        "Zoë Ørsted-Müller",
        "Анна Иванова",
        "فاطمة الزهراء",
        "王 小明",
        "Nguyễn Thị Ánh",
        'Eve "the tester" O\'Hara, Jr. (Ph.D.) <x@y.org>',
        "Ana\r\nBcc: victim@example.org",
        "",
    ],
)
def test_the_to_line_decodes_back_to_the_cleaned_name(name: str) -> None:
    from services.notify.adapters.headers import clean_display_name

    raw = compose(
        rendered=Rendered(subject="s", text="t", html="<p>h</p>"),
        sender=SENDER,
        to_name=name,
        to_address="delegate@example.org",
        message_id="<0123abcd@example.org>",
        date=datetime(2027, 3, 1, 9, 0, tzinfo=UTC),
    ).message
    head = raw.split(b"\r\n\r\n")[0]
    to_field = head.split(b"\r\nTo: ")[1].split(b"\r\nSubject:")[0]
    assert head.isascii() and all(len(line) <= 78 for line in (b"To: " + to_field).split(b"\r\n"))
    parsed = BytesParser(policy=policy.default).parsebytes(raw)
    assert parsed["Bcc"] is None and len(parsed.get_all("To") or []) == 1
    (to,) = parsed["To"].addresses
    assert to.addr_spec == "delegate@example.org"
    assert to.display_name == clean_display_name(name)


def test_a_name_too_long_for_one_encoded_word_is_left_to_the_policy() -> None:
    from services.notify.adapters.headers import to_line

    assert to_line("To", "Μαρία Παπαδοπούλου-Κωνσταντινοπούλου Αλεξανδροπούλου", "d@example.org") is None
    assert to_line("To", "Zoë Müller", "d@example.org") == b"To: =?utf-8?b?Wm/DqyBNw7xsbGVy?= <d@example.org>\r\n"


def _stdlib_part(item: Attachment) -> bytes:
    """What ``email`` itself writes for the attachment (the composer did exactly this before)."""
    from email.message import MIMEPart

    part = MIMEPart(policy=policy.SMTP)
    part.set_content(
        item.content, maintype=item.maintype, subtype=item.subtype, filename=item.filename, params=dict(item.params)
    )
    return part.as_bytes()


def test_an_attachment_part_is_byte_for_byte_what_the_stdlib_writes() -> None:
    import random

    from services.notify.adapters.compose import _attachment_part

    rng = random.Random(11)
    names = [
        *("b" * n + ".pdf" for n in range(1, 100)),  # one line, folded before the name, left to the stdlib
        "badge-0f8e2a4c-1b2d-4e5f-9a8b-7c6d5e4f3a2b.pdf",
        "invoice-INV-2027-00042.pdf",
        "badge",
        "-x-",
        ".hidden",
        "A_B..C",
        "Rechnung Müller.pdf",
        'a"quote.pdf',
        "semi;colon.pdf",
        "tab\tname.pdf",
    ]
    bodies = [rng.randbytes(size) for size in (*range(200), 57 * 40, 14_513, 100_003)]
    items = [Attachment(filename=name, content=bodies[k % len(bodies)]) for k, name in enumerate(names)]
    items += [Attachment(filename="badge-d-00001.pdf", content=body) for body in bodies]
    items += [
        Attachment(
            "programme.ics", b"BEGIN:VCALENDAR\r\n", "text", "calendar", (("charset", "utf-8"), ("method", "PUBLISH"))
        ),
        Attachment("data.csv", b"a,b\r\n", "text", "csv"),
        Attachment("x.bin", b"\x00\x01", "application", "octet-stream"),
        Attachment("x.bin", b"\x00\x01", "Application", "PDF"),
    ]
    for item in items:
        assert _attachment_part(item) == _stdlib_part(item), item.filename


def test_a_composed_badge_mail_carries_the_stdlib_part_and_the_pdf_bytes() -> None:
    pdf = Attachment(filename="badge-0f8e2a4c-1b2d-4e5f-9a8b-7c6d5e4f3a2b.pdf", content=bytes(range(256)) * 60)
    raw = build(
        Rendered(subject="Badge", text="Hello\n", html="<p>Hello</p>\n"),
        to_name="Anna",
        to_address="anna@example.org",
        attachments=(pdf,),
    )
    assert _stdlib_part(pdf) in raw
    (attached,) = list(parse(raw).iter_attachments())
    assert attached.get_content() == pdf.content
