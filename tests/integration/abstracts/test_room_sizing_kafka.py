"""Rooms sized by interest, from real Kafka on each database: registration's events change the expected audience
the organisers' programme page shows against each session's room.

300 confirmed registrations give each session an estimate from its networks' share (the congress file's
``attendance_ratio`` 0.5); once two delegates (the file's ``marks_threshold``) have marked published sessions,
their ``AgendaChanged`` marks, scaled to every confirmed delegate, replace it — a session marked by both
expects all 300 and its room overflows, highlighted on the page. An unmark wins over its older mark, also
when the older one arrives late; a redelivered event changes nothing; a cancelled delegate's marks stop
counting, and with one marker left the estimate goes back to registrations.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from schemas import new_event, topics
from schemas.registration import AgendaChanged, RegistrationCancelled, RegistrationConfirmed
from schemas.values import Delegate, Money, PaymentMethod
from tests.integration.abstracts.conftest import ORGANISER, Service, close_service, open_service, settings_for
from tests.integration.abstracts.programme_data import accept_abstracts
from tests.kafka_helpers import eventually, publish

API = "/api/organiser/programme"
EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "icsei-2027.yaml"
AT = datetime(2026, 12, 1, 9, tzinfo=UTC)


def congress_file(tmp_path: Path) -> str:
    text = EXAMPLE.read_text(encoding="utf-8")
    old = "audience: {marks_threshold: 100, attendance_ratio: 0.3}"
    assert old in text
    path = tmp_path / "congress.yaml"
    path.write_text(text.replace(old, "audience: {marks_threshold: 2, attendance_ratio: 0.5}"), encoding="utf-8")
    return str(path)


def confirmed(n: int) -> RegistrationConfirmed:
    delegate = Delegate(
        delegate_id=f"del_{n}",
        registration_number=f"ICSEI27-{n:05}",
        given_name="Kim",
        family_name=f"Lee {n}",
        badge_name=f"Kim Lee {n}",
        affiliation="Seoul National University",
        country="KR",
        email=f"kim{n}@example.org",
        category="member",
    )
    money = Money(amount_minor=42000, currency="EUR")
    common = {"congress_id": "icsei-2027", "registration_id": f"reg_{n}", "delegate_id": f"del_{n}"}
    return RegistrationConfirmed(
        **common, registration_version=1, delegate=delegate, total=money, payment_method=PaymentMethod.CARD
    )


def mark(n: int, session_id: str, attending: bool, minutes: int) -> AgendaChanged:
    return AgendaChanged(
        congress_id="icsei-2027",
        registration_id=f"reg_{n}",
        delegate_id=f"del_{n}",
        session_id=session_id,
        attending=attending,
        changed_at=AT + timedelta(minutes=minutes),
    )


async def audience(service: Service) -> dict[str, dict[str, Any]]:
    answer = await service.client.get(API, headers=ORGANISER)
    assert answer.status_code == 200, answer.text
    return {s["session_id"]: s for s in answer.json()["sessions"]}


async def test_agenda_marks_on_kafka_change_the_expected_audience_on_the_organiser_page(
    db_url: str, kafka_bootstrap: str, topic_prefix: str, tmp_path: Path
) -> None:
    settings = settings_for(db_url, kafka=kafka_bootstrap, prefix=topic_prefix)
    settings = settings.model_copy(update={"congress_config": congress_file(tmp_path)})
    service = await open_service(settings, kafka=True)
    topic = topic_prefix + topics.REGISTRATION
    try:
        await accept_abstracts(service)
        await publish(kafka_bootstrap, topic, [confirmed(n) for n in range(300)])
        assert (await service.client.post(f"{API}/generate", headers=ORGANISER)).status_code == 200

        async def registrations_counted() -> bool:
            return bool((await audience(service))["DU-P1"]["expected_audience"] == 90)  # 300 × 6/10 DU × 0.5

        await eventually(registrations_counted)
        before = await audience(service)
        assert {s["audience_basis"] for s in before.values()} == {"registrations"}
        assert before["EL-P1"]["expected_audience"] == 30  # 300 × 2/10 × 0.5
        assert (await service.client.post(f"{API}/publish", headers=ORGANISER)).status_code == 200

        marked = new_event(mark(1, "DU-P1", True, 0), "/registration")
        late_old = mark(2, "EL-P1", True, 1)  # older than the unmark below, arrives after it
        events: list[Any] = [marked, mark(2, "DU-P1", True, 0), mark(2, "EL-P1", False, 5), late_old, marked]
        await publish(kafka_bootstrap, topic, events)

        async def marks_counted() -> bool:
            return bool((await audience(service))["DU-P1"]["audience_basis"] == "marks")

        await eventually(marks_counted)
        consumer = next(c for c in service.runtime.consumers if c.name == "abstracts-presenters")
        await eventually(lambda: consumer.stats.duplicates >= 1)
        after = await audience(service)
        du, el = after["DU-P1"], after["EL-P1"]
        assert du["expected_audience"] == 300  # both markers of 2, scaled to 300 confirmed
        assert el["expected_audience"] == 0 and el["audience_basis"] == "marks"  # the unmark won
        capacity = du["room_capacity"]
        assert capacity is not None and du["overflow"] == 300 - capacity > 0
        page = (await service.client.get("/organiser/programme", headers=ORGANISER)).text
        assert f"expected 300 / {capacity} seats — <strong>{300 - capacity} over</strong>" in page
        assert 'id="audience-DU-P1" class="error overflow"' in page
        assert 'id="overflowing"' in page

        cancelled = RegistrationCancelled(
            congress_id="icsei-2027",
            registration_id="reg_2",
            delegate_id="del_2",
            registration_version=2,
            reason="plans changed",
            cancelled_by="delegate",
        )
        await publish(kafka_bootstrap, topic, [cancelled])

        async def back_to_registrations() -> bool:
            return bool((await audience(service))["DU-P1"]["audience_basis"] == "registrations")

        await eventually(back_to_registrations)
        assert (await audience(service))["DU-P1"]["expected_audience"] == 90  # 299 × 0.6 × 0.5 = 89.7
        assert consumer.stats.dead_lettered == 0
    finally:
        await close_service(service, kafka=True)
