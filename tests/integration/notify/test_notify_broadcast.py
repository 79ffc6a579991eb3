"""A broadcast end to end: real Kafka in, notify, a real SMTP server out (SQLite and PostgreSQL).

Every recipient gets the message once, in their language where a version exists (else the
default), with the Markdown's HTML sanitised; the same parts published again (a redelivery) and
the same broadcast under new event ids (a retried request) send nothing more; NotificationSent
names the broadcast.
"""

from __future__ import annotations

from collections import Counter
from email.message import EmailMessage
from pathlib import Path

from schemas import topics
from schemas.base import new_event
from schemas.notify import NotificationSent
from services.notify.app import CONSUMER, build
from services.notify.config import NotifySettings
from tests.integration.notify.broadcasts import SUBJECTS, address, broadcast, confirmation, language
from tests.integration.notify.sink import RecordingSink
from tests.integration.notify.test_notify_abstracts_kafka_smtp import consumed_everything, key, text
from tests.kafka_helpers import eventually, publish, read_events

DELEGATES = 25


def html(message: EmailMessage) -> str:
    body = message.get_body(("html",))
    assert body is not None
    return str(body.get_content())


def broadcasts_to(messages: list[EmailMessage]) -> Counter[str]:
    return Counter(key(m)[0] for m in messages if key(m)[1] == "broadcast")


async def test_a_broadcast_reaches_each_recipient_once_in_their_language(
    kafka_bootstrap: str, topic_prefix: str, db_url: str, tmp_path: Path
) -> None:
    topic = topic_prefix + topics.REGISTRATION
    everyone = Counter({address(n): 1 for n in range(DELEGATES)})
    parts = broadcast("b-venue", range(DELEGATES), part_size=10)
    with RecordingSink() as sink:
        settings = NotifySettings(
            kafka_bootstrap_servers=kafka_bootstrap,
            kafka_topic_prefix=topic_prefix,
            database_url=db_url,
            smtp_host="127.0.0.1",
            smtp_port=sink.port,
            embedded_sink=False,
            mail_dir=str(tmp_path / "mail"),
            broadcast_poll_seconds=0.2,
        )
        _, app = build(settings)
        async with app.router.lifespan_context(app):
            await publish(kafka_bootstrap, topic, [confirmation(n) for n in range(DELEGATES)])
            await eventually(lambda: len(sink.handler.snapshot()) == DELEGATES, timeout=90)
            sent = await publish(kafka_bootstrap, topic, parts)
            await eventually(lambda: broadcasts_to(sink.handler.snapshot()) == everyone, timeout=90)
            await publish(kafka_bootstrap, topic, sent)  # the same events again: a redelivery
            await publish(kafka_bootstrap, topic, [new_event(p.data, "/registration") for p in sent])  # a retry
            await eventually(lambda: consumed_everything(kafka_bootstrap, topic, topic_prefix + CONSUMER), timeout=60)
            await app.state.broadcasts.send_owed()
            got = sink.handler.snapshot()
            notices = await read_events(
                kafka_bootstrap,
                topic_prefix + topics.NOTIFY,
                until=lambda evs: sum(isinstance(e.data, NotificationSent) for e in evs) >= 2 * DELEGATES,
            )
    assert broadcasts_to(got) == everyone, "a redelivered or repeated broadcast sent mail again"
    mails = {key(m)[0]: m for m in got if key(m)[1] == "broadcast"}
    for n in range(DELEGATES):
        assert str(mails[address(n)]["Subject"]) == SUBJECTS[language(n)]
    english = mails[address(0)]
    assert "<strong>moves</strong>" in html(english)
    assert "<script" not in html(english) and 'href="javascript' not in html(english)
    assert "<script" not in text(english) and "alert(1)" not in text(english)
    assert "Dear Ana Silva 0," in text(english)
    assert "déménage" in text(mails[address(1)]) and "Bonjour" in text(mails[address(1)])
    sent_notices = [e.data for e in notices if isinstance(e.data, NotificationSent) and e.data.template == "broadcast"]
    assert len(sent_notices) == DELEGATES
    assert {s.cause_event_id for s in sent_notices} == {"b-venue"}
    assert len({s.message_id for s in sent_notices}) == DELEGATES
