"""A symposium's chair hears of its slot with an ``.ics``, end to end: real Kafka in, a real SMTP server out, on
SQLite and PostgreSQL. The abstracts topic accepts a symposium (chair Chidi, in French); the programme topic then
schedules its session; Chidi receives "the symposium … you chair is scheduled" with the slot's calendar entry,
whose UID is the abstract's, as its presenters' is."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from schemas import topics
from schemas.abstracts import AbstractDecided, AbstractFormat, Decision, Symposium, SymposiumPaper, SymposiumRole
from schemas.base import new_event
from services.notify.app import CONSUMER, build
from services.notify.config import NotifySettings
from services.notify.domain.programme_samples import sample_session
from tests.integration.notify.sink import RecordingSink
from tests.integration.notify.test_notify_abstracts_kafka_smtp import KWAME, congress_file, consumed_everything
from tests.integration.notify.test_notify_programme_kafka_smtp import calendar, key, text
from tests.kafka_helpers import eventually, publish

CHAIR = SymposiumRole(
    given_name="Chidi",
    family_name="Okeke",
    email="chidi@example.org",
    affiliation="UNILAG",
    country="NG",
    language="fr",
)
SESSION = sample_session()
SYMPOSIUM = SESSION.presentations[0]


def decided() -> AbstractDecided:
    papers = tuple(SymposiumPaper(title=f"Paper {n}", text="Words.", authors=(KWAME,)) for n in (1, 2, 3))
    return AbstractDecided(
        congress_id="icsei-2027",
        abstract_id=SYMPOSIUM.abstract_id,
        reference=SYMPOSIUM.reference,
        title=SYMPOSIUM.title,
        decision=Decision.ACCEPTED,
        format=AbstractFormat.SYMPOSIUM,
        network="du",
        authors=(KWAME,),
        submitter_email=KWAME.email,
        comments_to_authors=(),
        decided_at=datetime(2026, 11, 1, tzinfo=UTC),
        decided_by="organiser@icsei.example.org",
        symposium=Symposium(chair=CHAIR, papers=papers),
    )


async def test_a_symposiums_chair_gets_the_slot_with_its_calendar_entry(
    kafka_bootstrap: str, topic_prefix: str, db_url: str, tmp_path: Path
) -> None:
    group = topic_prefix + CONSUMER
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
            abstracts = topic_prefix + topics.ABSTRACTS
            await publish(kafka_bootstrap, abstracts, [new_event(decided(), "/tests")])
            await eventually(lambda: consumed_everything(kafka_bootstrap, abstracts, group), timeout=60)
            await publish(kafka_bootstrap, topic_prefix + topics.PROGRAMME, [new_event(SESSION, "/tests")])
            wanted = (CHAIR.email, "presentation_scheduled")
            both = {wanted, (KWAME.email, "presentation_scheduled")}  # sent over several connections at once
            await eventually(lambda: both <= {key(m) for m in sink.handler.snapshot()}, timeout=90)
            received = sink.handler.snapshot()
    chair = next(m for m in received if key(m) == wanted)
    assert f"le symposium {SYMPOSIUM.reference} que vous présidez est programmé" in str(chair["Subject"])
    assert SESSION.room_name in text(chair)
    [entry] = calendar(chair)
    assert str(entry["UID"]) == f"abstract-{SYMPOSIUM.abstract_id}@icsei-2027"
    assert int(entry["SEQUENCE"]) == SESSION.programme_version
    presenter = next(m for m in received if key(m) == (KWAME.email, "presentation_scheduled"))
    assert f"abstract-{SYMPOSIUM.abstract_id}@icsei-2027" in {str(e["UID"]) for e in calendar(presenter)}
