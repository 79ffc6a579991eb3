"""notify benchmark: messages/s to a local SMTP server, and 2,500 confirmations worked off from Kafka.

    uv run python -m bench.notify [--messages 1000] [--confirmations 2500] [--batch-size 10]

* smtp: pre-built messages through ``SmtpMailer`` (one kept-open connection) to the
  demo sink running as its own process (aiosmtpd + maildir), messages/s;
* render+send: the same with each message rendered (Jinja + Babel) and composed (MIME);
* end to end: 2,500 ``RegistrationConfirmed`` published to Kafka, then notify started
  (SQLite, inbox, outbox) and timed until every message was accepted by the sink and
  recorded; compared with registration's goal of 500 registrations/s.

Kafka: ``KAFKA_BOOTSTRAP_SERVERS`` if set, else the project's launcher on a free port.
Prints a table and writes bench/results/notify.json. Never asserts.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from email.headerregistry import Address
from pathlib import Path
from typing import Any

from schemas import topics
from schemas.base import encode, new_event
from schemas.registration import RegistrationConfirmed
from schemas.values import Delegate, Money, PaymentMethod
from services.common.congress import load_congress
from services.common.kafka_launcher import KafkaLauncher, accepts_connections, free_port
from services.notify.adapters.smtp import SmtpMailer
from services.notify.app import build
from services.notify.compose import compose
from services.notify.config import NotifySettings
from services.notify.domain import message_id, plan_messages
from services.notify.render import Renderer

RESULTS = Path(__file__).resolve().parent / "results" / "notify.json"
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


def start_sink(maildir: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "services.notify.mailsink", "--port", str(port), "--maildir", str(maildir)],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while not accepts_connections(port) and time.monotonic() < deadline:
        time.sleep(0.1)
    return proc, port


def delivered(maildir: Path) -> int:
    return sum(1 for _ in (maildir / "new").iterdir()) if (maildir / "new").exists() else 0


async def smtp_throughput(port: int, count: int) -> dict[str, float]:
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
    bootstrap: str, port: int, maildir: Path, count: int, batch_size: int, home: Path
) -> dict[str, float]:
    from aiokafka import AIOKafkaProducer

    prefix = f"bench{uuid.uuid4().hex[:8]}."
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
    settings = NotifySettings(
        kafka_bootstrap_servers=bootstrap,
        kafka_topic_prefix=prefix,
        database_url=f"sqlite+aiosqlite:///{home / 'notify-bench.sqlite3'}",
        smtp_host="127.0.0.1",
        smtp_port=port,
        embedded_sink=False,
        batch_size=batch_size,
    )
    _runtime, app = build(settings)
    started = time.perf_counter()
    async with app.router.lifespan_context(app):
        ready = time.perf_counter()
        while app.state.notifier.stats.sent < count:  # noqa: ASYNC110 -- polling a counter we do not own
            await asyncio.sleep(0.05)
        done = time.perf_counter()
    seconds = done - started
    return {
        "confirmations": count,
        "batch_size": batch_size,
        "seconds_total": round(seconds, 2),
        "seconds_startup": round(ready - started, 2),
        "messages_per_s": round(count / seconds, 1),
        "delivered_to_sink": delivered(maildir) - before,
        "registration_goal_seconds": count / REGISTRATION_GOAL_PER_SECOND,
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    home = Path(tempfile.mkdtemp(prefix="notify-bench-"))
    os.environ.setdefault("CONGRESS_HOME", str(home))
    maildir = home / "mail"
    sink, port = start_sink(maildir)
    launcher = None
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if not bootstrap:
        launcher = KafkaLauncher(home / "kafka", port=free_port())
        bootstrap = launcher.start(timeout=120)
    try:
        smtp = await smtp_throughput(port, args.messages)
        e2e = await end_to_end(bootstrap, port, maildir, args.confirmations, args.batch_size, home)
    finally:
        sink.terminate()
        sink.wait()
        if launcher is not None:
            launcher.stop()
    return {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "smtp": {"messages": args.messages, **smtp},
        "end_to_end": e2e,
        "baseline": {"registration_goal_per_s": REGISTRATION_GOAL_PER_SECOND},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--confirmations", type=int, default=2500)
    parser.add_argument("--batch-size", type=int, default=10)
    result = asyncio.run(run(parser.parse_args()))
    smtp, e2e = result["smtp"], result["end_to_end"]
    rows = [
        ("SMTP send only (kept-open connection)", f"{smtp['send_only_per_s']} msg/s", "500 msg/s"),
        ("render + compose + send", f"{smtp['render_compose_send_per_s']} msg/s", "500 msg/s"),
        (
            f"{e2e['confirmations']} confirmations from Kafka (batch {e2e['batch_size']})",
            f"{e2e['seconds_total']} s ({e2e['messages_per_s']} msg/s)",
            f"{e2e['registration_goal_seconds']} s at 500/s",
        ),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'notify':<{width}}  {'measured':<28}  registration goal")
    for name, measured, goal in rows:
        print(f"{name:<{width}}  {measured:<28}  {goal}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
