"""The fault suite: delegates register, pay, cancel and are refunded through the public HTTP APIs while
a broker, one copy of each service, the SMTP server and Stripe fail in turn; then every effect is
checked from outside against its cause. ``FAULTS_DELEGATES`` (default 300) and ``FAULTS_ROUNDS``
(default 6, one of each fault) size it; ``make soak`` runs 2,500 delegates and 20 faults.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from services.common.congress import load_congress
from services.demo.client import Failed, Tally
from services.demo.organising import Organiser
from services.demo.simulator import Options, Simulator
from services.devtools.kafka_cluster import KafkaCluster
from services.notify.config import NotifySettings
from tests.conftest import fresh_pg_database
from tests.faults.checks import Check, Evidence, all_checks, gather
from tests.faults.congress import ORGANISER_PASSWORD, SERVICES, Congress, running
from tests.faults.injector import Fault, Injector

DELEGATES = int(os.environ.get("FAULTS_DELEGATES", "300"))
ROUNDS = int(os.environ.get("FAULTS_ROUNDS", "6"))
SETTLE_SECONDS = float(os.environ.get("FAULTS_SETTLE_SECONDS", "240"))
NOTIFY_SENDERS = NotifySettings.model_fields["smtp_connections"].default
"""notify's ``smtp_connections`` default: the most mails one killed copy can have between the SMTP server's 250
and the commit of the short transaction recording it (a sender waits for its record before sending again)."""


def mail_duplicates_bound(faults: list[Fault]) -> int:
    """Duplicates the send/commit window allows (docs/ARCHITECTURE.md, decision 30): one message per sender of a
    notify copy killed (a broker killed redelivers a batch, which owes nothing twice), and one per sender for each
    SMTP outage (a message stored whose 250 that sender never read)."""
    cutting = sum(1 for f in faults if f.what.startswith(("SIGKILL notify", "SMTP")))
    return NOTIFY_SENDERS * cutting


REFUND_PATIENCE = 150.0


def places() -> int:
    """The edition's places (1,800 in examples/icsei-2027.yaml): the soak's 2,500 delegates sell it out."""
    return int(load_congress(os.environ.get("CONGRESS_CONFIG") or None).section("registration")["total_capacity"])


def still_owed(row: dict[str, Any]) -> bool:
    return (
        row["status"] == "cancelled"
        and row["paid"]
        and row["payment_method"] == "card"
        and int(row.get("refunded_minor") or 0) < int(row["total_minor"])
    )


async def every_row(organiser: Organiser) -> list[dict[str, Any]] | None:
    """The organiser's registrations list, every page; None if a page could not be read."""
    rows: list[dict[str, Any]] = []
    url: str | None = "/api/organiser/registrations"
    while url:
        try:
            body = (await organiser.http.call("GET", url, ok=(200,), what="list")).json()
        except Failed:
            return None
        rows.extend(body["items"])
        url = body["next"]
    return rows


class FaultedSimulator(Simulator):
    """The demo's simulator without the call for papers and the badge desk; says when refunds begin."""

    def __init__(self, options: Options, tally: Tally) -> None:
        super().__init__(options, tally)
        self.refunds_begin = asyncio.Event()

    async def organiser_phase(self, organiser: Organiser) -> None:
        """As the demo's organiser, who then clicks "refund" again on each cancelled card payment whose
        refund Stripe refused while it was down (registration answers 502 and records nothing)."""
        while await every_row(organiser) is None:  # noqa: ASYNC110 -- its copy may be the one just killed
            await asyncio.sleep(2)
        self.refunds_begin.set()
        await super().organiser_phase(organiser)
        deadline = time.monotonic() + REFUND_PATIENCE
        while time.monotonic() < deadline:
            listed = await every_row(organiser)
            if listed is None:  # a copy may be down: a failed listing is not "nothing owed"
                await asyncio.sleep(2)
                continue
            owed = [r for r in listed if still_owed(r)]
            if not owed:
                return
            await asyncio.sleep(5)
            for row in owed:
                await organiser.refund(row)

    async def badges_phase(self, organiser: Organiser) -> None:
        return None


def table(faults: list[Fault], checks: list[Check], seconds: float) -> str:
    lines = [f"fault suite: {DELEGATES} delegates, {len(faults)} faults, {seconds:.0f} s", ""]
    lines += [f"{'at (s)':>7}  {'back after (s)':>14}  fault", f"{'-' * 7}  {'-' * 14}  {'-' * 60}"]
    lines += [f"{f.at:7.1f}  {f.back_after:14.1f}  {f.what}" for f in faults]
    lines += ["", f"{'effect checked':<48} {'expected':>8} {'lost':>5} {'dup':>5}  note", "-" * 90]
    lines += [f"{c.what:<48} {c.expected:>8} {c.lost:>5} {c.duplicated:>5}  {c.note}" for c in checks]
    return "\n".join(lines)


CUT_WINDOW = 30.0
"""Seconds after a message's first sending in which a fault can have kept its batch from committing (a killed
notify at once; a broker after a session timeout and a rebalance)."""


def cut_by(first: float, faults: list[Fault]) -> str:
    """What kept a message's first sending from being recorded: the first fault injected after it, or a killed part
    coming back (its return rebalances the group: a copy that loses a partition mid-batch has sent that batch)."""
    moments = [(f.at, f.what) for f in faults]
    moments += [(f.at + f.back_after, f"back: {f.what}") for f in faults if f.back_after]
    after = [m for m in moments if first <= m[0] <= first + CUT_WINDOW]
    return min(after)[1] if after else f"(no fault within {CUT_WINDOW:g} s after the first)"


def mail_duplicates_by_fault(duplicates: list[tuple[float, float, tuple[str, str, str]]], faults: list[Fault]) -> str:
    """Each duplicate message put against the fault that cut its first sending short, then each one with when
    it came the first and the second time (to be found in notify's logs by its cause)."""
    counts = Counter(cut_by(first, faults) for _, first, _ in duplicates)
    lines = [f"duplicate messages: {len(duplicates)} (the send/commit window allows {mail_duplicates_bound(faults)})"]
    lines += [f"  {n} sent first just before: {what}" for what, n in counts.items()]
    lines += [
        f"    {again:7.1f} s (first {first:.1f} s) {template} {cause}"
        for again, first, (template, cause, _) in duplicates
    ]
    return "\n".join(lines)


async def settled(congress: Congress, bootstrap: str, prefix: str, deadline: float) -> tuple[Evidence, list[Check]]:
    """Evidence once nothing is lost any more (every retry done), or as it stands at the deadline."""
    while True:
        evidence = await gather(congress.databases, bootstrap, prefix, congress.sink.log, congress.recorder)
        checks = all_checks(evidence)
        if all(c.lost == 0 for c in checks) or time.monotonic() > deadline:
            return evidence, checks
        await asyncio.sleep(5)


@pytest.mark.timeout(int(os.environ.get("FAULTS_TIMEOUT", "1200")))
async def test_no_effect_is_lost_or_doubled_under_faults(
    kafka_cluster3: KafkaCluster,
    pg_url: str,
    topic_prefix: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    report_figure: object,
) -> None:
    begun = time.monotonic()
    databases = {name: await fresh_pg_database(pg_url) for name in SERVICES}
    monkeypatch.setenv("CONGRESS_HOME", str(tmp_path))
    monkeypatch.setenv("CONGRESS_ORGANISER_PASSWORD", ORGANISER_PASSWORD)
    congress = Congress(kafka_cluster3, topic_prefix, databases, tmp_path)
    with running(congress):
        options = Options(
            delegates=DELEGATES,
            speed=20.0,
            registration_urls=congress.urls("registration"),
            badges_urls=congress.urls("badges"),
            abstracts_url="http://127.0.0.1:9",
            abstracts=0,
            seed=11,
            concurrency=8,
            progress_every=max(50, DELEGATES // 5),
        )
        tally = Tally()
        simulator = FaultedSimulator(options, tally)
        injector = Injector(congress, time.monotonic())
        await asyncio.gather(simulator.run(), injector.run(ROUNDS, simulator.refunds_begin))
        evidence, checks = await settled(
            congress, kafka_cluster3.bootstrap, topic_prefix, time.monotonic() + SETTLE_SECONDS
        )
        assert congress.gave_up is None, congress.said
    booked = {b.payer_id for b in simulator.bookings}
    on_record = {r["payer_id"] for r in evidence.registrations}
    paid = {b.payer_id for b in simulator.bookings if b.paid}
    confirmed_or_cancelled = {r["payer_id"] for r in evidence.registrations if r["paid"]}
    checks.insert(0, Check("simulator's bookings on record", len(booked), len(booked - on_record), 0))
    checks.insert(
        1, Check("simulator's card payments recorded as paid", len(paid), len(paid - confirmed_or_cancelled), 0)
    )
    report = table(injector.faults, checks, time.monotonic() - begun)
    report += "\n" + mail_duplicates_by_fault(congress.sink.log.duplicates(injector.started), injector.faults)
    print("\n" + report, flush=True)
    report_figure(report)  # type: ignore[operator]
    assert len(injector.faults) == ROUNDS
    # the crowd got through despite the faults, as far as there were places (beyond them: 422, sold out)
    assert tally["registered"] >= min(DELEGATES, places()) * 0.8, tally.errors
    assert tally["refunded"] > 0 and tally["cancelled"] > 0
    assert {c.what: c.lost for c in checks} == {c.what: 0 for c in checks}, report
    mail = next(c for c in checks if c.what.startswith("one message"))
    assert mail.duplicated <= mail_duplicates_bound(injector.faults), report
    assert {c.what: c.duplicated for c in checks if c is not mail} == {c.what: 0 for c in checks if c is not mail}, (
        report
    )
