"""What the badges and notify topics say during ``bench/pipeline.py``: which delegates have their badge and their
emails, and when each passed each stage (``bench._stages``); and the bench's own confirmations, published."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from bench._stages import Traces
from bench.notify import confirmation
from schemas import decode, encode, new_event, topics
from schemas.badges import BadgeIssued
from schemas.base import CloudEvent
from schemas.notify import NotificationSent

CONFIRMATION = "registration_confirmed"
BADGE_READY = "badge_ready"


@dataclass
class Watch:
    """What the badges and notify topics have said so far, by delegate and by cause."""

    badges: set[str] = field(default_factory=set)
    confirmed: set[str] = field(default_factory=set)
    sent_at: dict[str, float] = field(default_factory=dict)
    """Cause event id → when its confirmation email's NotificationSent reached the topic (epoch s)."""
    traces: Traces = field(default_factory=Traces)
    """When each delegate passed each stage (``bench._stages``)."""


async def watch(bootstrap: str, prefix: str, seen: Watch, stop: asyncio.Event) -> None:
    consumer = AIOKafkaConsumer(
        prefix + topics.BADGES,
        prefix + topics.NOTIFY,
        bootstrap_servers=bootstrap,
        group_id=None,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        while not stop.is_set():
            batches = await consumer.getmany(timeout_ms=200, max_records=2000)
            for records in batches.values():
                for record in records:
                    seen_event(seen, decode(record.value), record.timestamp / 1000)
    finally:
        await consumer.stop()


def seen_event(seen: Watch, event: CloudEvent[Any], relayed: float) -> None:
    """One event of the badges or notify topic: what it completes, and its stage timestamps."""
    staged, data = event.time.timestamp(), event.data
    if isinstance(data, BadgeIssued):
        seen.badges.add(data.delegate_id)
        seen.traces.mark(data.delegate_id, "badge_staged", staged)
        seen.traces.mark(data.delegate_id, "badge_relayed", relayed)
    elif isinstance(data, NotificationSent) and data.template == CONFIRMATION:
        seen.confirmed.add(data.recipient_id)
        seen.sent_at.setdefault(data.cause_event_id, relayed)
        seen.traces.mark(data.recipient_id, "mail_staged", staged)
        seen.traces.mark(data.recipient_id, "mail_relayed", relayed)
    elif isinstance(data, NotificationSent) and data.template == BADGE_READY:
        seen.traces.mark(data.recipient_id, "badge_mail_relayed", relayed)


async def publish(producer: AIOKafkaProducer, topic: str, numbers: range, seen: Watch) -> dict[str, float]:
    """Publish confirmations for these delegate numbers; returns cause id → when it was sent (epoch s)."""
    sent: dict[str, float] = {}
    futures = []
    for n in numbers:
        event = new_event(confirmation(n), "/bench/pipeline")
        sent[event.id] = time.time()
        seen.traces.mark(event.data.delegate_id, "published", sent[event.id])
        futures.append(await producer.send(topic, encode(event), key=event.subject.encode()))
    await asyncio.gather(*futures)
    return sent


async def badge_mails_sent(seen: Watch, delegates: list[str], timeout: float) -> bool:
    """Wait until each of these delegates' badge email is sent (False: not within ``timeout`` seconds)."""
    deadline = time.perf_counter() + timeout
    traces = seen.traces.by_delegate
    while time.perf_counter() < deadline:
        if all(d in traces and traces[d].badge_mail_relayed is not None for d in delegates):
            return True
        await asyncio.sleep(0.2)
    return False
