"""Registration POST throughput and latency under concurrent load, SQLite and PostgreSQL.

The service runs as it does in production (``python -m services.registration.app``
under uvicorn, in a subprocess, real Kafka for the outbox relay); an httpx async
load generator in this process keeps ``--concurrency`` requests in flight until
``--requests`` are done or ``--seconds`` pass. Each request is one delegate's card
registration: validate, price, take the seat, two counters, insert, outbox rows,
commit. Baseline: ``GET /healthz`` on the same server under the same load (the HTTP
floor). Goal from the issue: >= 500 registrations/s with p99 < 100 ms on 2 cores.
Writes bench/results/registration.json; never asserts.

    uv run python -m bench.registration [--requests 3000] [--concurrency 32] [--seconds 30]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import yaml

from services.common.congress import DEFAULT_CONFIG
from services.common.kafka_launcher import KafkaLauncher, free_port
from services.common.pg_launcher import PostgresLauncher

RESULTS = Path(__file__).parent / "results"
GOAL = {"registrations_per_second": 500, "p99_ms": 100}


def body(i: int) -> dict[str, Any]:
    return {
        "delegates": [
            {
                "given_name": "Bench",
                "family_name": f"Delegate {i}",
                "affiliation": "Bench University",
                "country": ("JP", "KE", "BR", "DE")[i % 4],
                "email": f"bench{i}@example.org",
                "category": ("member", "student", "non-member")[i % 3],
            }
        ],
        "payment_method": "card",
    }


async def load(base: str, method: str, path: str, *, requests: int, concurrency: int, seconds: float) -> dict[str, Any]:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    counter = iter(range(requests))
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:

        async def worker() -> None:
            for i in counter:
                if time.monotonic() > deadline:
                    return
                start = time.perf_counter()
                if method == "POST":
                    answer = await client.post(path, json=body(i))
                else:
                    answer = await client.get(path)
                latencies.append(time.perf_counter() - start)
                statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1

        began = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - began
    latencies.sort()
    ok = statuses.get(201 if method == "POST" else 200, 0)
    return {
        "requests": len(latencies),
        "ok": ok,
        "statuses": statuses,
        "seconds": round(elapsed, 2),
        "per_second": round(ok / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1) if latencies else None,
        "p99_ms": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000, 1)
        if latencies
        else None,
    }


def load_wrk(base: str, method: str, *, concurrency: int, seconds: float) -> dict[str, Any]:
    """The same load from wrk (C, one thread), so the load generator is not what is measured."""
    script = Path(__file__).with_name("registration_load.lua")
    argv = [
        "wrk",
        "-t1",
        f"-c{concurrency}",
        f"-d{max(1, int(seconds))}s",
        "--latency",
        "-s",
        str(script),
        base,
        "--",
        method,
        uuid.uuid4().hex[:8],
    ]
    out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    line = next(line for line in out.splitlines() if line.startswith("WRKJSON "))
    doc = json.loads(line.removeprefix("WRKJSON "))
    elapsed = doc["duration_us"] / 1e6
    ok = doc["requests"] - doc["non_2xx"] - doc["socket_errors"]
    return {
        "requests": doc["requests"],
        "ok": ok,
        "non_2xx": doc["non_2xx"],
        "seconds": round(elapsed, 2),
        "per_second": round(ok / elapsed, 1),
        "p50_ms": round(doc["p50_us"] / 1000, 1),
        "p99_ms": round(doc["p99_us"] / 1000, 1),
    }


def start_service(db_url: str, bootstrap: str, home: Path) -> tuple[subprocess.Popen[bytes], str]:
    doc = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    doc["registration"]["total_capacity"] = 1_000_000
    config = home / "congress.yaml"
    config.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    port = free_port()
    env = os.environ | {
        "REGISTRATION_HTTP_PORT": str(port),
        "REGISTRATION_DATABASE_URL": db_url,
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "KAFKA_TOPIC_PREFIX": f"bench{uuid.uuid4().hex[:8]}.",
        "CONGRESS_CONFIG": str(config),
        "CONGRESS_HOME": str(home),
        "REGISTRATION_PUBLIC_URL": f"http://127.0.0.1:{port}",
    }
    log = (home / "registration.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "services.registration.app"], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            break
        time.sleep(0.3)
    proc.terminate()
    raise RuntimeError(f"registration did not become ready; see {home / 'registration.log'}")


def run_one(name: str, db_url: str, bootstrap: str, args: argparse.Namespace, home: Path) -> dict[str, Any]:
    proc, base = start_service(db_url, bootstrap, home)
    try:
        kw = {"requests": args.requests, "concurrency": args.concurrency, "seconds": args.seconds}
        asyncio.run(load(base, "POST", "/api/registrations", requests=200, concurrency=8, seconds=10))  # warm-up
        baseline = asyncio.run(load(base, "GET", "/healthz", **kw))
        registration = asyncio.run(load(base, "POST", "/api/registrations", **kw))
        figures = {"database": name, "registration": registration, "baseline_healthz": baseline}
        if shutil.which("wrk"):
            wrk_seconds = min(args.seconds, 15.0)
            figures["wrk_baseline_healthz"] = load_wrk(base, "GET", concurrency=args.concurrency, seconds=wrk_seconds)
            figures["wrk_registration"] = load_wrk(base, "POST", concurrency=args.concurrency, seconds=wrk_seconds)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-registration-") as tmp:
        root = Path(tmp)
        kafka = None
        bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
        if not bootstrap:
            kafka = KafkaLauncher(root / "kafka", port=free_port())
            bootstrap = kafka.start(timeout=120)
        try:
            (root / "sqlite").mkdir()
            results.append(
                run_one(
                    "sqlite", f"sqlite+aiosqlite:///{root / 'sqlite' / 'reg.sqlite3'}", bootstrap, args, root / "sqlite"
                )
            )
            with PostgresLauncher() as pg:
                (root / "pg").mkdir()
                results.append(run_one("postgresql", pg.url, bootstrap, args, root / "pg"))
        finally:
            if kafka is not None:
                kafka.stop()
    print(f"{'database':<11} {'what':<22} {'ok/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'requests':>9}")
    for r in results:
        rows = [
            ("POST /api/registrations", r["registration"]),
            ("baseline GET /healthz", r["baseline_healthz"]),
        ]
        if "wrk_registration" in r:
            rows += [("POST (wrk load)", r["wrk_registration"]), ("GET /healthz (wrk load)", r["wrk_baseline_healthz"])]
        for label, fig in rows:
            print(
                f"{r['database']:<11} {label:<22} {fig['per_second']:>8} {fig['p50_ms']:>8} {fig['p99_ms']:>8} "
                f"{fig['requests']:>9}"
            )
    print(
        f"goal: >= {GOAL['registrations_per_second']}/s with p99 < {GOAL['p99_ms']} ms "
        "(the httpx rows share the 2 cores with a Python load generator; the wrk rows use C)"
    )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "registration.json").write_text(
        json.dumps(
            {
                "goal": GOAL,
                "concurrency": args.concurrency,
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "results": results,
            },
            indent=2,
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
