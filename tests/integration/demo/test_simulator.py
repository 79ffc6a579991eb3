"""The simulator against real registration and abstracts services (subprocesses on real Kafka and stripe-mock).

The simulator runs as ``congress demo`` runs it, as its own process, and only speaks HTTP;
what it did is read back from the registration topic, decoded through the schema models.
"""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

from schemas import topics
from schemas.abstracts import (
    AbstractDecided,
    AbstractSubmitted,
    AbstractWithdrawn,
    ReviewerAssignedFields,
    ReviewSubmitted,
)
from schemas.base import CloudEvent
from schemas.programme import ProgrammePublished, SessionScheduled
from schemas.registration import (
    AgendaChanged,
    BroadcastRequested,
    InvoiceIssued,
    PaymentFailed,
    PaymentSucceeded,
    RefundIssued,
    RegistrationCancelled,
    RegistrationConfirmed,
    RegistrationCreatedFields,
    RegistrationUpdated,
)
from schemas.values import Role
from services.cli.main import DEMO_CLIENT_LIMIT
from tests.kafka_helpers import following_keys, read_events

DELEGATES = 12


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def wait_healthy(url: str, process: asyncio.subprocess.Process, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(timeout=2.0) as client:
        while time.monotonic() < deadline:
            assert process.returncode is None, f"the service at {url} exited on start"
            try:
                if (await client.get(f"{url}/healthz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.3)
    raise AssertionError(f"no answer at {url}/healthz")


async def run_simulator(url: str, abstracts_url: str, env: dict[str, str], notify_url: str = "") -> tuple[int, str]:
    """``python -m services.demo.simulator`` as ``congress demo`` starts it; its exit code and output."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "services.demo.simulator",
        "--delegates",
        str(DELEGATES),
        "--speed",
        "50",
        "--seed",
        "7",
        "--registration-url",
        url,
        "--badges-url",
        f"http://127.0.0.1:{free_port()}",
        "--abstracts-url",
        abstracts_url,
        "--notify-url",
        notify_url or f"http://127.0.0.1:{free_port()}",  # no notify: no team, no agendas; the demo plays on
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(process.communicate(), timeout=300)
    return process.returncode or 0, out.decode()


def service_env(kafka: str, prefix: str, stripe: str, home: Path, port: int, abstracts_port: int) -> dict[str, str]:
    return os.environ | {
        "KAFKA_BOOTSTRAP_SERVERS": kafka,
        "KAFKA_TOPIC_PREFIX": prefix,
        "CONGRESS_HOME": str(home),
        "CONGRESS_SECRET": "demo-test-secret",
        "CONGRESS_ORGANISER_PASSWORD": "demo-organiser-pass",
        "REGISTRATION_HTTP_PORT": str(port),
        "REGISTRATION_STRIPE_API_BASE": stripe,
        "REGISTRATION_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "REGISTRATION_RELAY_POLL_SECONDS": "0.2",
        "REGISTRATION_RATE_LIMIT_PER_CLIENT": DEMO_CLIENT_LIMIT,  # as `congress demo` sets it
        "ABSTRACTS_HTTP_PORT": str(abstracts_port),
        "ABSTRACTS_PUBLIC_URL": f"http://127.0.0.1:{abstracts_port}",
        "ABSTRACTS_DEADLINE": "2099-12-31",  # the call is open, as `congress demo` makes it
        "NOTIFY_HTTP_PORT": str(free_port()),
        "NOTIFY_SMTP_PORT": str(free_port()),  # its embedded sink: the demo's mailbox, where sign-in links arrive
    }


def presenting_emails(papers: list[CloudEvent[Any]]) -> set[str]:
    """The presenting authors of the accepted abstracts."""
    decided = [e.data for e in papers if isinstance(e.data, AbstractDecided)]
    return {a.email for d in decided if d.decision.value == "accepted" for a in d.authors if a.presenting}


def presenters_without_role(events: list[CloudEvent[Any]], presenting: set[str]) -> set[str]:
    """Delegates registered with a presenting author's address whose registration does not say presenter yet."""
    registered = {
        e.data.delegate.delegate_id
        for e in events
        if isinstance(e.data, RegistrationCreatedFields) and e.data.delegate.email in presenting
    }
    with_role = {
        e.data.delegate.delegate_id
        for e in events
        if isinstance(e.data, RegistrationCreatedFields | RegistrationUpdated)
        and Role.PRESENTER in e.data.delegate.roles
    }
    return registered - with_role


async def test_simulator_plays_a_small_congress(
    kafka_bootstrap: str, topic_prefix: str, stripe_mock_url: str, congress_home: Path
) -> None:
    port, abstracts_port = free_port(), free_port()
    env = service_env(kafka_bootstrap, topic_prefix, stripe_mock_url, congress_home, port, abstracts_port)
    url, abstracts_url = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{abstracts_port}"
    log = (congress_home / "services.log").open("wb")
    service = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "services.registration.app", env=env, stdout=asyncio.subprocess.DEVNULL, stderr=log
    )
    abstracts = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "services.abstracts.app", env=env, stdout=asyncio.subprocess.DEVNULL, stderr=log
    )
    notify = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "services.notify.app", env=env, stdout=asyncio.subprocess.DEVNULL, stderr=log
    )
    notify_url = f"http://127.0.0.1:{env['NOTIFY_HTTP_PORT']}"
    try:
        # Three services start at once: on a busy machine each may take a while.
        await wait_healthy(url, service, timeout=180)
        await wait_healthy(abstracts_url, abstracts, timeout=180)
        await wait_healthy(notify_url, notify, timeout=180)
        code, output = await run_simulator(url, abstracts_url, env, notify_url)
        print(output)
        assert code == 0, output
        assert "badges service not answering" in output
        assert "registered" in output and "errors" in output

        async with following_keys(kafka_bootstrap, topic_prefix, env["CONGRESS_SECRET"]) as open_:
            # authors' and presenters' fields are sealed per person: opened with the keys the services publish
            sessions = await read_events(
                kafka_bootstrap,
                topic_prefix + topics.PROGRAMME,
                until=lambda evs: any(isinstance(e.data, ProgrammePublished) for e in evs),
                timeout=45,
                open_=open_,
            )
            papers = await read_events(
                kafka_bootstrap,
                topic_prefix + topics.ABSTRACTS,
                until=lambda evs: any(isinstance(e.data, AbstractDecided) for e in evs),
                timeout=45,
                open_=open_,
            )
        presenting = presenting_emails(papers)

        def settled(events: list) -> bool:  # type: ignore[type-arg]
            return (
                any(isinstance(e.data, RefundIssued) for e in events)
                and any(isinstance(e.data, BroadcastRequested) for e in events)
                and sum(isinstance(e.data, RegistrationCreatedFields) for e in events) >= DELEGATES
                and not presenters_without_role(events, presenting)
                and any(isinstance(e.data, AgendaChanged) for e in events)
            )

        async with following_keys(kafka_bootstrap, topic_prefix, env["CONGRESS_SECRET"]) as open_:
            events = await read_events(
                kafka_bootstrap, topic_prefix + topics.REGISTRATION, until=settled, timeout=45, open_=open_
            )
    finally:
        for process in (service, abstracts, notify):
            process.terminate()
            await asyncio.wait_for(process.wait(), timeout=20)
        log.close()

    submitted = [e.data for e in papers if isinstance(e.data, AbstractSubmitted)]
    assert len(submitted) == 6, [type(e.data).__name__ for e in papers]  # a tenth of the delegates, at least 6
    assert sum(isinstance(e.data, AbstractWithdrawn) for e in papers) == 1
    assert any(isinstance(e.data, ReviewerAssignedFields) for e in papers)
    assert any(isinstance(e.data, ReviewSubmitted) for e in papers)
    decided = [e.data for e in papers if isinstance(e.data, AbstractDecided)]
    assert decided and all(d.authors for d in decided)
    assert "abstracts submitted" in output
    scheduled = [e.data for e in sessions if isinstance(e.data, SessionScheduled)]
    published = [e.data for e in sessions if isinstance(e.data, ProgrammePublished)]
    assert len(published) == 1 and published[0].sessions == len(scheduled) > 0
    assert sum(bool(s.chair_email) for s in scheduled) == min(3, len(scheduled))  # chairs who get the mail
    assert "session chairs named" in output
    on_programme = {p.abstract_id for s in scheduled for p in s.presentations}
    assert on_programme == {d.abstract_id for d in decided if d.decision.value == "accepted"}
    presenters = presenting_emails(papers)
    assert presenters, "a seed whose call for papers accepts nothing tests nothing here"
    data = [e.data for e in events]
    kinds = Counter(type(d).__name__ for d in data)
    created = [d for d in data if isinstance(d, RegistrationCreatedFields)]
    assert len(created) == DELEGATES, kinds
    assert len({d.delegate.country for d in created}) >= 6
    assert any(d.group_id for d in created), "a school district registered as a group"
    assert any(isinstance(d, RegistrationConfirmed) and d.payment_method.value == "card" for d in data)
    assert any(isinstance(d, PaymentSucceeded) and d.method.value == "invoice" for d in data)
    assert any(isinstance(d, InvoiceIssued) for d in data)
    assert any(isinstance(d, PaymentFailed) for d in data)
    assert any(isinstance(d, RegistrationCancelled) and d.cancelled_by == "organiser" for d in data)
    assert any(isinstance(d, RefundIssued) for d in data)
    # The accepted abstracts' presenters registered, and registration gave them the presenter role: at once,
    # or by a RegistrationUpdated when they registered before registration had read the decision.
    assert [d for d in created if d.delegate.email in presenters]
    assert presenters_without_role(events, presenters) == set()
    # Delegates signed in by the link in their email and marked sessions of the published programme.
    marks = [d for d in data if isinstance(d, AgendaChanged)]
    assert marks and all(m.attending for m in marks)
    assert {m.session_id for m in marks} <= {s.session_id for s in scheduled}
    assert "sessions marked in agendas" in output
