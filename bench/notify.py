"""notify benchmark: messages/s to a local SMTP server, and 2,500 confirmations worked off from Kafka.

    uv run python -m bench.notify [--messages 1000] [--confirmations 2500] [--batch-size N]
                                  [--connections N] [--also-batch 50] [--baseline REV]

* smtp: pre-built messages through ``SmtpMailer`` (one kept-open connection) to the
  demo sink running as its own process (aiosmtpd + maildir), messages/s;
* render+send: the same with each message rendered (Jinja + Babel) and composed (MIME);
* end to end: 2,500 ``RegistrationConfirmed`` published to Kafka, then notify started
  (SQLite, inbox, outbox) and timed until every message was accepted by the sink and
  recorded; compared with registration's goal of 500 registrations/s, with the SQL
  statements counted per event (SQLAlchemy's and those run on aiosqlite's connection directly);
* before/after: the same end-to-end run with notify as it was at git revision
  ``--baseline`` (default ``0ab0ce0``: notify before decision 65 put the retry queue's statements on
  the driver and raised the batch to 50; give ``main`` to measure a branch against what is merged), each
  with its own default batch size unless ``--batch-size`` says, extracted with ``git archive`` and run by this same
  harness in a subprocess against the same Kafka and sink, just before the current code —
  a same-minute comparison on a shared machine. A baseline that fails is an error: its
  output is printed and the bench exits non-zero. CPU ms per message (notify process, sink process) are given
  beside the wall-clock rate, since others' load moves the rate far more than the CPU.

Kafka: ``KAFKA_BOOTSTRAP_SERVERS`` if set, else the project's launcher on a free port.
Prints a table and writes bench/results/notify.json. Never asserts.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from email.headerregistry import Address
from pathlib import Path
from typing import Any

from sqlalchemy import event

from schemas import topics
from schemas.base import encode, new_event
from schemas.registration import RegistrationConfirmed
from schemas.values import Delegate, Money, PaymentMethod
from services.common.congress import load_congress
from services.common.topic_admin import TopicPlan, ensure_topics
from services.devtools.kafka_launcher import KafkaLauncher
from services.devtools.processes import accepts_connections, free_port
from services.notify.app import build
from services.notify.config import NotifySettings

RESULTS = Path(__file__).resolve().parent / "results" / "notify.json"
REPO = Path(__file__).resolve().parent.parent
BASELINE_REV = "0ab0ce0"  # notify before decision 65 (``--baseline main``: a branch against what is merged)
REGISTRATION_GOAL_PER_SECOND = 500
SCRIPTS = [
    ("Zoë", "Ørsted-Müller", "de"),
    ("Анна", "Иванова", "ru"),
    ("فاطمة", "الزهراء", "ar"),
    ("小明", "王", "zh"),
    ("Łukasz", "Żółć", "pl"),
]


def confirmation(n: int) -> RegistrationConfirmed:
    given, family, language = SCRIPTS[n % len(SCRIPTS)]
    d = Delegate(
        delegate_id=f"d-{n:05d}",
        registration_number=f"ICSEI27-{n:05d}",
        given_name=given,
        family_name=f"{family} {n}",
        badge_name=f"{given} {family}",
        affiliation="Institute",
        country="DE",
        email=f"delegate{n:05d}@example.org",
        language=language,
        category="member",
    )
    return RegistrationConfirmed(
        congress_id="icsei-2027",
        registration_id=f"r-{n}",
        delegate_id=d.delegate_id,
        registration_version=1,
        delegate=d,
        total=Money(amount_minor=42000, currency="EUR"),
        payment_method=PaymentMethod.CARD,
    )


class BaselineFailed(RuntimeError):
    """The baseline revision could not be extracted or its run failed: no comparison, so no result."""


def start_sink(maildir: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "services.notify.adapters.mailsink", "--port", str(port), "--maildir", str(maildir)],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while not accepts_connections(port) and time.monotonic() < deadline:
        time.sleep(0.1)
    return proc, port


def process_cpu_seconds() -> float:
    """User + system CPU of this process, all threads (the aiosqlite and Kafka threads too)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def sink_cpu_seconds() -> float:
    """User + system CPU of the SMTP sink process (``SINK_PID``), from /proc."""
    try:
        fields = Path(f"/proc/{os.environ['NOTIFY_BENCH_SINK_PID']}/stat").read_text().rpartition(")")[2].split()
    except (KeyError, OSError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def delivered(maildir: Path) -> int:
    return sum(1 for _ in (maildir / "new").iterdir()) if (maildir / "new").exists() else 0


async def smtp_throughput(port: int, count: int) -> dict[str, float]:
    # Imported here: a baseline tree (``--baseline``) runs only ``end_to_end``, and its modules may live elsewhere.
    from services.notify.adapters.compose import compose
    from services.notify.adapters.render import Renderer
    from services.notify.adapters.smtp import SmtpMailer
    from services.notify.domain.rules import message_id, plan_messages

    congress = load_congress()
    renderer = Renderer(congress)
    sender = Address("ICSEI 2027", addr_spec="secretariat@icsei.example.org")

    def build_one(n: int) -> Any:
        event = confirmation(n)
        (plan,) = plan_messages(event, f"bench-{n}", None)
        rendered = renderer.render(
            plan.template, plan.recipient.language, {**plan.context, "recipient": plan.recipient, "documents": []}
        )
        return compose(
            rendered=rendered,
            sender=sender,
            to_name=plan.recipient.name,
            to_address=plan.recipient.email,
            message_id=message_id(f"bench-{n}", plan.template, "icsei.example.org"),
            date=datetime.now(UTC),
        )

    mailer = SmtpMailer(host="127.0.0.1", port=port)
    envelopes = [build_one(n) for n in range(count)]
    await mailer.send(envelopes[0])
    started = time.perf_counter()
    for envelope in envelopes:
        await mailer.send(envelope)
    send_only = count / (time.perf_counter() - started)
    started = time.perf_counter()
    for n in range(count):
        await mailer.send(build_one(n))
    full = count / (time.perf_counter() - started)
    await mailer.close()
    return {"send_only_per_s": round(send_only, 1), "render_compose_send_per_s": round(full, 1)}


async def end_to_end(
    bootstrap: str, port: int, maildir: Path, count: int, batch_size: int, home: Path, connections: int = 0
) -> dict[str, Any]:
    from aiokafka import AIOKafkaProducer

    prefix = f"bench{uuid.uuid4().hex[:8]}."
    await ensure_topics(bootstrap, TopicPlan(prefix=prefix))  # the brokers create no topic on their own
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all", linger_ms=5)
    await producer.start()
    try:
        futures = [
            await producer.send(
                prefix + topics.REGISTRATION, encode(new_event(confirmation(n), "/bench")), key=f"d-{n:05d}".encode()
            )
            for n in range(count)
        ]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()
    before = delivered(maildir)
    chosen: dict[str, Any] = {"smtp_connections": connections} if connections else {}
    if batch_size:  # 0: the revision's own default (10 before decision 65, 50 since)
        chosen["batch_size"] = batch_size
    settings = NotifySettings(
        kafka_bootstrap_servers=bootstrap,
        kafka_topic_prefix=prefix,
        database_url=f"sqlite+aiosqlite:///{home / 'notify-bench.sqlite3'}",
        smtp_host="127.0.0.1",
        smtp_port=port,
        embedded_sink=False,
        **chosen,
    )
    runtime, app = build(settings)
    statements = {"all": 0, "savepoints": 0}
    kinds: Counter[str] = Counter()

    def count_statement(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements["all"] += 1
        if statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE")):
            statements["savepoints"] += 1
        kinds[" ".join(statement.split()[:3])[:48]] += 1

    event.listen(runtime.engine.sync_engine, "before_cursor_execute", count_statement)
    undo_driver_count = count_driver_statements(count_statement)
    cpu_before, sink_before = process_cpu_seconds(), sink_cpu_seconds()
    started = time.perf_counter()
    async with app.router.lifespan_context(app):
        ready = time.perf_counter()
        while app.state.notifier.stats.sent < count:  # noqa: ASYNC110 -- polling a counter we do not own
            await asyncio.sleep(0.05)
        done = time.perf_counter()
        cpu, sink_cpu = process_cpu_seconds() - cpu_before, sink_cpu_seconds() - sink_before
    undo_driver_count()
    seconds = done - started
    return {
        "confirmations": count,
        "batch_size": settings.batch_size,
        "smtp_connections": settings.smtp_connections,
        "seconds_total": round(seconds, 2),
        "seconds_startup": round(ready - started, 2),
        "messages_per_s": round(count / seconds, 1),
        # CPU time is what the load of others does not change much: ms of CPU per message.
        "notify_cpu_ms_per_message": round(1000 * cpu / count, 2),
        "sink_cpu_ms_per_message": round(1000 * sink_cpu / count, 2),
        "delivered_to_sink": delivered(maildir) - before,
        "sql_statements_per_event": round(statements["all"] / count, 2),
        "of_which_savepoints_per_event": round(statements["savepoints"] / count, 2),
        "sql_statements_per_event_by_kind": {kind: round(n / count, 3) for kind, n in kinds.most_common()},
        "registration_goal_seconds": count / REGISTRATION_GOAL_PER_SECOND,
    }


def count_driver_statements(count: Any) -> Any:
    """Also count the statements run on aiosqlite's connection directly (the kernel's outbox rows, notify's
    retry queue since decision 65), which SQLAlchemy's cursor events do not see; BEGIN is not counted, as
    SQLAlchemy's events never counted it. Returns the undo."""
    import aiosqlite

    originals = {name: getattr(aiosqlite.Connection, name) for name in ("execute", "executemany", "execute_fetchall")}

    def counting(name: str) -> Any:
        original = originals[name]

        def wrapper(self: Any, sql: str, *args: Any, **kwargs: Any) -> Any:
            if not sql.lstrip().upper().startswith("BEGIN"):
                count(None, None, sql)
            return original(self, sql, *args, **kwargs)

        return wrapper

    for name in originals:
        setattr(aiosqlite.Connection, name, counting(name))

    def undo() -> None:
        for name, original in originals.items():
            setattr(aiosqlite.Connection, name, original)

    return undo


def baseline_end_to_end(
    rev: str, bootstrap: str, port: int, maildir: Path, count: int, batch_size: int, home: Path, connections: int = 0
) -> dict[str, Any]:
    """The end-to-end run with notify's code as of ``rev`` (git archive into a temp dir, run in a subprocess).

    Raises ``BaselineFailed`` (with the subprocess's last output) when it cannot run."""
    tree = home / f"baseline-{rev}"
    tree.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", rev, "services", "schemas", "bench", "examples"],
        capture_output=True,
        check=False,
    )
    if archive.returncode != 0:
        raise BaselineFailed(f"baseline {rev}: git archive failed: {archive.stderr.decode().strip()}")
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
    # This harness (its clock, CPU and SQL counters) around the old services: only notify's code differs.
    shutil.copy(Path(__file__), tree / "bench" / "notify.py")
    code = (
        "import asyncio, json, sys; from pathlib import Path; import bench.notify as b; "
        "print(json.dumps(asyncio.run(b.end_to_end(sys.argv[1], int(sys.argv[2]), Path(sys.argv[3]), "
        "int(sys.argv[4]), int(sys.argv[5]), Path(sys.argv[6]), int(sys.argv[7])))))"
    )
    args = [bootstrap, str(port), str(maildir), str(count), str(batch_size), str(tree), str(connections)]
    done = subprocess.run([sys.executable, "-c", code, *args], cwd=tree, capture_output=True, check=False)
    if done.returncode != 0:
        raise BaselineFailed(f"baseline {rev} failed (exit {done.returncode}):\n{done.stderr.decode()[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.decode().strip().splitlines()[-1])
    return {"revision": rev, **result}


async def run(args: argparse.Namespace) -> dict[str, Any]:
    home = Path(tempfile.mkdtemp(prefix="notify-bench-"))
    os.environ.setdefault("CONGRESS_HOME", str(home))
    maildir = home / "mail"
    sink, port = start_sink(maildir)
    os.environ["NOTIFY_BENCH_SINK_PID"] = str(sink.pid)
    launcher = None
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    try:
        if not bootstrap:
            launcher = KafkaLauncher(home / "kafka", port=free_port())
            bootstrap = launcher.start(timeout=120)  # a broker that does not start must not leave the sink behind
        smtp = await smtp_throughput(port, args.messages)
        load_before = os.getloadavg()
        base = None
        if args.baseline:
            base = await asyncio.to_thread(
                baseline_end_to_end,
                args.baseline,
                bootstrap,
                port,
                maildir,
                args.confirmations,
                args.batch_size,
                home,
                args.connections,
            )
        e2e = await end_to_end(bootstrap, port, maildir, args.confirmations, args.batch_size, home, args.connections)
        e2e["load_average_1_5_15"] = [round(x, 2) for x in os.getloadavg()]
        others = []
        for size in args.also_batch:
            other = await end_to_end(bootstrap, port, maildir, args.confirmations, size, home, args.connections)
            other["load_average_1_5_15"] = [round(x, 2) for x in os.getloadavg()]
            others.append(other)
    finally:
        sink.terminate()
        sink.wait()
        if launcher is not None:
            launcher.stop()
    return {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "smtp": {"messages": args.messages, **smtp},
        "end_to_end": e2e,
        "end_to_end_baseline": base,
        "end_to_end_other_batch_sizes": others,
        "load_average_at_start_1_5_15": [round(x, 2) for x in load_before],
        "baseline": {"registration_goal_per_s": REGISTRATION_GOAL_PER_SECOND},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--confirmations", type=int, default=2500)
    parser.add_argument(
        "--batch-size", type=int, default=0, help="notify's batch_size in both runs (0 = each revision's default)"
    )
    parser.add_argument(
        "--also-batch", type=int, action="append", default=[], help="also run end to end with this batch size"
    )
    parser.add_argument(
        "--connections", type=int, default=0, help="notify's smtp_connections in both runs (0 = its default)"
    )
    parser.add_argument("--baseline", default=BASELINE_REV, help="git revision to compare with ('' = none)")
    try:
        result = asyncio.run(run(parser.parse_args()))
    except BaselineFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(1)
    smtp, e2e, base = result["smtp"], result["end_to_end"], result["end_to_end_baseline"]

    def e2e_cell(r: dict[str, Any] | None) -> str:
        return "–" if r is None else f"{r['seconds_total']} s ({r['messages_per_s']} msg/s, batch {r['batch_size']})"

    rows = [
        ("SMTP send only (kept-open connection)", "", f"{smtp['send_only_per_s']} msg/s", "500 msg/s"),
        ("render + compose + send", "", f"{smtp['render_compose_send_per_s']} msg/s", "500 msg/s"),
        (
            f"{e2e['confirmations']} confirmations from Kafka",
            e2e_cell(base),
            e2e_cell(e2e),
            f"{e2e['registration_goal_seconds']} s at 500/s",
        ),
        *(
            (
                f"  the same, batch {o['batch_size']} (no baseline)",
                "",
                e2e_cell(o),
                f"CPU {o['notify_cpu_ms_per_message']} / {o['sink_cpu_ms_per_message']} ms,"
                f" load {o['load_average_1_5_15'][0]}",
            )
            for o in result["end_to_end_other_batch_sizes"]
        ),
        (
            "CPU per message: notify process / SMTP sink",
            "" if base is None else f"{base['notify_cpu_ms_per_message']} / {base['sink_cpu_ms_per_message']} ms",
            f"{e2e['notify_cpu_ms_per_message']} / {e2e['sink_cpu_ms_per_message']} ms",
            "",
        ),
        (
            "SQL statements per event (savepoints)",
            "–" if base is None else f"{base['sql_statements_per_event']} ({base['of_which_savepoints_per_event']})",
            f"{e2e['sql_statements_per_event']} ({e2e['of_which_savepoints_per_event']})",
            "",
        ),
    ]
    width = max(len(r[0]) for r in rows)
    before = f"before ({base['revision']})" if base else "before"
    print(f"{'notify':<{width}}  {before:<26}  {'now':<26}  registration goal")
    for name, was, now, goal in rows:
        print(f"{name:<{width}}  {was:<26}  {now:<26}  {goal}")
    print(f"load average at start {result['load_average_at_start_1_5_15']}, at end {e2e['load_average_1_5_15']}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
