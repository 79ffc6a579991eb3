"""Where ``bench/pipeline.py``'s time goes: stage timestamps per delegate, consumer lag and CPU over time.

Everything is read from outside the services, so the services run exactly as under ``congress up``:

* stage timestamps come from the topics. An event's CloudEvent ``time`` is when its producer staged it (inside
  the handler's transaction, just before the commit); its Kafka record timestamp is when the relay published it
  (the producer's create time). All processes share this machine's clock. Per delegate:
  ``published`` (the bench sent its RegistrationConfirmed) → ``badge staged`` (badges' handler made BadgeIssued:
  consumed, rendered) → ``badge relayed`` (committed and published by the relay) → ``badge mail relayed``
  (notify's ``badge_ready`` NotificationSent published); and ``published`` → ``mail staged`` (notify recorded the
  confirmation email as sent) → ``mail relayed``;
* consumer lag: every second, each consumer group's committed offsets against the topics' end offsets;
* CPU: every second, the cores busy in each process group — badges (with its render workers), notify, the Kafka
  brokers, PostgreSQL, the SMTP sink, the bench — and in the whole machine, from /proc (``bench._cpu``).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from bench._cpu import snapshot, spent

STAGES: tuple[tuple[str, str, str], ...] = (
    ("registration → badges' handler (consume, render)", "published", "badge_staged"),
    ("badges' commit → relay publishes BadgeIssued", "badge_staged", "badge_relayed"),
    ("BadgeIssued → notify's badge email published", "badge_relayed", "badge_mail_relayed"),
    ("registration → notify records the confirmation sent", "published", "mail_staged"),
    ("notify's commit → relay publishes NotificationSent", "mail_staged", "mail_relayed"),
)
"""Each stage: its name, and the two timestamps of a delegate's ``Trace`` it lies between."""


@dataclass
class Trace:
    """When one delegate passed each point of the pipeline (epoch seconds; None: not yet)."""

    published: float | None = None
    badge_staged: float | None = None
    badge_relayed: float | None = None
    badge_mail_relayed: float | None = None
    mail_staged: float | None = None
    mail_relayed: float | None = None

    def mark(self, point: str, at: float) -> None:
        """The first time wins: a redelivered event does not move a stage."""
        if getattr(self, point) is None:
            setattr(self, point, at)


@dataclass
class Traces:
    """Every delegate's ``Trace``, by delegate id."""

    by_delegate: dict[str, Trace] = field(default_factory=dict)

    def mark(self, delegate_id: str, point: str, at: float) -> None:
        self.by_delegate.setdefault(delegate_id, Trace()).mark(point, at)

    def breakdown(self, delegates: Iterable[str], started: float) -> list[dict[str, Any]]:
        """Per stage over these delegates: p50/p99/max of its duration and when (from ``started``) the last one
        passed its end — the stage whose ``last done`` jumps is where the burst waits."""
        traces = [self.by_delegate.get(d, Trace()) for d in delegates]
        rows = []
        for name, start, end in STAGES:
            spans = sorted(
                getattr(t, end) - getattr(t, start)
                for t in traces
                if getattr(t, start) is not None and getattr(t, end) is not None
            )
            ends = [getattr(t, end) for t in traces if getattr(t, end) is not None]
            rows.append(
                {
                    "stage": name,
                    "count": len(spans),
                    "p50_seconds": percentile(spans, 0.50),
                    "p99_seconds": percentile(spans, 0.99),
                    "max_seconds": round(spans[-1], 3) if spans else None,
                    "last_done_after_seconds": round(max(ends) - started, 3) if ends else None,
                }
            )
        return rows


def percentile(values: list[float], q: float) -> float | None:
    """The ``q`` quantile of sorted ``values`` (nearest rank), rounded to ms; None when empty."""
    return round(values[min(len(values) - 1, int(q * len(values)))], 3) if values else None


@dataclass
class Sampler:
    """Once a second: each group's lag (records not yet committed) and each service's CPU (cores busy)."""

    bootstrap: str
    groups: Mapping[str, tuple[str, ...]]
    """Consumer group → the topics it reads (full names)."""
    roots: Mapping[str, list[int]]
    """Process group → the processes at its roots (``bench._cpu``)."""
    samples: list[dict[str, Any]] = field(default_factory=list)

    async def run(self, stop: asyncio.Event, started: float) -> None:
        admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap)
        ends = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, group_id=None)
        await admin.start()
        await ends.start()
        # Assigned, not subscribed (and never read): the consumer keeps those partitions' metadata for end_offsets.
        described = await admin.describe_topics(sorted({t for names in self.groups.values() for t in names}))
        ends.assign([TopicPartition(t["topic"], p["partition"]) for t in described for p in t["partitions"]])
        ends.pause(*ends.assignment())
        before, then = snapshot().by_group(self.roots), time.perf_counter()
        coordinators: dict[str, int] = {}
        try:
            while not stop.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 1.0)
                now, cpu = time.perf_counter(), snapshot().by_group(self.roots)
                sample: dict[str, Any] = {"t": round(now - started, 1)}
                end = await _ends(ends)  # one request per broker for every group's partitions
                for group, names in self.groups.items():
                    sample[f"lag {group}"] = await _lag(admin, end, group, names, coordinators)
                for name, seconds in spent(before, cpu).items():
                    sample[f"cpu {name}"] = round(seconds / (now - then), 2)
                self.samples.append(sample)
                before, then = cpu, now
        finally:
            await ends.stop()
            await admin.close()


async def _ends(ends: AIOKafkaConsumer) -> dict[TopicPartition, int] | None:
    """The end offset of every partition the sampler follows (None when Kafka does not say)."""
    try:
        return dict(await ends.end_offsets(list(ends.assignment())))
    except Exception:  # noqa: BLE001 -- a figure for the timeline, never a reason to stop the bench
        return None


async def _lag(
    admin: AIOKafkaAdminClient,
    end: dict[TopicPartition, int] | None,
    group: str,
    names: tuple[str, ...],
    coordinators: dict[str, int] | None = None,
) -> int | None:
    """Records on ``names`` the group has not committed yet (None when Kafka does not say). ``coordinators``: each
    group's coordinator as found before (asked once, not every second; forgotten when asking it fails)."""
    if end is None:
        return None
    known = {} if coordinators is None else coordinators
    try:
        if group not in known:
            known[group] = await admin.find_coordinator(group)
        partitions = sorted(tp for tp in end if tp.topic in names)
        committed = await admin.list_consumer_group_offsets(
            group, group_coordinator_id=known[group], partitions=partitions
        )
    except Exception:  # noqa: BLE001 -- a figure for the timeline, never a reason to stop the bench
        known.pop(group, None)  # moved, perhaps: found again next time
        return None
    return int(sum(end[tp] - max(0, committed[tp].offset if tp in committed else 0) for tp in partitions))


def print_breakdown(title: str, rows: list[dict[str, Any]]) -> None:
    print(f"    {title}")
    print(f"    {'stage':<54}{'n':>6}{'p50 s':>8}{'p99 s':>8}{'max s':>8}{'last done s':>13}")
    for r in rows:
        print(
            f"    {r['stage']:<54}{r['count']:>6}{_num(r['p50_seconds']):>8}{_num(r['p99_seconds']):>8}"
            f"{_num(r['max_seconds']):>8}{_num(r['last_done_after_seconds']):>13}"
        )


def print_timeline(samples: list[dict[str, Any]], every: int = 1) -> None:
    """The lag and CPU samples as a table (every ``every``-th second)."""
    if not samples:
        return
    keys = [k for k in samples[0] if k != "t"]
    widths = [max(8, len(k) + 2) for k in keys]
    print("    " + f"{'t s':>6}" + "".join(f"{k:>{w}}" for k, w in zip(keys, widths, strict=True)))
    for s in samples[::every]:
        print("    " + f"{s['t']:>6}" + "".join(f"{_num(s.get(k)):>{w}}" for k, w in zip(keys, widths, strict=True)))


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}" if isinstance(value, float) else str(value)
