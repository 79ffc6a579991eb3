"""What the fault suite checks from outside the services once the congress has settled.

Each check compares an effect with its cause and counts what is missing (lost) and what happened
more than once (duplicated). Sources: the services' databases read directly (as an auditor
would), the topics read from the beginning, the SMTP sink and the Stripe recording proxy.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition

from schemas import topics
from schemas.base import decode
from schemas.registration import RefundIssued, RegistrationConfirmed, RegistrationCreated, RegistrationCreatedV2


@dataclass(frozen=True)
class Check:
    what: str
    expected: int
    lost: int
    duplicated: int
    note: str = ""


@dataclass
class Evidence:
    """Everything read once, so that every check looks at the same moment."""

    registrations: list[dict[str, Any]]
    capacity: list[dict[str, Any]]
    stripe_tasks: list[dict[str, Any]]
    badges: dict[str, dict[str, Any]]
    unsent: dict[str, int]
    records: dict[str, list[Any]]
    mail: Counter[tuple[str, str, str]]
    refunds_at_stripe: Counter[str]
    stripe_requests: list[tuple[str, str, str, int]]


def pg(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def rows(url: str, sql: str) -> list[dict[str, Any]]:
    conn = await asyncpg.connect(pg(url))
    try:
        return [dict(r) for r in await conn.fetch(sql)]
    finally:
        await conn.close()


async def read_topic(bootstrap: str, topic: str) -> list[Any]:
    """Every record on ``topic`` up to its end offsets now, in partition then offset order."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(await consumer._client._wait_on_metadata(topic))]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        records: list[Any] = []
        while [tp for tp in partitions if await consumer.position(tp) < ends[tp]]:
            batch = await consumer.getmany(*partitions, timeout_ms=1000)
            for part in batch.values():
                records.extend(part)
        return sorted(records, key=lambda r: (r.partition, r.offset))
    finally:
        await consumer.stop()


async def gather(databases: dict[str, str], bootstrap: str, prefix: str, mail: Any, stripe: Any) -> Evidence:
    reg = databases["registration"]
    return Evidence(
        registrations=await rows(
            reg,
            "SELECT id, delegate_id, payer_id, status, paid, payment_method, version, add_ons, "
            "total_minor, refunded_minor "
            "FROM reg_registrations",
        ),
        capacity=await rows(reg, "SELECT code, capacity, taken FROM reg_capacity"),
        stripe_tasks=await rows(reg, "SELECT key, kind, status, attempts FROM reg_stripe_tasks"),
        badges={
            r["delegate_id"]: r
            for r in await rows(
                databases["badges"],
                "SELECT b.delegate_id, b.version, b.revoked, d.version AS seen_version "
                "FROM badges b LEFT JOIN badge_delegates d USING (delegate_id)",
            )
        },
        unsent={
            name: (await rows(url, "SELECT count(*) AS n FROM outbox WHERE sent_at IS NULL"))[0]["n"]
            for name, url in databases.items()
        },
        records={
            name: await read_topic(bootstrap, prefix + name)
            for name in (topics.REGISTRATION, topics.DELEGATES, topics.BADGES, topics.NOTIFY, topics.DEADLETTER)
        },
        mail=mail.counts(),
        refunds_at_stripe=stripe.refunds(),
        stripe_requests=list(stripe.requests),
    )


def events(ev: Evidence, topic: str) -> list[Any]:
    return [decode(r.value) for r in ev.records[topic]]


def badge_check(ev: Evidence) -> Check:
    confirmed = [r for r in ev.registrations if r["status"] == "confirmed"]
    missing = [
        r
        for r in confirmed
        if (b := ev.badges.get(r["delegate_id"])) is None or b["revoked"] or b["seen_version"] != r["version"]
    ]
    issued_records = [e for e in events(ev, topics.BADGES) if e.type.endswith("BadgeIssued.v1")]
    # The relay may publish a row again under the same id (at-least-once; every inbox drops it): that is
    # not a second badge. Two different ids for one delegate and version would be.
    issued: dict[tuple[str, int], set[str]] = {}
    for e in issued_records:
        issued.setdefault((e.subject, e.data.registration_version), set()).add(e.id)
    again = len(issued_records) - sum(len(ids) for ids in issued.values())
    return Check(
        "current badge per confirmed delegate",
        len(confirmed),
        len(missing),
        sum(len(ids) - 1 for ids in issued.values()),
        f"duplicates: BadgeIssued under two ids for one delegate and version; {again} published again (same id). "
        + "; ".join(
            f"{r['delegate_id']} v{r['version']} {r['status']}: {ev.badges.get(r['delegate_id'])}" for r in missing[:2]
        ),
    )


MAILED = {
    RegistrationCreated.event_type(): "registration_received",
    RegistrationCreatedV2.event_type(): "registration_received",
    RegistrationConfirmed.event_type(): "registration_confirmed",
    RefundIssued.event_type(): "refund_issued",
}


def mail_check(ev: Evidence) -> Check:
    causes = [(MAILED[e.type], e.id) for e in events(ev, topics.REGISTRATION) if e.type in MAILED]
    sent = Counter((template, cause) for (template, cause, _rcpt) in ev.mail.elements())
    lost = sum(1 for c in causes if sent[c] == 0)
    # a duplicate is one message (template, cause, recipient) received twice: one cause may rightly reach many
    # recipients (an organisers' broadcast, whose cause is the broadcast id, reaches every confirmed delegate)
    dup = sum(n - 1 for n in ev.mail.values())
    return Check(
        "one message per cause in the SMTP sink",
        len(causes),
        lost,
        dup,
        "received, confirmed, refund mails checked by cause; duplicates by cause and recipient over every message",
    )


def refund_check(ev: Evidence) -> Check:
    """Cancelled card payments (the organiser refunds each) and the refunds registration queued itself: each
    refunded in full, and Stripe accepted one refund per idempotency key and one key per registration."""
    owed = {
        r["id"] for r in ev.registrations if r["status"] == "cancelled" and r["paid"] and r["payment_method"] == "card"
    }
    owed |= {t["key"].split(":")[2] for t in ev.stripe_tasks if t["kind"] == "refund"}
    by_registration = Counter(key.split(":")[2] for key in ev.refunds_at_stripe if key.count(":") >= 2)
    lost = sum(1 for rid in owed if by_registration[rid] == 0)
    lost += sum(1 for t in ev.stripe_tasks if t["kind"] == "refund" and t["status"] != "done")
    dup = sum(n - 1 for n in ev.refunds_at_stripe.values()) + sum(n - 1 for n in by_registration.values())
    over = sum(1 for r in ev.registrations if r["refunded_minor"] > r["total_minor"])
    return Check(
        "refund asked of Stripe once (recording proxy)",
        len(owed),
        lost,
        dup + over,
        f"{sum(ev.refunds_at_stripe.values())} refunds accepted, "
        f"{sum(1 for m, p, k, st in ev.stripe_requests if p == '/v1/refunds' and st >= 500)} refused while down",
    )


def seat_check(ev: Evidence) -> Check:
    live = [r for r in ev.registrations if r["status"] not in ("cancelled", "erased")]
    held: Counter[str] = Counter()
    for r in live:
        add_ons = r["add_ons"] if isinstance(r["add_ons"], list) else json.loads(r["add_ons"])
        held.update(str(a) for a in add_ons)
    over = sum(max(0, held[c["code"]] - c["capacity"], c["taken"] - c["capacity"]) for c in ev.capacity)
    return Check(
        "no seat oversold (add-ons within capacity)", len(ev.capacity), 0, over, "duplicated = seats over capacity"
    )


def version_check(ev: Evidence) -> Check:
    """Per delegate, the ``registration_version`` of its snapshots on ``congress.delegates`` (registration
    publishes one after every change) in offset order: 1, 2, 3 … each once, the last one the version in
    registration's database. (Compaction could thin that history, but not within a run: the active
    segment is never compacted.) A version under two event ids is a change made twice (duplicated); the
    same event published again is the relay's at-least-once window (counted in the note, see ``republished``)."""
    seen: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for record in ev.records[topics.DELEGATES]:
        if record.value is not None:
            snapshot = decode(record.value)
            seen[snapshot.subject].append((snapshot.data.registration_version, snapshot.id))  # type: ignore[attr-defined]
    twice = sum(len({i for _, i in v}) - len({ver for ver, _ in v}) for v in seen.values())
    disorder = sum(1 for v in seen.values() if [ver for ver, _ in v] != sorted(ver for ver, _ in v))
    current = {r["delegate_id"]: r["version"] for r in ev.registrations}
    gaps = {d: sorted(set(range(1, v + 1)) - {ver for ver, _ in seen.get(d, [])}) for d, v in current.items()}
    examples = "; ".join(f"{d} v{current[d]} missing {g}" for d, g in gaps.items() if g)
    return Check(
        "snapshot versions per delegate: no gap, no repeat",
        sum(current.values()),
        sum(len(g) for g in gaps.values()) + disorder,
        twice,
        f"{republished(ev)} events published again (same id); {disorder} delegates out of order. {examples[:160]}",
    )


def republished(ev: Evidence) -> int:
    """Events on the topics a second time under the same id: the relay SIGKILLed between publishing and
    marking sent publishes them again (docs/ARCHITECTURE.md, crash points); consumers' inboxes drop them."""
    names = (topics.REGISTRATION, topics.DELEGATES, topics.BADGES, topics.NOTIFY)
    ids = Counter(decode(r.value).id for t in names for r in ev.records[t] if r.value is not None)
    return sum(n - 1 for n in ids.values())


def outbox_check(ev: Evidence) -> Check:
    return Check(
        "outboxes empty",
        len(ev.unsent),
        sum(ev.unsent.values()),
        0,
        ", ".join(f"{k} {v}" for k, v in ev.unsent.items()),
    )


def deadletter_check(ev: Evidence) -> Check:
    """Each dead letter is named in the note by the consumer that gave up and its reason (the headers)."""

    def said(record: Any) -> str:
        headers = {k: v.decode(errors="replace") for k, v in record.headers or ()}
        return f"{headers.get('dlq.consumer', '?')}: {headers.get('dlq.reason', '?')[:160]}"

    letters = ev.records[topics.DEADLETTER]
    return Check("nothing dead-lettered", 0, len(letters), 0, "; ".join(said(r) for r in letters))


def all_checks(ev: Evidence) -> list[Check]:
    return [
        f(ev)
        for f in (badge_check, mail_check, refund_check, seat_check, version_check, outbox_check, deadletter_check)
    ]
