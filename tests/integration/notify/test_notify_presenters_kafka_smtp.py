"""notify and the presenter-registration events end to end: real Kafka in, a real SMTP server out, on SQLite and
PostgreSQL. Each presenting author gets one message per cause in their language, the congress's contact address one
per unregistered abstract, and publishing the same events again sends nothing new."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from schemas import topics
from schemas.base import new_event
from services.notify.app import CONSUMER, build
from services.notify.config import NotifySettings
from tests.integration.notify.sink import RecordingSink
from tests.integration.notify.test_notify_abstracts_kafka_smtp import consumed_everything, key, text
from tests.kafka_helpers import eventually, publish
from tests.unit.notify.test_presenters_handlers import events as presenter_events

EXPECTED = Counter(
    {
        ("elodie@example.org", "presenter_registration_reminder"): 2,
        ("jonas@example.org", "presenter_registration_reminder"): 2,
        ("elodie@example.org", "presenter_unregistered"): 1,
        ("jonas@example.org", "presenter_unregistered"): 1,
        ("secretariat@icsei.example.org", "presenter_unregistered_team"): 1,
    }
)


async def test_presenters_hear_once_per_cause_in_their_language(
    kafka_bootstrap: str, topic_prefix: str, db_url: str, tmp_path: Path
) -> None:
    topic = topic_prefix + topics.REGISTRATION
    events = [new_event(e.data, "/registration") for e in presenter_events()]
    with RecordingSink() as sink:
        settings = NotifySettings(
            kafka_bootstrap_servers=kafka_bootstrap,
            kafka_topic_prefix=topic_prefix,
            database_url=db_url,
            smtp_host="127.0.0.1",
            smtp_port=sink.port,
            embedded_sink=False,
            mail_dir=str(tmp_path / "mail"),
        )
        _, app = build(settings)
        async with app.router.lifespan_context(app):
            await publish(kafka_bootstrap, topic, events)
            await eventually(lambda: Counter(key(m) for m in sink.handler.snapshot()) == EXPECTED, timeout=90)
            await eventually(lambda: consumed_everything(kafka_bootstrap, topic, topic_prefix + CONSUMER), timeout=60)
            await publish(kafka_bootstrap, topic, events)  # the same CloudEvents again
            await eventually(lambda: consumed_everything(kafka_bootstrap, topic, topic_prefix + CONSUMER), timeout=60)
            got = sink.handler.snapshot()
    assert Counter(key(m) for m in got) == EXPECTED, "a redelivered event sent mail again"
    by_key = {key(m): m for m in got}
    french = by_key[("elodie@example.org", "presenter_unregistered")]
    assert "aucun présentateur inscrit" in str(french["Subject"]) and "23 décembre 2026" in text(french)
    german = by_key[("jonas@example.org", "presenter_unregistered")]
    assert "keine angemeldete vortragende Person" in str(german["Subject"]) and "https://reg.example.org/" in text(
        german
    )
