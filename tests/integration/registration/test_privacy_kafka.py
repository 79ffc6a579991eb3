"""Special needs never reach a topic (issue 16): every byte of the shared topics is read raw from real Kafka
after delegates registered with needs; the retention sweep's record reaches ``congress.audit``."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from schemas import decode, topics
from schemas.privacy import DataClass, RetentionApplied
from services.registration.commands import retention
from tests.integration.registration.conftest import (
    close_service,
    congress_file,
    delegate,
    open_service,
    register_and_pay,
    settings_for,
)
from tests.kafka_helpers import read_records

NOTE = "allergic to buckwheat そば"


async def test_special_needs_are_on_no_topic_and_their_removal_is_recorded(
    db_url: str, stripe_mock_url: str, kafka_bootstrap: str, topic_prefix: str, tmp_path: Path
) -> None:
    settings = settings_for(
        db_url, stripe_mock_url, congress_file(tmp_path), kafka=kafka_bootstrap, prefix=topic_prefix
    )
    service = await open_service(settings, kafka=True)
    try:
        needs = {"special_needs_consent": True, "diets": ["kosher"], "diet_other": NOTE, "access": ["hearing-loop"]}
        await register_and_pay(service, delegate(0, add_ons=["dinner"], **needs))
        await register_and_pay(service, delegate(1, consent_photos=True, **needs))
        service.deps.clock = lambda: datetime(2027, 2, 1, tzinfo=UTC)
        assert (await retention.sweep(service.deps)).special_needs == 2

        audit = await read_records(kafka_bootstrap, topic_prefix + topics.AUDIT, until=lambda rs: len(rs) >= 1)
        [applied] = [decode(r.value).data for r in audit]
        assert isinstance(applied, RetentionApplied) and applied.data_class is DataClass.SPECIAL_NEEDS
        assert applied.removed == 2

        raw = b""
        for topic, least in ((topics.REGISTRATION, 4), (topics.DELEGATES, 2), (topics.AUDIT, 1)):
            records = await read_records(kafka_bootstrap, topic_prefix + topic, until=lambda rs, n=least: len(rs) >= n)
            assert len(records) >= least
            raw += b"".join((r.key or b"") + (r.value or b"") + b"".join(v for _, v in r.headers) for r in records)
        for secret in (NOTE, "buckwheat", "kosher", "hearing-loop", "special_needs_consent", "consent_photos"):
            assert secret.encode() not in raw
    finally:
        await close_service(service, kafka=True)
