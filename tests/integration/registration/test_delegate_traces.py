"""Registration hears from badges and notify (over real Kafka) what happened to a delegate, and the organisers'
registration page shows it: the badge issued, the check-in, each email sent once (a redelivery changes nothing),
and an erasure blanks the emails' subjects."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from schemas import topics
from schemas.badges import BadgeIssued, DelegateCheckedIn
from schemas.base import new_event
from schemas.notify import NotificationSent
from services.common.auth import organiser_token
from tests.integration.registration.conftest import close_service, congress_file, delegate, open_service, settings_for
from tests.integration.registration.test_expiry import status
from tests.kafka_helpers import publish

AUTH = {"authorization": f"Bearer {organiser_token('test-secret', 'organiser@icsei.example.org')}"}


async def test_the_registration_page_shows_badge_check_in_and_emails_heard_from_kafka(
    db_url: str, stripe_mock_url: str, kafka_bootstrap: str, topic_prefix: str, tmp_path: Path
) -> None:
    settings = settings_for(
        db_url, stripe_mock_url, congress_file(tmp_path), kafka=kafka_bootstrap, prefix=topic_prefix
    )
    service = await open_service(settings, kafka=True)
    try:
        created = (await service.client.post("/api/registrations", json={"delegates": [delegate()]})).json()
        rid = created["payer_id"]
        did = (await status(service, rid))["delegate_id"]
        common = {"congress_id": "icsei-2027", "delegate_id": did}
        badge = BadgeIssued(
            **common, registration_version=1, pdf_sha256="0" * 64, location="b.pdf", email="a@x.org", badge_name="A"
        )
        checked = DelegateCheckedIn(**common, station_id="desk-1", checked_in_at=datetime(2027, 1, 5, 8, tzinfo=UTC))
        mail = {"recipient_id": did, "cause_event_id": "c1", "message_id": "<m1@x>", "to": "aiko0@example.org"}
        sent = NotificationSent(**mail, template="payment_confirmed", subject="Your registration 田中")
        about_abstract = NotificationSent(**mail | {"message_id": "<m2@x>"}, template="decided", subject="Decision")
        about_abstract = about_abstract.model_copy(update={"abstract_id": "abs-1"})
        badge_events = [new_event(badge, "/badges"), new_event(checked, "/badges")]
        mails = [new_event(sent, "/notify"), new_event(about_abstract, "/notify")]
        await publish(kafka_bootstrap, topic_prefix + topics.BADGES, badge_events)
        await publish(kafka_bootstrap, topic_prefix + topics.NOTIFY, mails + mails[:1])  # the first one twice
        page = await service.client.get(f"/organiser/registrations/{rid}", headers=AUTH)
        for _ in range(300):
            if "checked in at station desk-1" in page.text and "Your registration 田中" in page.text:
                break
            await asyncio.sleep(0.1)
            page = await service.client.get(f"/organiser/registrations/{rid}", headers=AUTH)
        assert "issued (version 1)" in page.text and "checked in at station desk-1" in page.text
        assert page.text.count("Your registration 田中 (payment_confirmed)") == 1
        assert "Decision" not in page.text  # a message about an abstract is not the registration's
        erased = await service.client.post(f"/api/organiser/registrations/{rid}/erase", headers=AUTH)
        assert erased.status_code == 200, erased.text
        page = await service.client.get(f"/organiser/registrations/{rid}", headers=AUTH)
        assert "田中" not in page.text and "(subject erased)" in page.text
        for _ in range(300):  # the erasure's audit record comes back through congress.audit
            if "<code>registration.erase</code>" in page.text:
                break
            await asyncio.sleep(0.1)
            page = await service.client.get(f"/organiser/registrations/{rid}", headers=AUTH)
        assert "<code>registration.erase</code>" in page.text and "organiser@icsei.example.org" in page.text
    finally:
        await close_service(service, kafka=True)
