"""notify and the abstracts context end to end: real Kafka in, a real SMTP server out, on SQLite and PostgreSQL.

One scenario: two submissions (one revised), a third withdrawn, reviewers assigned (one
reviewer twice), a review, an unassignment and two decisions. It checks who receives
what, in which language, once each; that reviewers' mail names no author; that the
accepted author whose format changed is told so; and that publishing every event again
(a redelivery of the same CloudEvents) sends nothing new.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import yaml
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from schemas import topics
from schemas.abstracts import (
    AbstractDecided,
    AbstractFormat,
    AbstractRevised,
    AbstractSubmitted,
    AbstractWithdrawn,
    Author,
    Decision,
    Recommendation,
    ReviewerAssigned,
    ReviewerUnassigned,
    ReviewSubmitted,
)
from schemas.base import EventData, new_event
from schemas.notify import NotificationSent
from services.common.congress import DEFAULT_CONFIG
from services.notify.app import CONSUMER, build
from services.notify.config import NotifySettings
from tests.integration.notify.sink import RecordingSink
from tests.kafka_helpers import eventually, publish, read_events

NOW = datetime(2026, 9, 1, 3, 0, tzinfo=UTC)
ZOE = Author(
    given_name="Zoë",
    family_name="Ørsted-Müller",
    email="zoe@example.org",
    affiliation="Uni Zürich",
    country="CH",
    presenting=True,
    language="de",
)
MARIE = Author(
    given_name="Marie",
    family_name="Lefèvre",
    email="marie@example.org",
    affiliation="Univ. Lyon",
    country="FR",
    language="fr",
)
KWAME = Author(
    given_name="Kwame",
    family_name="Mensah",
    email="kwame@example.org",
    affiliation="UG",
    country="GH",
    presenting=True,
    language="en",
)
ANA = Author(
    given_name="Ana",
    family_name="Ruiz",
    email="ana@example.org",
    affiliation="UAM",
    country="ES",
    presenting=True,
    language="es",
)
AUTHOR_NAMES = ("Ørsted-Müller", "Lefèvre", "Mensah", "Ruiz")


def content(abstract_id: str, authors: tuple[Author, ...], fmt: AbstractFormat, version: int = 1) -> dict[str, Any]:
    return {
        "congress_id": "icsei-2027",
        "abstract_id": abstract_id,
        "reference": f"ICSEI27-{abstract_id.upper()}",
        "content_version": version,
        "format": fmt,
        "network": "du",
        "title": f"Title of {abstract_id}",
        "text": "Text.",
        "authors": authors,
        "submitter_email": authors[0].email,
    }


def assigned(abstract_id: str, reviewer: str, name: str, language: str) -> ReviewerAssigned:
    return ReviewerAssigned(
        congress_id="icsei-2027",
        abstract_id=abstract_id,
        reviewer_id=reviewer,
        reviewer_name=name,
        reviewer_email=f"{reviewer}@example.org",
        reviewer_language=language,
        reference=f"ICSEI27-{abstract_id.upper()}",
        title=f"Title of {abstract_id}",
        network="du",
        due_on=date(2026, 10, 15),
        portal_link=f"https://abstracts.example.org/review/{reviewer}",
    )


def decided(abstract_id: str, authors: tuple[Author, ...], decision: Decision, fmt: AbstractFormat) -> AbstractDecided:
    return AbstractDecided(
        congress_id="icsei-2027",
        abstract_id=abstract_id,
        reference=f"ICSEI27-{abstract_id.upper()}",
        title=f"Title of {abstract_id}",
        decision=decision,
        format=fmt,
        network="du",
        authors=authors,
        submitter_email=authors[0].email,
        comments_to_authors=("Clear and useful.",),
        decided_at=NOW,
        decided_by="organiser@icsei.example.org",
    )


def scenario() -> list[EventData]:
    a1 = (ZOE, MARIE, KWAME)
    return [
        AbstractSubmitted(**content("a1", a1, AbstractFormat.SYMPOSIUM), submitted_at=NOW),
        AbstractRevised(**content("a1", a1, AbstractFormat.PAPER, version=2), revised_at=NOW),
        AbstractSubmitted(**content("a2", (ANA,), AbstractFormat.WORKSHOP), submitted_at=NOW),
        AbstractSubmitted(**content("a3", (KWAME,), AbstractFormat.POSTER), submitted_at=NOW),
        AbstractWithdrawn(
            congress_id="icsei-2027",
            abstract_id="a3",
            reference="ICSEI27-A3",
            title="Title of a3",
            submitter_email=KWAME.email,
            withdrawn_at=NOW,
        ),
        assigned("a1", "rv-1", "Rui Costa", "es"),
        assigned("a2", "rv-1", "Rui Costa", "es"),
        assigned("a1", "rv-2", "李 娜", "zh"),
        ReviewSubmitted(
            congress_id="icsei-2027",
            abstract_id="a1",
            reviewer_id="rv-1",
            scores={"rigour": 4},
            recommendation=Recommendation.ACCEPT_AS_POSTER,
            comments_to_authors="Clear and useful.",
            submitted_at=NOW,
        ),
        ReviewerUnassigned(congress_id="icsei-2027", abstract_id="a1", reviewer_id="rv-2", reason="Conflict declared"),
        decided("a1", a1, Decision.ACCEPTED, AbstractFormat.POSTER),
        decided("a2", (ANA,), Decision.REJECTED, AbstractFormat.WORKSHOP),
    ]


EXPECTED = Counter(
    {
        ("zoe@example.org", "abstract_received"): 1,
        ("marie@example.org", "abstract_coauthor"): 1,
        ("kwame@example.org", "abstract_coauthor"): 1,
        ("zoe@example.org", "abstract_revised"): 1,
        ("ana@example.org", "abstract_received"): 1,
        ("kwame@example.org", "abstract_received"): 1,
        ("kwame@example.org", "abstract_withdrawn"): 1,
        ("rv-2@example.org", "review_invitation"): 1,
        ("rv-2@example.org", "review_unassigned"): 1,
        ("zoe@example.org", "abstract_accepted"): 1,
        ("marie@example.org", "abstract_accepted"): 1,
        ("kwame@example.org", "abstract_accepted"): 1,
        ("ana@example.org", "abstract_rejected"): 1,
    }
)
"""Besides these, rv-1 gets one invitation for both abstracts or one each (as the batches fell)."""


def key(message: EmailMessage) -> tuple[str, str]:
    return message["To"].addresses[0].addr_spec, str(message["X-Congress-Template"])


def text(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


def congress_file(tmp_path: Path) -> Path:
    doc = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    doc["abstracts"] = {
        "deadline": "2026-09-30",
        "registration_url": "https://reg.example.org/register",
        "networks": [{"code": "du", "name": "Data Use"}],
    }
    path = tmp_path / "congress.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


async def consumed_everything(bootstrap: str, topic: str, group: str) -> bool:
    """The notify group's committed offsets reached the end of every partition (so its batches committed)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await admin.start()
    await consumer.start()
    try:
        committed = await admin.list_consumer_group_offsets(group)
        (described,) = await admin.describe_topics([topic])
        parts = [TopicPartition(topic, p["partition"]) for p in described["partitions"]]
        ends = await consumer.end_offsets(parts)
    finally:
        await consumer.stop()
        await admin.close()
    done = {tp: committed[tp].offset if tp in committed else 0 for tp in parts}
    return all(done[tp] >= ends[tp] for tp in parts) and sum(ends.values()) > 0


async def test_abstracts_events_become_each_persons_mail_once(
    kafka_bootstrap: str, topic_prefix: str, db_url: str, tmp_path: Path
) -> None:
    topic = topic_prefix + topics.ABSTRACTS
    events = [new_event(data, "/tests") for data in scenario()]
    with RecordingSink() as sink:
        settings = NotifySettings(
            kafka_bootstrap_servers=kafka_bootstrap,
            kafka_topic_prefix=topic_prefix,
            database_url=db_url,
            congress_config=str(congress_file(tmp_path)),
            smtp_host="127.0.0.1",
            smtp_port=sink.port,
            embedded_sink=False,
            mail_dir=str(tmp_path / "mail"),
        )
        _, app = build(settings)
        async with app.router.lifespan_context(app):
            await publish(kafka_bootstrap, topic, events)
            rv1 = ("rv-1@example.org", "review_invitation")

            def all_arrived() -> bool:
                got = Counter(key(m) for m in sink.handler.snapshot())
                return all(got[k] >= n for k, n in EXPECTED.items()) and got[rv1] >= 1

            await eventually(all_arrived, timeout=90)
            await eventually(lambda: consumed_everything(kafka_bootstrap, topic, topic_prefix + CONSUMER), timeout=60)
            first = sink.handler.snapshot()
            await publish(kafka_bootstrap, topic, events)  # the same CloudEvents again
            await eventually(lambda: consumed_everything(kafka_bootstrap, topic, topic_prefix + CONSUMER), timeout=60)
            again = sink.handler.snapshot()
            notified = await read_events(
                kafka_bootstrap, topic_prefix + topics.NOTIFY, until=lambda evs: len(evs) >= len(first), timeout=30
            )
    assert len(again) == len(first), "a redelivered event sent mail again"
    assert_who_got_what(first)
    sent = [e.data for e in notified if isinstance(e.data, NotificationSent)]
    assert sorted(s.message_id for s in sent) == sorted(str(m["Message-ID"]) for m in first)
    assert {s.abstract_id for s in sent} == {"a1", "a2", "a3"}


def assert_who_got_what(received: list[EmailMessage]) -> None:
    got = Counter(key(m) for m in received)
    rv1 = got.pop(("rv-1@example.org", "review_invitation"))
    assert got == EXPECTED
    assert len({str(m["Message-ID"]) for m in received}) == len(received)
    invitations = [text(m) for m in received if key(m) == ("rv-1@example.org", "review_invitation")]
    assert rv1 == len(invitations) in (1, 2)
    assert sum(t.count("ICSEI27-A1") for t in invitations) == 1 and sum(t.count("ICSEI27-A2") for t in invitations) == 1
    for message in received:
        assert message["Subject"].startswith("ICSEI 2027")
        assert message.get_body(("html",)) is not None
        if str(message["X-Congress-Template"]).startswith("review_"):  # double-blind
            everything = text(message) + str(message.get_body(("html",)).get_content())  # type: ignore[union-attr]
            assert not any(name in everything for name in AUTHOR_NAMES)
    by = {key(m): m for m in received}
    assert "evalúe" in str(by["rv-1@example.org", "review_invitation"]["Subject"])
    assert "15 de octubre de 2026" in invitations[0] and "Data Use" in invitations[0]
    assert by["rv-2@example.org", "review_invitation"]["To"].addresses[0].display_name == "李 娜"
    zoe = text(by["zoe@example.org", "abstract_accepted"])
    assert "eingereicht als Vortrag, angenommen als Poster" in zoe and "https://reg.example.org/register" in zoe
    assert "angenommen" in str(by["zoe@example.org", "abstract_accepted"]["Subject"])
    marie = text(by["marie@example.org", "abstract_accepted"])
    assert "soumis comme Communication, il est accepté comme Poster" in marie and "inscrire" not in marie
    assert "accepted" in str(by["kwame@example.org", "abstract_accepted"]["Subject"])
    ana = by["ana@example.org", "abstract_rejected"]
    assert "decisión" in str(ana["Subject"]) and "Clear and useful." in text(ana)
    receipt = text(by["zoe@example.org", "abstract_received"])
    assert "30. September 2026" in receipt and "Symposium" in receipt
    assert "Kwame Mensah" in text(by["kwame@example.org", "abstract_withdrawn"])
    assert by["zoe@example.org", "abstract_received"]["To"].addresses[0].display_name == "Zoë Ørsted-Müller"
