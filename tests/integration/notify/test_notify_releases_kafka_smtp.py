"""Issue 14 end to end: the abstracts service releases staged decisions through its outbox onto real Kafka,
notify mails them through a real SMTP server — each author once per release, listing their abstracts, and one
correction after a change; no per-abstract decision mail. Abstracts on SQLite and PostgreSQL."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path
from typing import Any

from schemas import topics
from services.notify.app import CONSUMER, build
from services.notify.config import NotifySettings
from tests.integration.abstracts.conftest import (
    ORGANISER,
    SECRET,
    Service,
    author,
    close_service,
    open_service,
    settings_for,
)
from tests.integration.abstracts.conftest import submit as submit_abstract
from tests.integration.notify.sink import RecordingSink
from tests.integration.notify.test_notify_abstracts_kafka_smtp import consumed_everything
from tests.kafka_helpers import eventually

DECISION_TEMPLATES = {"decisions_released", "abstract_accepted", "abstract_rejected"}


def decisions(messages: list[EmailMessage]) -> list[tuple[str, str]]:
    return sorted(
        (m["To"].addresses[0].addr_spec, str(m["X-Congress-Template"]))
        for m in messages
        if str(m["X-Congress-Template"]) in DECISION_TEMPLATES
    )


def plain(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


async def post(service: Service, path: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = await service.client.post(path, json=body, headers=ORGANISER)
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


async def test_a_release_mails_each_author_once_and_a_change_once_more(
    kafka_bootstrap: str, topic_prefix: str, db_url: str, tmp_path: Path
) -> None:
    abstracts = await open_service(settings_for(db_url, kafka=kafka_bootstrap, prefix=topic_prefix), kafka=True)
    ben = author(5, given_name="Ben", family_name="Okafor", email="ben@example.org", affiliation="UCL", country="GB")
    topic = topic_prefix + topics.ABSTRACTS
    try:
        with RecordingSink() as sink:
            settings = NotifySettings(
                kafka_bootstrap_servers=kafka_bootstrap,
                kafka_topic_prefix=topic_prefix,
                database_url=f"sqlite+aiosqlite:///{tmp_path / 'notify.sqlite3'}",
                smtp_host="127.0.0.1",
                smtp_port=sink.port,
                embedded_sink=False,
                mail_dir=str(tmp_path / "mail"),
                # the authors' fields travel sealed with abstracts' keys: every service shares the congress secret
                CONGRESS_SECRET=SECRET,
            )
            _, notify = build(settings)
            async with notify.router.lifespan_context(notify):
                a1 = (await submit_abstract(abstracts, title="First study"))["abstract_id"]
                a2 = (await submit_abstract(abstracts, title="Second study"))["abstract_id"]
                third = {
                    "title": "Third study",
                    "authors": [ben | {"presenting": True}],
                    "submitter_email": ben["email"],
                }
                a3 = (await submit_abstract(abstracts, **third))["abstract_id"]
                stage = "/api/organiser/decisions/stage"
                await post(abstracts, stage, {"choice": "accept", "abstract_ids": [a1, a3]})
                await post(abstracts, stage, {"choice": "reject", "abstract_ids": [a2]})
                await post(abstracts, stage, {"choice": "accept", "format": "poster", "abstract_ids": [a2]})
                first = await post(abstracts, "/api/organiser/decisions/release", {})
                assert first["letters"] == 3
                await eventually(lambda: len(decisions(sink.handler.snapshot())) >= 3, timeout=90)
                await eventually(
                    lambda: consumed_everything(kafka_bootstrap, topic, topic_prefix + CONSUMER), timeout=60
                )
                after_first = sink.handler.snapshot()
                await post(abstracts, stage, {"choice": "reject", "abstract_ids": [a3]})
                second = await post(abstracts, "/api/organiser/decisions/release", {"network": "DU"})
                assert (second["letters"], second["corrections"]) == (1, 1)
                await eventually(lambda: len(decisions(sink.handler.snapshot())) >= 4, timeout=90)
                await eventually(
                    lambda: consumed_everything(kafka_bootstrap, topic, topic_prefix + CONSUMER), timeout=60
                )
                everything = sink.handler.snapshot()
    finally:
        await close_service(abstracts, kafka=True)
    assert decisions(after_first) == [
        ("aiko0@example.org", "decisions_released"),
        ("aiko1@example.org", "decisions_released"),
        ("ben@example.org", "decisions_released"),
    ]  # one each, and no abstract_accepted / abstract_rejected per abstract
    aiko = next(
        m for m in after_first if m["To"].addresses[0].addr_spec == "aiko0@example.org" and "decisions" in m["Subject"]
    )
    text = plain(aiko)
    assert "First study" in text and "Second study" in text and "Accepted as Poster." in text
    assert "Third study" not in text  # Ben's, not hers
    assert decisions(everything[len(after_first) :]) == [("ben@example.org", "decisions_released")]
    (correction,) = (m for m in everything[len(after_first) :] if str(m["X-Congress-Template"]) == "decisions_released")
    assert "correction" in str(correction["Subject"]) and "Not accepted." in plain(correction)
