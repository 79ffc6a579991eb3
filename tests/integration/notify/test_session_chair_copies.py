"""Two copies of notify on one PostgreSQL database, real Kafka in, a real SMTP server out: a session's chair replaced
by a later version, then removed, hears once per cause that they no longer chair it, in their language, with the
session's calendar entry cancelled (METHOD:CANCEL, the UID they were sent); the whole history published again
(the same CloudEvents) sends nothing more, whichever copy reads it."""

from __future__ import annotations

import contextlib
from collections import Counter
from pathlib import Path

from schemas import topics
from schemas.base import new_event
from services.notify.app import CONSUMER, build
from services.notify.config import NotifySettings
from services.notify.domain.programme_samples import sample_session
from tests.conftest import fresh_pg_database
from tests.integration.notify.sink import RecordingSink
from tests.integration.notify.test_notify_abstracts_kafka_smtp import consumed_everything
from tests.integration.notify.test_notify_programme_kafka_smtp import calendar, key, text
from tests.kafka_helpers import eventually, publish

NOOR = {"chair": "Noor Haddad", "chair_email": "noor@example.org", "chair_language": "es"}
SAM = {"chair": "Sam Lee", "chair_email": "sam@example.org", "chair_language": "en"}
CHAIR_MAIL = ("session_chaired", "session_unchaired")


async def test_two_copies_tell_a_replaced_and_a_removed_chair_once_each(
    kafka_bootstrap: str, topic_prefix: str, pg_url: str, tmp_path: Path
) -> None:
    topic = topic_prefix + topics.PROGRAMME
    v1 = sample_session().model_copy(update=NOOR)
    history = [
        new_event(v1, "/tests"),
        new_event(v1.model_copy(update={**SAM, "programme_version": 2, "room_name": "Main Hall"}), "/tests"),
        new_event(v1.model_copy(update={"chair": None, "chair_email": None, "programme_version": 3}), "/tests"),
    ]
    url = await fresh_pg_database(pg_url)
    with RecordingSink() as sink:

        def chairs() -> Counter[tuple[str, str]]:
            return Counter(k for k in map(key, sink.handler.snapshot()) if k[1] in CHAIR_MAIL)

        def copy(n: int) -> NotifySettings:
            return NotifySettings(
                kafka_bootstrap_servers=kafka_bootstrap,
                kafka_topic_prefix=topic_prefix,
                database_url=url,
                smtp_host="127.0.0.1",
                smtp_port=sink.port,
                embedded_sink=False,
                mail_dir=str(tmp_path / f"mail-{n}"),
            )

        async with contextlib.AsyncExitStack() as stack:
            for n in (1, 2):
                _, app = build(copy(n))
                await stack.enter_async_context(app.router.lifespan_context(app))
            await publish(kafka_bootstrap, topic, history[:2])
            await eventually(lambda: chairs()[("noor@example.org", "session_unchaired")] == 1, timeout=90)
            await publish(kafka_bootstrap, topic, [history[2], *history])  # the removal, then all of it again
            await eventually(lambda: chairs()[("sam@example.org", "session_unchaired")] == 1, timeout=90)
            await eventually(lambda: consumed_everything(kafka_bootstrap, topic, topic_prefix + CONSUMER), timeout=60)
            received = sink.handler.snapshot()
    assert chairs() == Counter(
        {
            ("noor@example.org", "session_chaired"): 1,
            ("noor@example.org", "session_unchaired"): 1,
            ("sam@example.org", "session_chaired"): 1,
            ("sam@example.org", "session_unchaired"): 1,
        }
    )
    noor = next(m for m in received if key(m) == ("noor@example.org", "session_unchaired"))
    assert "ya no preside la sesión Data use <in> practice & policy" in str(noor["Subject"])
    assert "Room 301" in text(noor)  # where she was told it was, not where it moved
    [entry] = calendar(noor)  # METHOD:CANCEL, as every entry is cancelled
    assert str(entry["UID"]) == f"session-{v1.session_id}@{v1.congress_id}" and str(entry["STATUS"]) == "CANCELLED"
    sam = next(m for m in received if key(m) == ("sam@example.org", "session_unchaired"))
    assert "you no longer chair the session" in str(sam["Subject"]) and "Main Hall" in text(sam)
    [again] = calendar(sam)
    assert str(again["UID"]) == str(entry["UID"]) and int(again["SEQUENCE"]) == 3
