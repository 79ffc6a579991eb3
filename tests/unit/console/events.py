"""Building a small congress's worth of CloudEvents (from the schema models) and Kafka-like records."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from schemas import CloudEvent, EventData, encode, new_event
from schemas.badges import BadgeIssued, BadgePrinted, DelegateCheckedIn
from schemas.notify import NotificationFailed, NotificationSent
from schemas.registration import (
    InvoiceIssued,
    InvoiceLine,
    PaymentSucceeded,
    RefundIssued,
    RegistrationCancelled,
    RegistrationConfirmed,
    RegistrationCreated,
)
from schemas.values import AddOn, Delegate, Money, PaymentMethod

CONGRESS = "icsei-2027"
DINNER = AddOn(code="dinner", label="Congress dinner", kind="social")
WS = AddOn(code="ws-ece", label="Pre-congress workshop: Early Childhood Education", kind="workshop")


@dataclass
class FakeRecord:
    topic: str
    value: bytes | None
    key: bytes | None = None
    partition: int = 0
    offset: int = 0
    timestamp: int = 1_800_000_000_000
    headers: list[tuple[str, bytes]] = field(default_factory=list)


def delegate(
    delegate_id: str, *, country: str, category: str, add_ons: tuple[AddOn, ...] = (), name: str = "Ana Silva"
) -> Delegate:
    given, _, family = name.partition(" ")
    return Delegate(
        delegate_id=delegate_id,
        registration_number=f"ICSEI27-{delegate_id[-3:]}",
        given_name=given,
        family_name=family or "-",
        badge_name=name,
        affiliation="Universidade",
        country=country,
        email=f"{delegate_id}@example.org",
        category=category,
        add_ons=add_ons,
    )


def eur(amount_minor: int, currency: str = "EUR") -> Money:
    return Money(amount_minor=amount_minor, currency=currency)


def common(delegate_id: str) -> dict[str, Any]:
    return {"congress_id": CONGRESS, "registration_id": f"r-{delegate_id}", "delegate_id": delegate_id}


def registered(delegate_id: str, who: Delegate, total: Money, method: PaymentMethod) -> list[EventData]:
    return [
        RegistrationCreated(**common(delegate_id), delegate=who, total=total, payment_method=method),
        RegistrationConfirmed(
            **common(delegate_id), registration_version=1, delegate=who, total=total, payment_method=method
        ),
    ]


def paid(delegate_id: str, amount: Money, method: PaymentMethod) -> PaymentSucceeded:
    return PaymentSucceeded(
        **common(delegate_id),
        amount=amount,
        method=method,
        provider_reference=f"ref-{delegate_id}",
        paid_at=datetime(2026, 9, 1, tzinfo=UTC),
    )


def invoice(delegate_id: str, number: str, total: Money) -> InvoiceIssued:
    return InvoiceIssued(
        **common(delegate_id),
        invoice_number=number,
        issued_at=datetime(2026, 9, 1, tzinfo=UTC),
        due_at=datetime(2026, 10, 1, tzinfo=UTC),
        institution_name="District 7",
        institution_address="1 Main St",
        lines=(InvoiceLine(description="Fee", amount=total),),
        total=total,
        email="billing@example.org",
    )


def scenario() -> list[EventData]:
    """Five delegates: card, invoice paid, invoice unpaid, cancelled with refund, and a JPY payer."""
    a = delegate("d-001", country="NL", category="member", add_ons=(DINNER, WS), name="Ana Silva")
    b = delegate("d-002", country="JP", category="member", add_ons=(DINNER,), name="山田 太郎")
    c = delegate("d-003", country="NL", category="student", name="Pieter de Vries")
    d = delegate("d-004", country="EG", category="member", add_ons=(DINNER,), name="نور الهدى")
    e = delegate("d-005", country="JP", category="non-member", name="佐藤 花子")
    checkin = datetime(2027, 1, 5, 0, 30, tzinfo=UTC)  # 09:30 in Asia/Tokyo
    return [
        *registered("d-001", a, eur(62000), PaymentMethod.CARD),
        paid("d-001", eur(62000), PaymentMethod.CARD),
        *registered("d-002", b, eur(62000), PaymentMethod.INVOICE),
        invoice("d-002", "INV-1", eur(62000)),
        paid("d-002", eur(62000), PaymentMethod.INVOICE),
        *registered("d-003", c, eur(32000), PaymentMethod.INVOICE),
        invoice("d-003", "INV-2", eur(32000)),
        *registered("d-004", d, eur(62000), PaymentMethod.CARD),
        paid("d-004", eur(62000), PaymentMethod.CARD),
        RegistrationCancelled(
            **common("d-004"),
            registration_version=2,
            reason="visa refused",
            cancelled_by="delegate",
            refund_due=eur(59500),
        ),
        RefundIssued(**common("d-004"), amount=eur(59500), provider_reference="re_1"),
        *registered("d-005", e, eur(90000, "JPY"), PaymentMethod.CARD),
        paid("d-005", eur(90000, "JPY"), PaymentMethod.CARD),
        BadgeIssued(
            congress_id=CONGRESS,
            delegate_id="d-001",
            registration_version=1,
            pdf_sha256="x" * 64,
            location="/b/1.pdf",
            email="a@example.org",
            badge_name="Ana Silva",
        ),
        BadgeIssued(
            congress_id=CONGRESS,
            delegate_id="d-002",
            registration_version=1,
            pdf_sha256="y" * 64,
            location="/b/2.pdf",
            email="b@example.org",
            badge_name="山田 太郎",
        ),
        BadgePrinted(congress_id=CONGRESS, delegate_id="d-001", station_id="desk-1", print_count=1, printed_at=checkin),
        BadgePrinted(congress_id=CONGRESS, delegate_id="d-001", station_id="desk-1", print_count=2, printed_at=checkin),
        DelegateCheckedIn(congress_id=CONGRESS, delegate_id="d-001", station_id="desk-1", checked_in_at=checkin),
        DelegateCheckedIn(congress_id=CONGRESS, delegate_id="d-001", station_id="desk-2", checked_in_at=checkin),
        DelegateCheckedIn(
            congress_id=CONGRESS,
            delegate_id="d-002",
            station_id="desk-1",
            checked_in_at=datetime(2027, 1, 5, 1, 10, tzinfo=UTC),
        ),
        NotificationSent(
            recipient_id="d-001",
            template="payment_confirmed",
            cause_event_id="c1",
            message_id="<m1@x>",
            to="a@example.org",
            subject="Paid",
        ),
        NotificationFailed(
            recipient_id="d-003",
            template="invoice",
            cause_event_id="c2",
            message_id="<m2@x>",
            to="bad@",
            reason="550 no such user",
            permanent=True,
        ),
    ]


def records(events: list[EventData], *, prefix: str = "") -> list[FakeRecord]:
    """Records as Kafka would hand them over, with per-topic offsets."""
    offsets: dict[str, int] = {}
    out = []
    for data in events:
        event = new_event(data, "/tests")
        topic = prefix + data.topic()
        offsets[topic] = offsets.get(topic, -1) + 1
        out.append(FakeRecord(topic=topic, value=encode(event), key=data.key().encode(), offset=offsets[topic]))
    return out


def dead_letter(original: CloudEvent[Any] | bytes, reason: str, *, prefix: str = "", offset: int = 0) -> FakeRecord:
    value = original if isinstance(original, bytes) else encode(original)
    return FakeRecord(
        topic=prefix + "congress.deadletter",
        value=value,
        key=b"d-003",
        offset=offset,
        headers=[("dlq.reason", reason.encode()), ("dlq.consumer", b"notify"), ("dlq.topic", b"congress.registration")],
    )


def unknown_type_event() -> bytes:
    doc = {
        "specversion": "1.0",
        "id": "u-1",
        "source": "/congress/abstracts",
        "type": "congress.abstracts.AbstractSubmitted.v9",  # a version no code knows yet
        "time": "2026-09-01T10:00:00Z",
        "subject": "abs-42",
        "datacontenttype": "application/json",
        "data": {"abstract_id": "abs-42", "title": "Data use in schools"},
    }
    return json.dumps(doc).encode()


PEOPLE = [
    ("NL", "Anouk Jansen"),
    ("JP", "山田 花子"),
    ("CN", "王 小明"),
    ("KR", "김 민준"),
    ("EG", "نور الهدى"),
    ("IL", "נועה כהן"),
    ("RU", "Ирина Петрова"),
    ("GR", "Ελένη Παππά"),
    ("IN", "प्रिया शर्मा"),
    ("TH", "สมชาย ใจดี"),
    ("BR", "João Oliveira"),
    ("FI", "Aino Virtanen"),
    ("ZA", "Thandiwe Nkosi"),
    ("MX", "Lucía Hernández"),
    ("VN", "Nguyễn Thị Lan"),
    ("US", "Maya Johnson"),
    ("AU", "Olivia Brown"),
    ("NG", "Chiamaka Okafor"),
    ("CA", "Émilie Tremblay"),
    ("DE", "Jürgen Müller"),
]
CATEGORIES = ["member", "member", "non-member", "student", "one-day"]


def burst(count: int, *, start: int = 100) -> list[EventData]:
    """``count`` events of a congress filling up: registrations, payments, badges, check-ins and emails."""
    out: list[EventData] = []
    i = start
    while len(out) < count:
        country, name = PEOPLE[i % len(PEOPLE)]
        delegate_id = f"d-{i:04d}"
        who = delegate(
            delegate_id,
            country=country,
            category=CATEGORIES[i % len(CATEGORIES)],
            name=name,
            add_ons=(DINNER,) if i % 3 == 0 else ((DINNER, WS) if i % 7 == 0 else ()),
        )
        method = PaymentMethod.INVOICE if i % 5 == 0 else PaymentMethod.CARD
        out += [
            *registered(delegate_id, who, eur(62000), method),
            paid(delegate_id, eur(62000), method),
            BadgeIssued(
                congress_id=CONGRESS,
                delegate_id=delegate_id,
                registration_version=1,
                pdf_sha256="z" * 64,
                location=f"/b/{i}.pdf",
                email=who.email,
                badge_name=name,
            ),
            NotificationSent(
                recipient_id=delegate_id,
                template="registration_confirmed",
                cause_event_id=f"c{i}",
                message_id=f"<m{i}@x>",
                to=who.email,
                subject="Welcome",
            ),
        ]
        if i % 2 == 0:
            out.append(
                DelegateCheckedIn(
                    congress_id=CONGRESS,
                    delegate_id=delegate_id,
                    station_id="desk-1",
                    checked_in_at=datetime(2027, 1, 4, 23, tzinfo=UTC) + timedelta(minutes=(i * 13) % 240),
                )
            )
        i += 1
    return out[:count]
