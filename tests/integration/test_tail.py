"""`congress tail` reads every topic from the start, one line per event, and stops when told."""

from __future__ import annotations

import asyncio
import threading

from schemas import topics
from schemas.registration import RefundIssued
from schemas.values import Money
from services.cli.tail import follow
from tests.kafka_helpers import eventually, publish


async def test_tail_shows_events_filtered_and_stops_when_told(kafka_bootstrap: str, topic_prefix: str) -> None:
    refunds = [
        RefundIssued(
            congress_id="icsei-2027",
            registration_id=f"r-{n}",
            delegate_id=f"d-{n}",
            amount=Money(amount_minor=1500 * n, currency="JPY"),
            provider_reference=f"re_{n}",
        )
        for n in (1, 2)
    ]
    await publish(kafka_bootstrap, topic_prefix + topics.REGISTRATION, refunds)
    lines: list[str] = []
    stop = threading.Event()
    task = asyncio.create_task(
        follow(kafka_bootstrap, prefix=topic_prefix, subject_filter="d-2", emit=lines.append, stop=stop)
    )
    await eventually(lambda: lines, timeout=60)
    stop.set()
    shown = await asyncio.wait_for(task, timeout=10)
    assert shown == 1 and len(lines) == 1
    assert "RefundIssued" in lines[0] and "d-2" in lines[0] and "re_2" in lines[0]
