"""What crypto-shredding costs the kernel: ``bench.kernel``'s stages with and without the keyring, in one run.

    uv run python -m bench.sealing [--events 20000] [--repeat 3] [--no-postgres]

Each round runs a raw aiokafka pair (for the ratio), then the kernel as a service runs it (personal fields
sealed per person, a key minted and published per new person, keys followed), then the same kernel with no
keyring (personal fields in clear, as before decision 45), alternately, on SQLite and PostgreSQL. The events
are ``bench.kernel``'s: a RegistrationConfirmed per delegate, each handled into a NotificationSent sealed
for its recipient, so every event makes a new person key. The difference in this process's CPU µs per event
is the cost of sealing. Writes bench/results/sealing.json; never asserts.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from unittest import mock

import uvloop

from bench import kernel
from schemas.base import EventData
from services.common.consumer import EventConsumer, Handler
from services.common.runtime import ServiceRuntime, tune_gc


class UnsealedRuntime(ServiceRuntime):
    """A service runtime whose outbox and consumers have no keyring: personal fields go and come in clear."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.outbox.keyring = None

    def consume(
        self,
        name: str,
        topic_names: tuple[str, ...],
        handlers: Mapping[type[EventData], Handler],
        *,
        optimistic: bool = True,
    ) -> EventConsumer:
        consumer = super().consume(name, topic_names, handlers, optimistic=optimistic)
        consumer.keyring, consumer.key_follower = None, None
        return consumer


def unsealed() -> Any:
    """While in it, ``bench.kernel``'s runs build an ``UnsealedRuntime``."""
    return mock.patch.object(kernel, "ServiceRuntime", UnsealedRuntime)


def kernel_cpu(bootstrap: str, values: list[bytes], server: str | None, handler: str) -> tuple[float, float]:
    """One kernel run: events per second and this process's CPU µs per event."""
    if server is None:
        url = f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite3'}"
    else:
        url = uvloop.run(kernel.fresh_pg_database(server))
    rate = uvloop.run(kernel.kernel_rate(bootstrap, values, url, handler_row=handler))
    return rate, kernel.CPU_US[len(kernel.CPU_US) - 1]


def run(bootstrap: str, values: list[bytes], pg: str | None, repeat: int) -> dict[str, dict[str, list[float]]]:
    """Per stage: rates and CPU per event, sealed and in clear, each round right after a raw run."""
    found: dict[str, dict[str, list[float]]] = {}
    databases = [("SQLite", None)] + ([("PostgreSQL", pg)] if pg else [])
    for round_ in range(repeat):
        for db_name, server in databases:
            for handler in ("none", "staged"):
                name = kernel.STAGES[handler].format(db=db_name)
                row = found.setdefault(name, {})
                raw = uvloop.run(kernel.raw_rate(bootstrap, values))
                row.setdefault("raw", []).append(raw)
                sealed = kernel_cpu(bootstrap, values, server, handler)
                with unsealed():
                    clear = kernel_cpu(bootstrap, values, server, handler)
                for key, (rate, cpu) in (("sealed", sealed), ("clear", clear)):
                    row.setdefault(f"{key}_rate", []).append(rate)
                    row.setdefault(f"{key}_cpu_us", []).append(cpu)
                print(
                    f"  [{round_ + 1}/{repeat}] {name}: sealed {sealed[0]:,.0f}/s {sealed[1]:,.0f} µs,"
                    f" clear {clear[0]:,.0f}/s {clear[1]:,.0f} µs, raw {raw:,.0f}/s",
                    flush=True,
                )
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=1, help="rounds; medians are shown")
    parser.add_argument("--postgres", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--postgres-url", default=os.environ.get("TEST_POSTGRES_URL"))
    args = parser.parse_args()
    bootstrap, launcher = kernel.start_kafka()
    pg_launcher = None
    try:
        values = kernel.sample_events(args.events)
        tune_gc()
        server = args.postgres_url
        if args.postgres and server is None:
            from services.devtools.pg_launcher import PostgresLauncher

            pg_launcher = PostgresLauncher()
            server = pg_launcher.start()
        found = run(bootstrap, values, server if args.postgres else None, args.repeat)
    finally:
        if pg_launcher is not None:
            pg_launcher.stop()
        if launcher is not None:
            launcher.stop()
    table = {name: {key: statistics.median(v) for key, v in row.items()} for name, row in found.items()}
    print(f"\n{'stage':<44}{'sealed/s':>10}{'clear/s':>10}{'raw/s':>9}{'vs raw':>8}{'µs sealed':>11}{'clear':>7}")
    for name, row in table.items():
        print(
            f"{name:<44}{row['sealed_rate']:>10,.0f}{row['clear_rate']:>10,.0f}{row['raw']:>9,.0f}"
            f"{row['sealed_rate'] / row['raw']:>8.0%}{row['sealed_cpu_us']:>11,.0f}{row['clear_cpu_us']:>7,.0f}"
        )
    print("(medians; CPU is this process's per event; sealing costs the difference of the two µs columns)")
    kernel.RESULTS.mkdir(exist_ok=True)
    (kernel.RESULTS / "sealing.json").write_text(
        json.dumps(
            {
                "events": args.events,
                "repeat": args.repeat,
                "stages": table,
                "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "load": os.getloadavg()},
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
