"""notify end to end: real Kafka in, a real SMTP server (aiosmtpd) out, on SQLite and PostgreSQL.

One scenario checks many things at once: every message parses with the standard
library, attachments are real PDFs, names in four scripts survive the headers, a
duplicated event produces one message, a 451 that recovers is delivered once, a
550 and an invalid address produce NotificationFailed and dead letters, a badge
too large to attach becomes a link, HTML escapes user text, and an unpaid card
registration gets its reminder.
"""

from __future__ import annotations

import re
from collections import Counter
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import weasyprint
from aiokafka import AIOKafkaProducer

from schemas import topics
from schemas.badges import BadgeIssued, DocumentIssued, DocumentKind
from schemas.base import CloudEvent, EventData, new_event
from schemas.notify import NotificationFailed, NotificationSent
from schemas.registration import (
    MagicLinkRequested,
    PaymentSucceeded,
    RegistrationCancelled,
    RegistrationConfirmed,
    RegistrationCreated,
    WaitingListOffered,
)
from schemas.values import Delegate, Money, PaymentMethod
from services.notify.adapters.db import load_contact
from services.notify.app import build
from services.notify.config import NotifySettings
from tests.integration.notify.sink import RecordingSink
from tests.kafka_helpers import eventually, publish, read_events, read_records

FEE = Money(amount_minor=42000, currency="EUR")
MESSAGE_ID = re.compile(r"^<[0-9a-f]{32}@icsei\.example\.org>$")


def delegate(n: int, given: str, family: str, email: str, language: str = "en") -> Delegate:
    return Delegate(
        delegate_id=f"d-{n}",
        registration_number=f"ICSEI27-{n:05d}",
        given_name=given,
        family_name=family,
        badge_name=f"{given} {family}",
        affiliation="Inst.",
        country="DE",
        email=email,
        language=language,
        category="member",
    )


def ids(d: Delegate) -> dict[str, str]:
    return {"congress_id": "icsei-2027", "registration_id": f"r-{d.delegate_id}", "delegate_id": d.delegate_id}


def document(d: Delegate, kind: DocumentKind, pdf: Path) -> DocumentIssued:
    return DocumentIssued(
        congress_id="icsei-2027",
        delegate_id=d.delegate_id,
        kind=kind,
        document_number=f"N-{d.delegate_id}",
        pdf_sha256="0" * 64,
        location=str(pdf),
        email=d.email,
        language=d.language,
    )


def badge(d: Delegate, pdf: Path) -> BadgeIssued:
    return BadgeIssued(
        congress_id="icsei-2027",
        delegate_id=d.delegate_id,
        registration_version=1,
        pdf_sha256="0" * 64,
        location=str(pdf),
        email=d.email,
        badge_name=d.badge_name,
        language=d.language,
    )


def confirmed(d: Delegate, method: PaymentMethod = PaymentMethod.CARD) -> RegistrationConfirmed:
    return RegistrationConfirmed(**ids(d), registration_version=1, delegate=d, total=FEE, payment_method=method)


def created(d: Delegate, method: PaymentMethod) -> RegistrationCreated:
    return RegistrationCreated(
        **ids(d),
        delegate=d,
        total=FEE,
        payment_method=method,
        payment_url="https://pay.example.org/x" if method == PaymentMethod.CARD else None,
    )


def scenario(pdf: Path, big_pdf: Path) -> tuple[list[EventData | CloudEvent[Any]], dict[str, Delegate]]:
    from datetime import UTC, datetime, timedelta

    people = {
        "anna": delegate(1, "Анна", "Иванова", "anna@example.org", "ru"),
        "wang": delegate(2, "小明", "王", "wang@example.org", "zh"),
        "fatima": delegate(3, "فاطمة", "الزهراء", "flaky@example.org", "ar"),
        "nobody": delegate(4, "No", "Body", "nobody@example.org"),
        "bad": delegate(5, "Bad", "Address", "bad@example.org"),
        "zoe": delegate(6, "Zoë", "Ørsted-Müller", "zoe@example.org", "de"),
        "late": delegate(7, "Łukasz", "Żółć", "late@example.org", "pl"),
    }
    anna, wang, fatima, nobody, bad, zoe, late = people.values()
    anna_confirmed = new_event(confirmed(anna), "/tests")
    now = datetime.now(UTC)
    events: list[EventData | CloudEvent[Any]] = [
        created(anna, PaymentMethod.CARD),
        PaymentSucceeded(**ids(anna), amount=FEE, method=PaymentMethod.CARD, provider_reference="cs_1", paid_at=now),
        anna_confirmed,
        anna_confirmed,  # a duplicate delivery of the same event
        document(anna, DocumentKind.RECEIPT, pdf),
        badge(anna, pdf),
        created(wang, PaymentMethod.INVOICE),
        document(wang, DocumentKind.INVOICE, pdf),
        PaymentSucceeded(
            **ids(wang), amount=FEE, method=PaymentMethod.INVOICE, provider_reference="INV-1", paid_at=now
        ),
        confirmed(fatima),
        confirmed(nobody),
        MagicLinkRequested(
            **ids(bad),
            email="bad@@example..org",
            link="https://x.example.org/m",
            expires_at=now + timedelta(minutes=30),
        ),
        RegistrationCreated(**ids(zoe), delegate=zoe, total=FEE, payment_method=PaymentMethod.WAIVER),
        WaitingListOffered(
            **ids(zoe),
            add_on_code="ws",
            add_on_label="Workshop",
            offer_expires_at=now,
            accept_url="https://x.example.org/a",
            email=zoe.email,
            language="de",
        ),
        badge(zoe, big_pdf),
        RegistrationCancelled(
            **ids(zoe), registration_version=2, reason="<script>alert(1)</script>", cancelled_by="delegate"
        ),
        created(late, PaymentMethod.CARD),
    ]
    return events, people


async def erase(bootstrap: str, topic: str, delegate_id: str) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(topic, None, key=delegate_id.encode())
    finally:
        await producer.stop()


EXPECTED = Counter(
    {
        ("anna@example.org", "registration_received"): 1,
        ("anna@example.org", "registration_confirmed"): 1,
        ("anna@example.org", "receipt_issued"): 1,
        ("anna@example.org", "badge_ready"): 1,
        ("wang@example.org", "registration_received"): 1,
        ("wang@example.org", "invoice_issued"): 1,
        ("wang@example.org", "payment_confirmed"): 1,
        ("flaky@example.org", "registration_confirmed"): 1,
        ("zoe@example.org", "waiting_list_offer"): 1,
        ("zoe@example.org", "badge_ready"): 1,
        ("zoe@example.org", "registration_received"): 1,
        ("zoe@example.org", "registration_cancelled"): 1,
        ("late@example.org", "registration_received"): 1,
        ("late@example.org", "payment_reminder"): 1,
    }
)


def template_of(message: EmailMessage) -> tuple[str, str]:
    return message["To"].addresses[0].addr_spec, str(message["X-Congress-Template"])


async def test_notify_sends_each_message_once_and_reports_failures(
    kafka_bootstrap: str, topic_prefix: str, db_url: str, tmp_path: Path
) -> None:
    pdf = tmp_path / "doc.pdf"
    pdf.write_bytes(weasyprint.HTML(string="<h1>Badge Анна 王</h1>").write_pdf())
    big_pdf = tmp_path / "big.pdf"
    big_pdf.write_bytes(pdf.read_bytes() + b"\n%" + b"0" * 120_000 + b"\n")
    with RecordingSink() as sink:
        sink.handler.temporary["flaky@example.org"] = 2
        sink.handler.permanent.add("nobody@example.org")
        settings = NotifySettings(
            kafka_bootstrap_servers=kafka_bootstrap,
            kafka_topic_prefix=topic_prefix,
            database_url=db_url,
            smtp_host="127.0.0.1",
            smtp_port=sink.port,
            embedded_sink=False,
            mail_dir=str(tmp_path / "mail"),
            retry_base_seconds=0.2,
            retry_poll_seconds=0.1,
            circuit_seconds=0.5,
            attachment_max_bytes=100_000,
            reminder_after_hours=3 / 3600,
            reminder_poll_seconds=0.5,
        )
        runtime, app = build(settings)
        async with app.router.lifespan_context(app):
            events, people = scenario(pdf, big_pdf)
            await publish(
                kafka_bootstrap,
                topic_prefix + topics.REGISTRATION,
                [e for e in events if not isinstance(e, (BadgeIssued, DocumentIssued))],
            )
            # Badges' events come after the registration they follow (they are on another topic).
            await eventually(lambda: len(sink.handler.snapshot()) >= 8, timeout=60)
            await publish(
                kafka_bootstrap,
                topic_prefix + topics.BADGES,
                [e for e in events if isinstance(e, (BadgeIssued, DocumentIssued))],
            )
            await eventually(lambda: len(sink.handler.snapshot()) >= sum(EXPECTED.values()), timeout=60)
            await erase(kafka_bootstrap, topic_prefix + topics.DELEGATES, "d-2")  # erasure, not a dead letter

            async def contact_gone() -> bool:
                async with runtime.sessionmaker() as session:
                    return await load_contact(session, "d-2") is None

            await eventually(contact_gone, timeout=30)
            notify_events = await read_events(
                kafka_bootstrap,
                topic_prefix + topics.NOTIFY,
                until=lambda evs: len(evs) >= sum(EXPECTED.values()) + 2,
                open_=runtime.keyring.opener(final=True),  # the addresses and reasons, opened with notify's keys
            )
            dead = await read_records(
                kafka_bootstrap, topic_prefix + topics.DEADLETTER, until=lambda recs: len(recs) >= 2, timeout=10
            )
    received = sink.handler.snapshot()
    assert Counter(template_of(m) for m in received) == EXPECTED
    assert sink.handler.refusals == 2  # the 451s, then delivered once
    assert_messages_well_formed(received, people)

    sent = [e.data for e in notify_events if isinstance(e.data, NotificationSent)]
    failed = [e.data for e in notify_events if isinstance(e.data, NotificationFailed)]
    assert len(sent) == sum(EXPECTED.values())
    assert {s.message_id for s in sent} == {str(m["Message-ID"]) for m in received}
    assert sorted(f.recipient_id for f in failed) == ["d-4", "d-5"]
    reasons = {f.recipient_id: f.reason for f in failed}
    assert "550" in reasons["d-4"] and all(f.permanent for f in failed)
    assert "invalid recipient address" in reasons["d-5"]
    assert len(dead) == 2
    for record in dead:
        headers = {k: v.decode() for k, v in record.headers}
        assert headers["dlq.reason"].startswith("notification failed:")
        assert headers["dlq.consumer"] == "notify"


def body_of(message: EmailMessage, kind: str) -> str:
    body = message.get_body((kind,))
    assert body is not None, f"no {kind} part"
    return str(body.get_content())


def assert_messages_well_formed(received: list[EmailMessage], people: dict[str, Delegate]) -> None:
    names = {d.email: d for d in people.values()}
    for message in received:
        assert MESSAGE_ID.match(str(message["Message-ID"]))
        to = message["To"].addresses[0]
        person = names[to.addr_spec]
        assert person.given_name in to.display_name and person.family_name in to.display_name
        assert message["Subject"].startswith("ICSEI 2027:")
        assert message.get_body(("plain",)) is not None and message.get_body(("html",)) is not None
        for part in message.iter_attachments():
            assert part.get_content_type() == "application/pdf"
            assert part.get_content().startswith(b"%PDF-")
    by_key = {template_of(m): m for m in received}
    assert len(list(by_key["anna@example.org", "badge_ready"].iter_attachments())) == 1
    zoe_badge = by_key["zoe@example.org", "badge_ready"]
    assert list(zoe_badge.iter_attachments()) == []  # too large: linked instead
    assert "http://127.0.0.1:8003/me/badge" in body_of(zoe_badge, "plain")
    html = body_of(by_key["zoe@example.org", "registration_cancelled"], "html")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html
    assert "Иванова" in body_of(by_key["anna@example.org", "registration_confirmed"], "html")
