"""The pipeline after payment: confirmations in a burst → every badge issued and every email sent.

    uv run python -m bench.pipeline [--delegates 500] [--rate 25] [--seconds 15]
    uv run python -m bench.pipeline --delegates 2500 --seconds 60      # the full figure of issue 11

* burst: ``--delegates`` ``RegistrationConfirmed`` events (what registration publishes when a
  payment confirms a registration) are published at once; the clock runs until every
  delegate's ``BadgeIssued`` is on the badges topic and every delegate's confirmation email
  was accepted by the SMTP sink (notify's ``NotificationSent`` with ``registration_confirmed``,
  published in the transaction that records the send; the sink's maildir is counted too);
* steady: once notify has also mailed every badge of the burst (``badge_ready``: so the steady part measures
  the steady state, not the burst's backlog), ``--rate`` confirmations a second (one every 1/rate s) for
  ``--seconds``, and for each the time from its publication to its email's ``NotificationSent`` (p50, p99).

Where the time goes (``bench._stages``), printed for the burst and for the steady part: per stage — the
confirmation to badges' handler (consume, render), badges' commit to the relay's BadgeIssued, BadgeIssued to
notify's badge email, the confirmation to notify's recorded send, notify's commit to its relay — p50/p99/max per
delegate and when the last delegate passed it; and every second each consumer group's lag (records not
committed) and each service's CPU (cores busy). Stage times come from the topics: an event's CloudEvent
``time`` is when its service staged it, its record timestamp when the relay published it.

The badges and notify services run as they do under ``congress up``: each its own process
started by the project's ``Supervisor`` (one copy on SQLite files; the demo congress), against real
Kafka and a real SMTP server on loopback as its own process: the lean ``bench._sink`` (it stores what the
demo's sink stores for a third of its CPU), or with ``--demo-sink`` the demo's aiosmtpd one
(``services.notify.adapters.mailsink``). Kafka: ``KAFKA_BOOTSTRAP_SERVERS`` if set, else the project's
launcher. The burst starts once every badges copy says its render pool is warm (``/readyz``'s ``warm_up``; the
seconds from each copy's start are printed): a copy is ready before that (the station serves while its workers
start), and until session 14 the workers' own start was counted in the burst. Registration itself is not in
the loop: the burst starts at its output (its confirmations are published unsealed, where registration seals the
delegate's personal fields).

Set-ups: one broker and one copy of each service; with ``--brokers 3`` also, in the same
run, a cluster of three KRaft nodes (``services.devtools.kafka_cluster``, as ``congress kafka
start --brokers 3``; topics made by the services with the topic policy) and ``--replicas``
copies of each service, supervised as ``congress up --replicas`` runs them: sharing one
PostgreSQL database per service (``--postgres-url``/``TEST_POSTGRES_URL``, else a server started
for the set-up), the copies sharing each consumer group's partitions.

Prints figures beside the goals (burst ≤ 30 s, p99 < 2 s) and today's component baselines, and the
whole machine's CPU per delegate of the burst by process group (``bench._cpu``: user + system from /proc,
with child processes): badges (its render workers also apart), notify, the Kafka brokers (also by thread:
request handlers, replica fetchers, the JIT compiler, …), PostgreSQL (when the bench started it), the SMTP
sink, the bench itself, their sum, the rest of the machine (other jobs) and the machine; and each copy's. On a
shared machine the CPU per delegate moves less with the load than the seconds do. Writes
bench/results/pipeline.json. Never asserts.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer

from bench._cpu import by_thread, per_item, print_per_item, snapshot, spent, threads
from bench._sink import start as start_lean_sink
from bench._stages import Sampler, percentile, print_breakdown, print_timeline
from bench._watch import Watch, badge_mails_sent, publish, watch
from bench.kernel import fresh_pg_database
from bench.notify import delivered, start_sink
from schemas import topics
from services.cli.supervisor import Supervisor
from services.devtools.kafka_cluster import KafkaCluster
from services.devtools.kafka_launcher import KafkaLauncher
from services.devtools.pg_launcher import PostgresLauncher
from services.devtools.processes import free_port

RESULTS = Path(__file__).resolve().parent / "results" / "pipeline.json"
GOAL_BURST_SECONDS = 30.0
GOAL_P99_SECONDS = 2.0
BASELINES = {"notify alone, 2,500 confirmations from Kafka (s)": 8.9, "badges alone, 2,500 renders (s)": 10.8}
"""Component figures on a quiet machine named in issue 11."""
RENDER_WORKERS = "badges' render workers"
"""The CPU figure of the badges processes' children (the render pool), beside the figure of all badges processes."""
BADGES, NOTIFY, KAFKA, POSTGRES, SINK, BENCH = "badges", "notify", "kafka", "postgresql", "smtp sink", "bench"
"""The process groups whose CPU is counted (``bench._cpu``): each service's copies, the brokers, the database
server (when the bench started it), the SMTP sink, and the bench's own process (publisher, watcher, sampler)."""


async def burst_and_steady(
    bootstrap: str, prefix: str, args: argparse.Namespace, roots: dict[str, list[int]]
) -> dict[str, Any]:
    seen, stop = Watch(), asyncio.Event()
    watcher = asyncio.create_task(watch(bootstrap, prefix, seen, stop))
    groups = {
        "badges": (prefix + topics.REGISTRATION,),
        "notify": (prefix + topics.REGISTRATION, prefix + topics.BADGES),
    }
    sampler = Sampler(bootstrap, {prefix + g: names for g, names in groups.items()}, roots)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all", linger_ms=5)
    await producer.start()
    sampling = asyncio.create_task(sampler.run(stop, time.perf_counter()))
    try:
        n = args.delegates
        before, broker_threads = snapshot(), threads(roots[KAFKA])
        started, epoch = time.perf_counter(), time.time()
        await publish(producer, prefix + topics.REGISTRATION, range(n), seen)
        badges_done = mails_done = None
        deadline = started + args.timeout
        while (badges_done is None or mails_done is None) and time.perf_counter() < deadline:
            await asyncio.sleep(0.1)
            now = time.perf_counter() - started
            if badges_done is None and len(seen.badges) >= n:
                badges_done = now
            if mails_done is None and len(seen.confirmed) >= n:
                mails_done = now
        after = snapshot()
        cpu_ms = per_item(before, after, roots, n, apart=(RENDER_WORKERS, BADGES))
        kafka_ms = by_thread(broker_threads, threads(roots[KAFKA]), n)
        copies = {f"{g} #{k}": [pid] for g in (BADGES, NOTIFY) for k, pid in enumerate(roots[g], 1)}
        by_copy = {
            name: round(sec / n * 1000, 2)
            for name, sec in spent(before.by_group(copies), after.by_group(copies)).items()
            if name in copies
        }
        burst = {
            "cpu_ms_per_delegate": cpu_ms,
            "cpu_window_seconds": round(after.at - before.at, 3),
            "kafka_cpu_ms_per_delegate_by_thread": kafka_ms,
            "cpu_ms_per_delegate_by_copy": by_copy,
            "delegates": n,
            "seconds_until_every_badge": badges_done,
            "seconds_until_every_confirmation_email": mails_done,
            "seconds_until_both": max(badges_done, mails_done) if badges_done and mails_done else None,
            "badges_seen": len(seen.badges),
            "confirmation_emails_seen": len(seen.confirmed),
            "stages": seen.traces.breakdown([f"d-{k:05d}" for k in range(n)], epoch),
            "timeline": list(sampler.samples),
        }
        print(f"  burst of {n}: badges {_cell(badges_done)} s, emails {_cell(mails_done)} s")
        print_per_item(cpu_ms, n, after.at - before.at, "delegate")
        top = ", ".join(f"{name} {ms}" for name, ms in list(kafka_ms.items())[:8])
        print(f"    the brokers' CPU by thread, ms/delegate: {top}")
        print("    each copy's CPU, ms/delegate: " + ", ".join(f"{name} {ms}" for name, ms in by_copy.items()))
        print_breakdown("burst, per delegate (last done: seconds after the burst was published)", burst["stages"])
        print("    lag (records not committed) and CPU (cores busy) each second:")
        print_timeline(burst["timeline"])
        # The burst's badge emails (notify mails each badge) are still going out: the steady part starts after them,
        # so its latencies are the steady state's, not the burst's backlog.
        drained = await badge_mails_sent(seen, [f"d-{k:05d}" for k in range(n)], args.timeout)
        burst["seconds_until_every_badge_email"] = round(time.perf_counter() - started, 3) if drained else None
        print(f"  the burst's badge emails all sent after {_cell(burst['seconds_until_every_badge_email'])} s")
        causes: dict[str, float] = {}
        mark = len(sampler.samples)
        steady_started, steady_epoch = time.perf_counter(), time.time()
        for k in range(args.seconds * args.rate):  # one payment every 1/rate seconds
            causes.update(await publish(producer, prefix + topics.REGISTRATION, range(n + k, n + k + 1), seen))
            await asyncio.sleep(max(0.0, steady_started + (k + 1) / args.rate - time.perf_counter()))
        deadline = time.perf_counter() + 60
        while any(c not in seen.sent_at for c in causes) and time.perf_counter() < deadline:  # noqa: ASYNC110 -- the watcher fills a dict
            await asyncio.sleep(0.1)
        latencies = sorted(seen.sent_at[c] - at for c, at in causes.items() if c in seen.sent_at)
        steady = {
            "payments_per_second": args.rate,
            "seconds": args.seconds,
            "emails": len(latencies),
            "of": len(causes),
            "p50_seconds": percentile(latencies, 0.50),
            "p99_seconds": percentile(latencies, 0.99),
            "max_seconds": round(latencies[-1], 3) if latencies else None,
            "stages": seen.traces.breakdown(
                [f"d-{k:05d}" for k in range(n, n + args.seconds * args.rate)], steady_epoch
            ),
            "timeline": sampler.samples[mark:],
        }
        print(f"  steady {args.rate}/s: p50 {_cell(steady['p50_seconds'])} s, p99 {_cell(steady['p99_seconds'])} s")
        print_breakdown("steady, per delegate (last done: seconds after the steady part began)", steady["stages"])
        print_timeline(steady["timeline"], every=2)
        return {"burst": burst, "steady": steady}
    finally:
        stop.set()
        await producer.stop()
        await watcher
        await sampling


def wait_warm(port: int, label: str, started: float, timeout: float = 300.0) -> float:
    """Until the badges copy's ``/readyz`` says its render pool is warm (``warm_up.render_pool``); seconds since
    the copy was started. The copy is ready before (decision 9: the station serves while its workers start), but
    a burst must meet a running service, not its start: the workers' start (fonts cut, a face prepared per
    script: ~12 s of CPU for two) would be counted in the burst's seconds and CPU."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError, ValueError):
            state = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2.0).json()["warm_up"]["render_pool"]
            if state == "warm":
                seconds = time.monotonic() - started
                print(f"  {label}: render pool warm {seconds:.1f} s after its start", flush=True)
                return seconds
            if state == "failed":
                raise SystemExit(f"{label}: its render pool did not start")
        time.sleep(0.3)
    raise SystemExit(f"{label}: its render pool was not warm after {timeout:.0f} s")


def run_setup(bootstrap: str, brokers: list[int], copies: int, args: argparse.Namespace) -> dict[str, Any]:
    """One set-up: badges and notify (``copies`` of each) as processes, the sink, the burst and the steady rate.

    Several copies share one PostgreSQL database per service, as under ``congress up --replicas``
    (``--postgres-url``, else a server started for the set-up); one copy uses SQLite files. ``brokers``: the
    Kafka brokers' pids (none when the bench did not start them), whose CPU is counted with the rest.
    """
    home = Path(tempfile.mkdtemp(prefix="bench-pipeline-"))
    maildir = home / "mail"
    sink, smtp_port = start_sink(maildir) if args.demo_sink else start_lean_sink(maildir)
    prefix = f"pipe{uuid.uuid4().hex[:8]}."
    env = {
        **os.environ,
        "CONGRESS_HOME": str(home),
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "KAFKA_TOPIC_PREFIX": prefix,
        "BADGES_HTTP_PORT": str(free_port()),
        "BADGES_FONT_CACHE": str(home / "fonts"),  # its own cut CJK fonts: another run's badges prune the shared ones
        "NOTIFY_HTTP_PORT": str(free_port()),
        "NOTIFY_SMTP_HOST": "127.0.0.1",
        "NOTIFY_SMTP_PORT": str(smtp_port),
        "NOTIFY_EMBEDDED_SINK": "false",
    }
    postgres = None
    if copies > 1:
        server = args.postgres_url
        if server is None:
            postgres = PostgresLauncher()
            server = postgres.start()
        for name in ("badges", "notify"):
            env[f"{name.upper()}_DATABASE_URL"] = asyncio.run(fresh_pg_database(server))
    supervisor = Supervisor(env=env)
    try:
        roots: dict[str, list[int]] = {BADGES: [], NOTIFY: []}
        warm: dict[str, float] = {}
        for name in (BADGES, NOTIFY):
            for copy in range(1, copies + 1):
                started = time.monotonic()
                child = supervisor.start(name, copy)
                if not supervisor.wait_ready(child, timeout=180):
                    raise SystemExit(f"{child.label} did not become ready:\n{child.tail()}")
                if name == BADGES:
                    warm[child.label] = wait_warm(child.port, child.label, started)
                roots[name].append(child.process.pid)
        roots[KAFKA] = brokers
        roots[POSTGRES] = [pid for pid in [postgres.pid if postgres else None] if pid is not None]
        roots[SINK] = [sink.pid]
        roots[BENCH] = [os.getpid()]
        result = asyncio.run(burst_and_steady(bootstrap, prefix, args, roots))
        result["delivered_to_sink"] = delivered(maildir)
        result["render_pool_warm_seconds_after_start"] = warm
        result["setup"] = {
            "brokers": bootstrap.count(",") + 1,
            "copies_of_each_service": copies,
            "database": "PostgreSQL" if copies > 1 else "SQLite",
        }
        return result
    finally:
        supervisor.stop_all()
        sink.terminate()
        sink.wait()
        if postgres is not None:
            postgres.stop()
        shutil.rmtree(home, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--delegates", type=int, default=500, help="confirmations in the burst (issue 11: 2500)")
    parser.add_argument("--rate", type=int, default=25, help="payments a second in the steady part")
    parser.add_argument("--seconds", type=int, default=15, help="how long the steady part lasts")
    parser.add_argument("--timeout", type=float, default=300.0, help="give up on the burst after this many seconds")
    parser.add_argument(
        "--brokers", type=int, default=1, help="also run on a cluster of this many nodes, in the same run (e.g. 3)"
    )
    parser.add_argument(
        "--replicas", type=int, default=1, help="copies of each service on the cluster (PostgreSQL, as `congress up`)"
    )
    parser.add_argument(
        "--demo-sink",
        action="store_true",
        help="receive mail with the demo's aiosmtpd sink instead of the lean one (bench._sink)",
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("TEST_POSTGRES_URL"),
        help="a PostgreSQL server for the copies' databases (default: start one)",
    )
    args = parser.parse_args()
    launcher = None
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if not bootstrap:
        launcher = KafkaLauncher(Path(tempfile.mkdtemp(prefix="bench-kafka-")), port=free_port())
        print("starting a local Kafka for the benchmark…", flush=True)
        bootstrap = launcher.start(timeout=120)
    try:
        pids = [pid for pid in [launcher.running_pid() if launcher else None] if pid is not None]
        setups = {"1 broker, 1 copy of each service": run_setup(bootstrap, pids, 1, args)}
    finally:
        if launcher is not None:
            launcher.stop()
    if args.brokers > 1:
        cluster = KafkaCluster(Path(tempfile.mkdtemp(prefix="bench-cluster-")), port=free_port(), brokers=args.brokers)
        print(f"starting a cluster of {args.brokers} Kafka nodes…", flush=True)
        try:
            name = f"{args.brokers} brokers, {args.replicas} cop{'y' if args.replicas == 1 else 'ies'} of each service"
            bootstrap = cluster.start(timeout=300)
            pids = [pid for node in cluster.nodes.values() if (pid := node.running_pid()) is not None]
            setups[name] = run_setup(bootstrap, pids, args.replicas, args)
        finally:
            cluster.stop()
    _print(setups, args)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "setups": setups,
                "goals": {"burst_seconds_at_most": GOAL_BURST_SECONDS, "p99_seconds_below": GOAL_P99_SECONDS},
                "baselines": BASELINES,
                "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "load": os.getloadavg()},
                "command": " ".join([sys.executable, "-m", "bench.pipeline", *sys.argv[1:]]),
            },
            indent=2,
        )
    )


def _print(setups: dict[str, dict[str, Any]], args: argparse.Namespace) -> None:
    print(
        f"\n{'set-up':<36}{'burst s':>9}{'badges s':>10}{'emails s':>10}{'badge mails s':>15}{'p50 s':>8}{'p99 s':>8}"
        f"{'badges ms':>11}{'of which render':>17}{'notify ms':>11}"
    )
    for name, r in setups.items():
        burst, steady = r["burst"], r["steady"]
        cpu = burst["cpu_ms_per_delegate"]
        print(
            f"{name:<36}{_cell(burst['seconds_until_both']):>9}{_cell(burst['seconds_until_every_badge']):>10}"
            f"{_cell(burst['seconds_until_every_confirmation_email']):>10}"
            f"{_cell(burst.get('seconds_until_every_badge_email')):>15}"
            f"{_cell(steady['p50_seconds']):>8}{_cell(steady['p99_seconds']):>8}"
            f"{cpu['badges']:>11.2f}{cpu[RENDER_WORKERS]:>17.2f}{cpu['notify']:>11.2f}"
        )
    print(
        "badges ms / notify ms: CPU (user + system) of all copies of the service per delegate of the burst "
        "(of which render: badges' render workers); badge mails: when notify had mailed every badge of the burst "
        "(the steady part starts then)"
    )
    _print_cpu(setups)
    print(f"goals: the burst of 2,500 in ≤ {GOAL_BURST_SECONDS:.0f} s; p99 < {GOAL_P99_SECONDS:.0f} s at 25 payments/s")
    print(f"this run: a burst of {args.delegates}, {args.rate} payments/s for {args.seconds} s; load {os.getloadavg()}")
    for name, seconds in BASELINES.items():
        print(f"baseline: {name}: {seconds}")


def _print_cpu(setups: dict[str, dict[str, Any]]) -> None:
    """Each process group's CPU per delegate of the burst, a column per set-up."""
    groups = list(next(iter(setups.values()))["burst"]["cpu_ms_per_delegate"])
    print(f"\nCPU ms per delegate of the burst\n{'process group':<34}" + "".join(f"{n[:22]:>24}" for n in setups))
    for group in groups:
        print(f"{group:<34}" + "".join(f"{r['burst']['cpu_ms_per_delegate'][group]:>24.2f}" for r in setups.values()))


def _cell(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}" if value >= 10 else f"{value:.2f}"


if __name__ == "__main__":
    main()
