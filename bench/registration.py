"""Registration POST throughput and latency under concurrent load, SQLite and PostgreSQL.

The service runs as it does in production (``python -m services.registration.app``
under uvicorn, in a subprocess, real Kafka for the outbox relay). wrk (C; an httpx
loop in this process if wrk is missing) keeps N requests in flight for ``--seconds``,
for each N in ``--concurrency`` (latency grows with N: it is the queue). Each request
is one delegate's card registration: validate, price, take the place, number, insert,
outbox rows, commit. Baseline: ``GET /healthz`` on the same server (the HTTP floor).
Also printed: the service's own CPU per request (from /proc), which load on the shared
machine disturbs far less than throughput. Goal from the issue: >= 500 registrations/s
with p99 < 100 ms on 2 cores. Writes bench/results/registration.json; never asserts.

    uv run python -m bench.registration [--concurrency 8 16 32 64] [--seconds 10]
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
from services.devtools.kafka_launcher import KafkaLauncher
from services.devtools.pg_launcher import PostgresLauncher
from services.devtools.processes import free_port

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
        # thousands of registrations a second from one client: the rate limits would answer 429 (the
        # bench measures the registration path, not the limiter)
        "REGISTRATION_RATE_LIMITS": "false",
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


def service_cpu_seconds(pid: int) -> float:
    """User + system CPU the service process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_one(name: str, db_url: str, bootstrap: str, args: argparse.Namespace, home: Path) -> dict[str, Any]:
    proc, base = start_service(db_url, bootstrap, home)
    figures: dict[str, Any] = {"database": name, "runs": []}
    try:
        asyncio.run(load(base, "POST", "/api/registrations", requests=300, concurrency=8, seconds=10))  # warm-up
        use_wrk = shutil.which("wrk") is not None
        for concurrency in args.concurrency:
            for method in ("POST", "GET"):
                if method == "GET" and concurrency != max(args.concurrency):
                    continue  # the HTTP floor once, at the highest concurrency
                before = service_cpu_seconds(proc.pid)
                if use_wrk:
                    fig = load_wrk(base, method, concurrency=concurrency, seconds=args.seconds)
                else:
                    path = "/api/registrations" if method == "POST" else "/healthz"
                    fig = asyncio.run(
                        load(base, method, path, requests=10**9, concurrency=concurrency, seconds=args.seconds)
                    )
                used = service_cpu_seconds(proc.pid) - before
                fig |= {
                    "what": "POST /api/registrations" if method == "POST" else "baseline GET /healthz",
                    "concurrency": concurrency,
                    "generator": "wrk" if use_wrk else "httpx",
                    "service_cpu_ms_per_request": round(1000 * used / max(1, fig["requests"]), 3),
                    "load_average": round(os.getloadavg()[0], 2),
                }
                figures["runs"].append(fig)
                print(
                    f"  {name}: {fig['what']} c={concurrency}: {fig['per_second']}/s p99 {fig['p99_ms']} ms",
                    flush=True,
                )
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrency", type=int, nargs="+", default=[8, 16, 32, 64])
    parser.add_argument("--seconds", type=float, default=10.0, help="per run")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-registration-") as tmp:
        root = Path(tmp)
        kafka = None
        bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
        if not bootstrap:
            print("starting a Kafka broker for the outbox relay…", flush=True)
            kafka = KafkaLauncher(root / "kafka", port=free_port())
            bootstrap = kafka.start(timeout=120)
        try:
            (root / "sqlite").mkdir()
            sqlite_url = f"sqlite+aiosqlite:///{root / 'sqlite' / 'reg.sqlite3'}"
            results.append(run_one("sqlite", sqlite_url, bootstrap, args, root / "sqlite"))
            print("starting PostgreSQL…", flush=True)
            with PostgresLauncher() as pg:
                (root / "pg").mkdir()
                results.append(run_one("postgresql", pg.url, bootstrap, args, root / "pg"))
        finally:
            if kafka is not None:
                kafka.stop()
    report(results, args)


def report(results: list[dict[str, Any]], args: argparse.Namespace) -> None:
    print()
    header = ("database", "what", "conc", "ok/s", "p50 ms", "p99 ms", "cpu ms/req", "goal")
    print("{:<11} {:<24} {:>4} {:>8} {:>8} {:>8} {:>10} {:>5}".format(*header))
    for r in results:
        for fig in r["runs"]:
            post = fig["what"].startswith("POST")
            met = fig["per_second"] >= GOAL["registrations_per_second"] and fig["p99_ms"] < GOAL["p99_ms"]
            print(
                f"{r['database']:<11} {fig['what']:<24} {fig['concurrency']:>4} {fig['per_second']:>8} "
                f"{fig['p50_ms']:>8} {fig['p99_ms']:>8} {fig['service_cpu_ms_per_request']:>10} "
                f"{('met' if met else 'no') if post else '':>5}"
            )
    print(
        f"goal: >= {GOAL['registrations_per_second']}/s with p99 < {GOAL['p99_ms']} ms on 2 cores; the service, "
        "Kafka, the database and the load generator share those cores (load average in the JSON)"
    )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "registration.json").write_text(
        json.dumps(
            {"goal": GOAL, "cpus": os.cpu_count(), "python": platform.python_version(), "results": results},
            indent=2,
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
