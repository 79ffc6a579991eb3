"""Real Kafka events in → badge and document PDFs on disk and badges events out; the station over HTTP.

One scenario on a real broker, with the real warm render pool. Every name in its
own script is extracted back from its PDF with poppler's ``pdftotext``, and
``pdffonts`` proves the script's Noto font is embedded.
"""

from __future__ import annotations

import contextlib
import subprocess
import unicodedata
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer

from schemas import topics
from schemas.badges import (
    BadgeIssued,
    BadgePrinted,
    BadgeRevoked,
    BadgeTextReplaced,
    DelegateCheckedIn,
    DocumentIssued,
    DocumentKind,
)
from schemas.values import Role
from services.badges import domain
from services.badges.app import build
from services.badges.config import BadgesSettings
from services.common.auth import organiser_token, sign
from tests.forms import page_token
from tests.integration.badges import factories as f
from tests.kafka_helpers import eventually, publish, read_events

SECRET = "integration-secret"


def pdf_text(path: str | Path) -> str:
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def pdf_info(path: str | Path) -> str:
    return subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout


def pdf_fonts(path: str | Path) -> list[str]:
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    return [line.split()[0].split("+", 1)[-1] for line in out.splitlines()[2:] if line.strip()]


def squash(text: str) -> str:
    """Compare text without spaces, line breaks and the bidi marks poppler adds around RTL runs."""
    return "".join(c for c in unicodedata.normalize("NFC", text) if not c.isspace() and unicodedata.category(c) != "Cf")


@contextlib.asynccontextmanager
async def running_service(kafka_bootstrap: str, topic_prefix: str, home: Path) -> AsyncIterator[Any]:
    settings = BadgesSettings(
        KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap,
        KAFKA_TOPIC_PREFIX=topic_prefix,
        CONGRESS_SECRET=SECRET,
        database_url=f"sqlite+aiosqlite:///{home / 'badges.db'}",
        store_dir=home / "pdfs",
        render_workers=2,
        relay_poll_seconds=0.2,
    )
    _runtime, app = build(settings)
    async with app.router.lifespan_context(app):
        async with client(app) as http:  # ready while the pool warms in the background (decision 9), and says so
            assert (await http.get("/readyz")).json()["warm_up"] == {"render_pool": "warming"}
            await app.state.warming  # this test times the pipeline: the workers are started first
            assert (await http.get("/readyz")).json()["warm_up"] == {"render_pool": "warm"}
        yield app


def client(app: Any, **headers: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://station",
        headers=headers,
    )


async def test_registration_events_become_badges_documents_and_check_ins(
    kafka_bootstrap: str, topic_prefix: str, congress_home: Path
) -> None:
    people = [f.delegate(g, fam, language=lang, number=i) for i, (g, fam, lang, _) in enumerate(f.SCRIPT_NAMES, 1)]
    hostile = f.delegate(
        "<b>Bob</b><script>alert(1)</script>",
        "Evil\u202e}{body{display:none}\x07",
        number=90,
        roles=(Role.PRESS,),
    )
    absurd = f.delegate("Wolfeschlegelsteinhausenbergerdorff" * 12, "Q" * 600, number=91)
    unprintable = f.delegate("Zed", "\U000f0001\U000f0002", number=92)
    renamed = people[0].model_copy(update={"given_name": "Jürgen-Klaus", "badge_name": "Jürgen-Klaus Müller"})
    via_snapshot = f.delegate("Snapshot", "Only", number=93)
    leaving = people[1]
    registration = topic_prefix + topics.REGISTRATION

    async with running_service(kafka_bootstrap, topic_prefix, congress_home) as app:
        await publish(
            kafka_bootstrap,
            registration,
            [f.confirmed(p) for p in (*people, hostile, absurd, unprintable)]
            + [
                f.updated(renamed, 2),
                f.updated(people[0], 1),  # newer reissues; older ignored
                f.updated(people[2], 2),  # paid: a new version, the same badge
                f.paid(people[2], "cs_test_paid"),
                f.cancelled(leaving, 2),
                f.invoice(people[3], "ICSEI27-INV-0007"),
            ],
        )
        await publish(
            kafka_bootstrap,
            topic_prefix + topics.DELEGATES,
            [f.snapshot(via_snapshot, 1)],
        )

        badges_topic = topic_prefix + topics.BADGES
        expected_badges = len(people) + 3 + 1 + 1  # + hostile, absurd, unprintable; reissue; snapshot

        def enough(evs: list[Any]) -> bool:
            kinds = [type(e.data) for e in evs]
            return (
                kinds.count(BadgeIssued) >= expected_badges
                and BadgeRevoked in kinds
                and kinds.count(DocumentIssued) >= 2
            )

        opened = app.state.runtime.keyring.opener(final=True)  # personal fields opened with badges' own keys
        events = await read_events(kafka_bootstrap, badges_topic, until=enough, timeout=90, open_=opened)
        issued = [e.data for e in events if isinstance(e.data, BadgeIssued)]
        assert len(issued) == expected_badges
        by_delegate: dict[str, list[BadgeIssued]] = {}
        for b in issued:
            by_delegate.setdefault(b.delegate_id, []).append(b)
        assert [b.registration_version for b in by_delegate[people[0].delegate_id]] == [
            1,
            2,
        ]
        # Same partition, in order: the receipt that ends the wait comes after any badge the update made.
        assert [b.registration_version for b in by_delegate[people[2].delegate_id]] == [1]
        # issue 17: a name no font has gets its badge (the rest of the name, never boxes) and an organiser alert
        assert unprintable.delegate_id in by_delegate
        assert "Zed" in pdf_text(by_delegate[unprintable.delegate_id][-1].location)
        (alert,) = [e.data for e in events if isinstance(e.data, BadgeTextReplaced)]
        assert alert.delegate_id == unprintable.delegate_id and alert.replacements[0].missing[0].startswith("U+F0001")

        # Every script's name is really in its PDF, drawn with that script's Noto font.
        for person, (_, _, _, font) in zip(people, f.SCRIPT_NAMES, strict=True):
            badge = by_delegate[person.delegate_id][-1]
            path = Path(badge.location)
            assert path.parent.parent == congress_home / "pdfs"  # pdftotext below proves the file is there
            assert path.name == f"{badge.pdf_sha256}.pdf"
            text = squash(pdf_text(path))
            given = renamed.given_name if person is people[0] else person.given_name
            assert squash(given) in text, (given, text[:200])
            assert squash(person.family_name) in text or person.language == "hi"  # poppler splits Indic clusters
            assert any(name.startswith(font) for name in pdf_fonts(path)), (
                font,
                pdf_fonts(path),
            )

        hostile_text = pdf_text(by_delegate[hostile.delegate_id][-1].location)
        assert "<script>alert(1)</script>" in hostile_text  # printed as text, not interpreted
        assert "\u202e" not in hostile_text and "PRESS" in hostile_text
        absurd_pdf = by_delegate[absurd.delegate_id][-1].location
        assert squash(pdf_text(absurd_pdf)).count("Q") == 600  # every letter printed, nothing cut
        assert "Pages:           1" in pdf_info(absurd_pdf)

        revoked = [e.data for e in events if isinstance(e.data, BadgeRevoked)]
        assert [r.delegate_id for r in revoked] == [leaving.delegate_id]

        documents = {d.kind: d for d in (e.data for e in events) if isinstance(d, DocumentIssued)}
        receipt_text = pdf_text(documents[DocumentKind.RECEIPT].location)
        assert "cs_test_paid" in receipt_text and "€420.00" in receipt_text and "Ελένη" in receipt_text
        invoice = documents[DocumentKind.INVOICE]
        assert invoice.document_number == "ICSEI27-INV-0007" and invoice.email == "finance@univie.example"
        invoice_text = pdf_text(invoice.location)
        for needle in (
            "ICSEI27-INV-0007",
            "Universität Wien",
            "ATU12345678",
            "PO-4711",
            "JP-T0000000000000",
            "ICSEI Congress Secretariat",
        ):
            assert needle in invoice_text

        await _station_scenario(app, people, leaving, via_snapshot, kafka_bootstrap, topic_prefix)


async def _station_scenario(
    app: Any,
    people: list[Any],
    leaving: Any,
    via_snapshot: Any,
    bootstrap: str,
    prefix: str,
) -> None:
    organiser = client(
        app,
        authorization=f"Bearer {organiser_token(SECRET, 'organiser@icsei.example.org')}",
    )
    anonymous = client(app)
    assert "Snapshot Only" in (await organiser.get("/station", params={"q": "snapshot"})).text
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:  # erasure: a tombstone on the compacted delegates topic
        await producer.send_and_wait(prefix + topics.DELEGATES, None, key=via_snapshot.delegate_id.encode())
    finally:
        await producer.stop()

    async def erased() -> bool:
        return "No delegate found" in (await organiser.get("/station", params={"q": "snapshot"})).text

    await eventually(erased, timeout=30)
    assert (await anonymous.get("/station?q=muller")).status_code == 403
    page = (await organiser.post("/organiser/stations", data={"label": "Desk A"})).text
    token = page.split("/station/login?token=")[1].split('"')[0]
    desk = client(app, **{"x-station-token": token})

    found = (await desk.get("/station", params={"q": "Muller"})).text
    assert "Jürgen-Klaus" in found and people[0].delegate_id in found
    assert people[1].family_name in (await desk.get("/station", params={"q": "petrov"})).text
    assert "山田" in (await desk.get("/station", params={"q": people[13].email})).text
    assert "민준" in (await desk.get("/station", params={"q": people[14].registration_number.lower()})).text

    printed = (await desk.post(f"/station/print/{people[0].delegate_id}", data={"q": "muller"})).text
    assert "Printed" in printed
    assert "Reprinted (print 2)" in (await desk.post(f"/station/print/{people[0].delegate_id}")).text
    pdf = await desk.get(f"/station/badge/{people[0].delegate_id}.pdf")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")

    def qr(delegate_id: str, version: int, congress: str = f.CONGRESS) -> str:
        return sign(SECRET, domain.QR_PURPOSE, domain.qr_payload(delegate_id, version, congress))

    first = (await desk.post("/station/scan", data={"token": qr(people[2].delegate_id, 1)})).text
    assert "Checked in" in first and "Ελένη" in first
    assert "Already checked in" in (await desk.post("/station/scan", data={"token": qr(people[2].delegate_id, 1)})).text
    assert "cancelled" in (await desk.post("/station/scan", data={"token": qr(leaving.delegate_id, 1)})).text
    good = qr(people[3].delegate_id, 1)
    assert "Invalid code" in (await desk.post("/station/scan", data={"token": good[:-3] + "xyz"})).text
    assert (
        "another congress" in (await desk.post("/station/scan", data={"token": qr(people[3].delegate_id, 1, "x")})).text
    )
    assert "Unknown delegate" in (await desk.post("/station/scan", data={"token": qr("nobody", 1)})).text
    assert "Checked in" in (await desk.post("/station/scan", data={"token": good})).text

    # Visa letter: only for a confirmed, paid registration, only after approval.
    visa_body = {
        "passport_name": "ELENI PAPADOPOULOU",
        "nationality": "Greek",
        "passport_number": "AB123456",
        "arrival": "2027-01-03",
        "departure": "2027-01-10",
    }
    link = (await organiser.get(f"/organiser/visa-link/{people[2].delegate_id}")).json()["url"]
    request_id = (await anonymous.post(f"/api{link}", json=visa_body)).json()["request_id"]
    unpaid_link = (await organiser.get(f"/organiser/visa-link/{people[4].delegate_id}")).json()["url"]
    unpaid_id = (await anonymous.post(f"/api{unpaid_link}", json=visa_body)).json()["request_id"]
    # without a page's token the guard refuses first (403); with one, no one signed in is still refused (401)
    assert (await anonymous.post(f"/organiser/visa/{request_id}/approve")).status_code == 403
    anonymous_token = await page_token(anonymous, "/organiser/login")
    refused = await anonymous.post(f"/organiser/visa/{request_id}/approve", data={"csrf_token": anonymous_token})
    assert refused.status_code == 401
    refused = await organiser.post(f"/organiser/visa/{unpaid_id}/approve")
    assert refused.status_code == 409 and "paid" in refused.json()["error"]
    number = (await organiser.post(f"/organiser/visa/{request_id}/approve")).json()["document_number"]
    assert number == "ICSEI27-VISA-00001"
    certs = (await organiser.post("/organiser/certificates", params={"early": "true"})).json()["issued"]
    assert len(certs) == 2

    await organiser.post(f"/organiser/stations/{token_station(page)}/revoke")
    assert (await desk.get("/station?q=x")).status_code == 403

    def settled(evs: list[Any]) -> bool:
        return (
            sum(isinstance(e.data, DocumentIssued) for e in evs) >= 5
            and sum(isinstance(e.data, DelegateCheckedIn) for e in evs) >= 2
        )

    opened = app.state.runtime.keyring.opener(final=True)
    events = await read_events(bootstrap, prefix + topics.BADGES, until=settled, timeout=30, open_=opened)
    checkins = [e.data for e in events if isinstance(e.data, DelegateCheckedIn)]
    assert sorted(c.delegate_id for c in checkins) == sorted([people[2].delegate_id, people[3].delegate_id])
    prints = [e.data.print_count for e in events if isinstance(e.data, BadgePrinted)]
    assert prints == [1, 2]
    kinds = [e.data.kind for e in events if isinstance(e.data, DocumentIssued)]
    assert sorted(kinds) == sorted(
        [
            DocumentKind.RECEIPT,
            DocumentKind.INVOICE,
            DocumentKind.VISA_LETTER,
            DocumentKind.CERTIFICATE,
            DocumentKind.CERTIFICATE,
        ]
    )
    visa = next(e.data for e in events if isinstance(e.data, DocumentIssued) and e.data.kind == "visa_letter")
    visa_text = pdf_text(visa.location)
    assert "ICSEI27-VISA-00001" in visa_text and "AB123456" in visa_text and "Dr Aiko Tanaka" in visa_text
    status = (await desk.get("/station/status")).json()
    assert set(status) >= {"state", "backlog", "kafka_reachable"}


def token_station(page: str) -> str:
    return page.split("Station ")[1].split(" issued")[0]


@pytest.fixture(autouse=True)
def _quiet_weasyprint(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("ERROR", logger="weasyprint")
