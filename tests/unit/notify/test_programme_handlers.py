"""The programme events through notify's consumer with a fake mailer: who is told, changes, cancellations, once."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from schemas import topics
from schemas.base import CloudEvent, decode, new_event
from schemas.notify import NotificationSent
from schemas.programme import Presentation, Presenter, ProgrammePublished, SessionCancelled, SessionScheduled
from services.common.outbox import outbox_table
from services.notify.commands.retry import RetryWorker
from services.notify.domain.programme import PROGRAMME_EVENTS, ProgrammeSettings
from services.notify.domain.programme_samples import sample_programme_events, sample_session
from tests.unit.notify.consumer_world import consumer_world, feed


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[dict[str, Any]]:
    settings = ProgrammeSettings(programme_url="https://abstracts.example.org/programme")
    async with consumer_world(tmp_path, PROGRAMME_EVENTS, programme=settings) as world:
        yield world


def got(world: dict[str, Any]) -> Counter[tuple[str, str]]:
    return Counter((m["To"].addresses[0].addr_spec, str(m["X-Congress-Template"])) for m in world["mailer"].messages())


def last_to(world: dict[str, Any], address: str) -> EmailMessage:
    message: EmailMessage = [m for m in world["mailer"].messages() if m["To"].addresses[0].addr_spec == address][-1]
    return message


def text(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


ANA = Presenter(name="Ana Ruiz", email="ana@example.org", language="es")


def version_2(v1: SessionScheduled) -> SessionScheduled:
    """Kwame's paper leaves the session, Ana's joins, and the room changes."""
    zoes = v1.presentations[1].model_copy(update={"presenters": (v1.presentations[1].presenters[0],)})
    anas = Presentation(abstract_id="a-7", reference="ICSEI27-A-0007", title="New one", presenters=(ANA,))
    return v1.model_copy(update={"programme_version": 2, "room_name": "Main Hall", "presentations": (zoes, anas)})


async def test_scheduled_changed_and_cancelled_reach_the_right_presenters_once(world: dict[str, Any]) -> None:
    v1 = sample_session(language="fr")
    first = new_event(v1, "/tests")
    await feed(world, first)
    await feed(world, first)  # redelivered: nothing new
    assert got(world) == Counter(
        {("zoe@example.org", "presentation_scheduled"): 1, ("kwame@example.org", "presentation_scheduled"): 1}
    )

    second = new_event(version_2(v1), "/tests")
    await feed(world, second)
    assert got(world) - Counter(
        {("zoe@example.org", "presentation_scheduled"): 1, ("kwame@example.org", "presentation_scheduled"): 1}
    ) == Counter({("zoe@example.org", "session_changed"): 1, ("ana@example.org", "presentation_scheduled"): 1})
    changed = last_to(world, "zoe@example.org")
    assert "a changé" in str(changed["Subject"]) and "Main Hall" in text(changed) and "New one" in text(changed)
    assert "https://abstracts.example.org/programme" in text(changed)

    cancelled = SessionCancelled(
        congress_id="icsei-2027", session_id=v1.session_id, title=v1.title, reason="Room lost", programme_version=3
    )
    cancel = new_event(cancelled, "/tests")
    await feed(world, cancel)
    await feed(world, cancel)
    told = {k for k in got(world) if k[1] == "session_cancelled"}
    assert told == {("zoe@example.org", "session_cancelled"), ("ana@example.org", "session_cancelled")}  # not Kwame
    assert "Main Hall" in text(last_to(world, "ana@example.org"))  # the session as last scheduled
    assert "Room lost" in text(last_to(world, "zoe@example.org"))

    messages = world["mailer"].messages()
    assert len({str(m["Message-ID"]) for m in messages}) == len(messages) == 6
    async with world["sessions"]() as session:
        rows = (await session.execute(select(outbox_table).order_by(outbox_table.c.id))).all()
    sent = [decode(r.value).data for r in rows if r.topic == topics.NOTIFY]
    assert len(sent) == 6 and all(isinstance(s, NotificationSent) for s in sent)
    assert {s.abstract_id for s in sent if isinstance(s, NotificationSent)} == {"a-0041", "a-0042", "a-7"}


async def test_a_presenters_sessions_in_one_batch_make_one_message_and_moves_and_publishing(
    world: dict[str, Any],
) -> None:
    samples = sample_programme_events(language="de")
    s1 = sample_session(language="de")
    s2 = s1.model_copy(update={"session_id": "s-2", "title": "Second", "presentations": (s1.presentations[1],)})
    moved, _ = samples["presentation_moved"]
    published = ProgrammePublished(
        congress_id="icsei-2027",
        programme_version=1,
        sessions=2,
        presentations=3,
        sessions_changed=2,
        presentations_moved=1,
        published_at=datetime(2026, 12, 20, tzinfo=UTC),
        published_by="organiser@icsei.example.org",
    )
    batch: list[CloudEvent[Any]] = [
        new_event(s1, "/tests"),
        new_event(s2, "/tests"),
        new_event(moved, "/tests"),
        new_event(published, "/t"),
    ]
    await feed(world, *batch)
    assert got(world) == Counter(
        {
            ("zoe@example.org", "presentation_scheduled"): 1,
            ("kwame@example.org", "presentation_scheduled"): 1,
            ("zoe@example.org", "presentation_moved"): 1,
            ("kwame@example.org", "presentation_moved"): 1,
        }
    )
    by = {(m["To"].addresses[0].addr_spec, str(m["X-Congress-Template"])): m for m in world["mailer"].messages()}
    zoe = text(by["zoe@example.org", "presentation_scheduled"])
    assert "Ihre 2 Beiträge sind eingeplant" in str(by["zoe@example.org", "presentation_scheduled"]["Subject"])
    assert "Second" in zoe and "Data use <in> practice & policy" in zoe
    assert "Bisher:" in text(by["zoe@example.org", "presentation_moved"])


async def test_a_deferred_programme_message_is_retried_and_still_names_its_abstract(world: dict[str, Any]) -> None:
    world["mailer"].refuse = 2  # both presenters' messages wait in the retry queue
    await feed(world, new_event(sample_session(), "/tests"))
    assert world["mailer"].accepted == []
    assert await RetryWorker(world["notifier"], world["units"]).work_due() == 2
    async with world["sessions"]() as session:
        rows = (await session.execute(select(outbox_table).where(outbox_table.c.topic == topics.NOTIFY))).all()
    sent = {d.to: d.abstract_id for d in (decode(r.value).data for r in rows) if isinstance(d, NotificationSent)}
    assert sent == {"zoe@example.org": "a-0042", "kwame@example.org": "a-0041"}
