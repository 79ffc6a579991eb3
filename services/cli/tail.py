"""``congress tail``: one readable line per event on every topic, as it happens.

Links that let a person in are never shown (``schemas.redaction``), also those old event versions
carry in clear. Personal fields are opened with the keys on ``congress.keys`` (the tail reads that topic
too, and needs the congress secret to unwrap them); a person whose keys were erased shows ``erased``.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Callable
from typing import Any

from aiokafka import AIOKafkaConsumer

from schemas import InvalidEvent, decode, topics
from schemas.redaction import redact, redact_text
from services.common.broker import METADATA_MAX_AGE_MS
from services.common.key_follower import KeyFollower
from services.common.keyring import Keyring

_SKIP = {"congress_id", "delegate_id", "registration_id", "delegate", "recipient_id"}


def summarise(data: Any) -> str:
    """The few fields that tell what happened, e.g. ``badge_name='Ana Müller' total=EUR 420.00``."""
    parts: list[str] = []
    doc = redact(data.model_dump(mode="json"))  # no working link on anyone's screen (schemas.redaction)
    delegate = doc.get("delegate")
    if isinstance(delegate, dict):
        parts.append(f"name={delegate.get('badge_name')!r} {delegate.get('country')} {delegate.get('category')}")
    for name, value in doc.items():
        if name in _SKIP or (isinstance(value, (dict, list)) and name not in {"total", "amount"}):
            continue
        if isinstance(value, dict) and "amount_minor" in value:
            value = f"{value['currency']} {value['amount_minor']}"
        elif isinstance(value, str) and not value.isprintable():
            value = repr(value)  # one line per event: newlines, escape sequences and bidi controls shown, not obeyed
        parts.append(f"{name}={value}")
        if len(parts) >= 5:
            break
    return " ".join(parts)


def format_record(
    topic: str,
    key: bytes | None,
    value: bytes | None,
    headers: list[tuple[str, bytes]],
    keyring: Keyring | None = None,
) -> tuple[str, str, str]:
    """(type, subject, line) for one record; dead letters and tombstones get lines of their own.

    A record of the key topic is also applied to ``keyring``, which opens the personal fields of the events
    after it (without one they show as their tokens)."""
    if keyring is not None and topic.endswith(topics.KEYS):
        KeyFollower("", keyring).apply(key, value)
    if topic.endswith(topics.DEADLETTER):
        reason = dict(headers).get("dlq.reason", b"?").decode(errors="replace")
        return "deadletter", (key or b"").decode(errors="replace"), f"DEAD LETTER  {redact_text(reason)}"
    if value is None:
        subject = (key or b"").decode(errors="replace")
        return "tombstone", subject, f"{'tombstone':<44} {subject}  (erased)"
    try:
        event = decode(value, keyring.opener(final=True) if keyring is not None else None)
    except InvalidEvent as exc:
        return "invalid", "", f"INVALID  {redact_text(str(exc))}"
    short = event.type.removeprefix("congress.")
    time = event.time.strftime("%H:%M:%S")
    return event.type, event.subject, f"{time}  {short:<44} {event.subject:<14} {summarise(event.data)}"


async def follow(
    bootstrap: str,
    *,
    prefix: str = "",
    type_filter: str | None = None,
    subject_filter: str | None = None,
    from_beginning: bool = True,
    emit: Callable[[str], None] = print,
    limit: int | None = None,
    stop: threading.Event | None = None,
    secret: str | None = None,
) -> int:
    keyring = Keyring(secret, "tail") if secret else None
    consumer = AIOKafkaConsumer(
        *(prefix + t for t in topics.ALL_TOPICS),
        bootstrap_servers=bootstrap,
        metadata_max_age_ms=METADATA_MAX_AGE_MS,
        group_id=f"congress-tail-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest" if from_beginning else "latest",
        enable_auto_commit=False,
    )
    await consumer.start()
    shown = 0
    try:
        while not (stop is not None and stop.is_set()):
            batches = await consumer.getmany(timeout_ms=300)
            # a batch's keys first: a key is published before the events it opens
            ordered = sorted(
                (r for rs in batches.values() for r in rs), key=lambda r: not r.topic.endswith(topics.KEYS)
            )
            for record in ordered:
                event_type, subject, line = format_record(
                    record.topic, record.key, record.value, list(record.headers), keyring
                )
                if type_filter and type_filter.lower() not in event_type.lower():
                    continue
                if subject_filter and subject_filter != subject:
                    continue
                emit(line)
                shown += 1
                if limit is not None and shown >= limit:
                    return shown
    finally:
        await consumer.stop()
    return shown


def run(bootstrap: str, **kwargs: Any) -> int:
    return asyncio.run(follow(bootstrap, **kwargs))
