"""The abstracts events through notify's consumer with a fake mailer: once per cause, stored assignments, batches."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from schemas import topics
from schemas.abstracts import Recommendation, ReviewerAssignedV2, ReviewerUnassigned, ReviewSubmitted
from schemas.base import CloudEvent, EventData, decode, new_event
from schemas.notify import NotificationFailed, NotificationSent
from services.common.outbox import outbox_table
from services.notify.commands.retry import RetryWorker
from services.notify.domain.abstracts import ABSTRACT_EVENTS, AbstractsSettings
from services.notify.domain.samples import sample_abstract_events
from tests.unit.notify.consumer_world import consumer_world, feed


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[dict[str, Any]]:
    settings = AbstractsSettings(registration_url="https://reg.example.org/")
    async with consumer_world(tmp_path, ABSTRACT_EVENTS, abstracts=settings) as world:
        yield world


async def emitted(world: dict[str, Any]) -> list[tuple[str, Any]]:
    async with world["sessions"]() as session:
        rows = (await session.execute(select(outbox_table).order_by(outbox_table.c.id))).all()
    return [(r.topic, decode(r.value).data if r.topic != topics.DEADLETTER else dict(r.headers)) for r in rows]


SAMPLES = {name: new_event(event, "/tests") for name, (event, _) in sample_abstract_events(language="fr").items()}


def second_assignment(first: EventData) -> ReviewerAssignedV2:
    assert isinstance(first, ReviewerAssignedV2)
    return first.model_copy(update={"abstract_id": "a-0043", "reference": "ICSEI27-A-0043", "title": "Another one"})


async def test_every_abstracts_message_goes_once_even_when_the_events_come_again(world: dict[str, Any]) -> None:
    invitation = SAMPLES["review_invitation"]
    other = new_event(second_assignment(invitation.data), "/tests")
    events: list[CloudEvent[Any]] = [
        SAMPLES["abstract_received"],
        SAMPLES["abstract_revised"],
        invitation,
        other,  # the same reviewer in the same batch: one invitation for both
        SAMPLES["review_unassigned"],
        SAMPLES["abstract_accepted"],
        SAMPLES["abstract_withdrawn"],
        new_event(SAMPLES["abstract_accepted"].data.model_copy(), "/tests"),  # a second decision event: told again
    ]
    await feed(world, *events)
    await feed(world, *events)  # redelivered: nothing new
    received = world["mailer"].messages()
    got = Counter((m["To"].addresses[0].addr_spec, str(m["X-Congress-Template"])) for m in received)
    assert got == Counter(
        {
            ("zoe@example.org", "abstract_received"): 1,
            ("kwame@example.org", "abstract_coauthor"): 1,
            ("zoe@example.org", "abstract_revised"): 1,
            ("zoe@example.org", "review_invitation"): 1,
            ("zoe@example.org", "review_unassigned"): 1,
            ("zoe@example.org", "abstract_accepted"): 2,
            ("kwame@example.org", "abstract_accepted"): 2,
            ("zoe@example.org", "abstract_withdrawn"): 1,
        }
    )
    assert len({str(m["Message-ID"]) for m in received}) == len(received)
    by = {(m["To"].addresses[0].addr_spec, str(m["X-Congress-Template"])): m for m in received}
    invitation_text = by["zoe@example.org", "review_invitation"].get_body(("plain",)).get_content()
    assert "ICSEI27-A-0042" in invitation_text and "ICSEI27-A-0043" in invitation_text
    assert "2 résumés" in str(by["zoe@example.org", "review_invitation"]["Subject"])
    unassigned = by["zoe@example.org", "review_unassigned"].get_body(("plain",)).get_content()
    assert "Data use <in> schools" in unassigned  # the title notify kept from the assignment
    accepted = by["zoe@example.org", "abstract_accepted"].get_body(("plain",)).get_content()
    assert "soumis comme Communication, il est accepté comme Poster" in accepted  # the format notify kept
    assert "https://reg.example.org/" in accepted  # Zoë presents
    withdrawn = by["zoe@example.org", "abstract_withdrawn"].get_body(("plain",)).get_content()
    assert "Zoë Ørsted-Müller" in withdrawn  # the submitter's name, kept from the submission

    sent = [d for _, d in await emitted(world) if isinstance(d, NotificationSent)]
    assert len(sent) == len(received) and {s.abstract_id for s in sent} == {"a-0042"}
    assert {s.recipient_id for s in sent if s.template == "review_invitation"} == {"rv-7"}


async def test_an_unassignment_notify_never_saw_assigned_fails_with_a_dead_letter(world: dict[str, Any]) -> None:
    stray = ReviewerUnassigned(congress_id="c", abstract_id="a-9", reviewer_id="rv-9", reason="No answer")
    await feed(world, new_event(stray, "/tests"))
    out = await emitted(world)
    assert [topic for topic, _ in out] == [topics.DEADLETTER, topics.NOTIFY]
    failed = out[1][1]
    assert isinstance(failed, NotificationFailed) and failed.recipient_id == "rv-9" and failed.abstract_id == "a-9"
    assert world["mailer"].accepted == []


async def test_a_reviewer_submitting_a_review_is_not_mailed(world: dict[str, Any]) -> None:
    review = ReviewSubmitted(
        congress_id="c",
        abstract_id="a-1",
        reviewer_id="rv-1",
        scores={"rigour": 4},
        recommendation=Recommendation.ACCEPT,
        submitted_at=datetime.now(UTC),
    )
    await feed(world, new_event(review, "/tests"))
    assert world["mailer"].accepted == [] and await emitted(world) == []


async def test_a_deferred_abstracts_message_is_retried_and_still_names_its_abstract(world: dict[str, Any]) -> None:
    world["mailer"].refuse = 1
    await feed(world, SAMPLES["abstract_withdrawn"])
    assert world["mailer"].accepted == []
    assert await RetryWorker(world["notifier"], world["units"]).work_due() == 1
    (sent,) = [d for _, d in await emitted(world) if isinstance(d, NotificationSent)]
    assert sent.template == "abstract_withdrawn" and sent.abstract_id == "a-0042"
    assert len(world["mailer"].accepted) == 1
