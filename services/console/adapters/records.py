"""Turning a raw Kafka record into an ``Entry``: decoded, validated where the type is known.

A known type is validated through its schema model; a CloudEvent of a type this
build does not know (another service may have added it) is still shown, by type
and subject; anything else on an event topic is ``malformed``. Dead letters are
raw by nature: they are shown with their ``dlq.reason`` header. Links that let a person in are
redacted before the console keeps anything, in old event versions and dead letters too.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, Protocol

from schemas import topics
from schemas.base import SPECVERSION, InvalidEvent, decode, registry
from schemas.personal import Open, erase_doc
from schemas.redaction import redact, redact_text
from services.console.entries import Entry


class Record(Protocol):
    """The parts of an aiokafka ``ConsumerRecord`` the console reads."""

    topic: str
    partition: int
    offset: int
    timestamp: int
    key: bytes | None
    value: bytes | None
    headers: Sequence[tuple[str, bytes]]


def to_entry(record: Record, *, topic_prefix: str = "", open_: Open | None = None) -> Entry:
    """The entry for a record, with every link that lets a person in redacted (``schemas.redaction``) and, with
    ``open_``, personal fields opened (``erased`` where the person's keys are gone)."""
    entry = _entry(record, topic_prefix, open_)
    return replace(
        entry,
        doc=redact(entry.doc),
        reason=redact_text(entry.reason) if entry.reason else entry.reason,
        headers=redact(dict(entry.headers)),
    )


def _entry(record: Record, topic_prefix: str, open_: Open | None = None) -> Entry:
    topic = record.topic.removeprefix(topic_prefix)
    key = record.key.decode("utf-8", "replace") if record.key is not None else None
    headers = {name: value.decode("utf-8", "replace") for name, value in record.headers or ()}
    at = datetime.fromtimestamp(record.timestamp / 1000, UTC)
    base: dict[str, Any] = {
        "topic": topic,
        "partition": record.partition,
        "offset": record.offset,
        "key": key,
        "headers": headers,
    }
    if topic == topics.DEADLETTER:
        return _dead_letter(record, base, at)
    if record.value is None:
        return Entry(
            **base,
            kind="tombstone",
            type="tombstone",
            subject=key or "",
            time=at,
            reason="tombstone: the delegate's snapshot was erased",
        )
    try:
        event = decode(record.value, open_)
    except InvalidEvent as exc:
        return _unknown_or_malformed(record.value, base, at, str(exc))
    return Entry(
        **base, kind="event", type=event.type, subject=event.subject, time=event.time, doc=event.model_dump(mode="json")
    )


def _dead_letter(record: Record, base: dict[str, Any], at: datetime) -> Entry:
    text = record.value.decode("utf-8", "replace") if record.value is not None else None
    headers: dict[str, str] = base["headers"]
    try:
        original: Any = json.loads(text) if text is not None else None
    except json.JSONDecodeError:
        original = None
    subject = original.get("subject") if isinstance(original, dict) else None
    doc = {"headers": headers, "value": original if original is not None else text}
    return Entry(
        **base,
        kind="deadletter",
        type="deadletter",
        subject=str(subject or base["key"] or ""),
        time=at,
        doc=doc,
        reason=headers.get("dlq.reason", "(no dlq.reason header)"),
    )


def _unknown_or_malformed(value: bytes, base: dict[str, Any], at: datetime, reason: str) -> Entry:
    try:
        doc = json.loads(value)
    except (UnicodeDecodeError, json.JSONDecodeError):
        doc = None
    well_formed = (
        isinstance(doc, dict)
        and doc.get("specversion") == SPECVERSION
        and isinstance(doc.get("type"), str)
        and reason.startswith("unknown event type")
    )
    if well_formed and isinstance(doc, dict):
        try:
            when = datetime.fromisoformat(str(doc.get("time")))
        except ValueError:
            when = at
        return Entry(
            **base,
            kind="event",
            type=doc["type"],
            subject=str(doc.get("subject", base["key"] or "")),
            time=when if when.tzinfo else when.replace(tzinfo=UTC),
            doc=doc,
        )
    raw = value.decode("utf-8", "replace")[:2000]
    return Entry(
        **base,
        kind="malformed",
        type="malformed",
        subject=base["key"] or "",
        time=at,
        doc={"value": doc if doc is not None else raw},
        reason=reason,
    )


def erased(entry: Entry) -> Entry:
    """``entry`` with every personal field of its event (or of the event a dead letter holds) reading
    ``erased``: what the console kept of a person opened is forgotten at their erasure. A type this build
    does not know has no known personal fields and stays as it is."""
    doc = entry.doc
    if doc is None:
        return entry
    if entry.kind == "event":
        changed = _erased_event(doc)
    elif entry.kind == "deadletter" and isinstance(doc.get("value"), dict):
        changed = {**doc, "value": _erased_event(doc["value"])}
    else:
        return entry
    return entry if changed == doc else replace(entry, doc=changed)


def _erased_event(doc: Mapping[str, Any]) -> dict[str, Any]:
    model = registry().get(str(doc.get("type")))
    data = doc.get("data")
    if model is None or not isinstance(data, dict):
        return dict(doc)
    return {**doc, "data": erase_doc(model, data)}
