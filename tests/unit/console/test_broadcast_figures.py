"""The console counts each broadcast: its total, and recipients sent and failed — each recipient once."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from schemas.audit import ActorKind
from schemas.base import EventData
from schemas.notify import NotificationFailed, NotificationSent
from services.common.accounts import shown_actor
from services.console.adapters.records import to_entry
from services.console.domain import Projection
from tests.accounts import directory_with
from tests.integration.notify.broadcasts import broadcast
from tests.unit.console.events import records


def sent(delegate_id: str, template: str = "broadcast", cause: str = "b-venue") -> NotificationSent:
    return NotificationSent(
        recipient_id=delegate_id,
        template=template,
        cause_event_id=cause,
        message_id=f"<{delegate_id}@x>",
        to=f"{delegate_id}@example.org",
        subject="Venue change",
    )


def failed(delegate_id: str) -> NotificationFailed:
    return NotificationFailed(
        recipient_id=delegate_id,
        template="broadcast",
        cause_event_id="b-venue",
        message_id=f"<{delegate_id}@x>",
        to="",
        reason="no contact details for this delegate",
        permanent=True,
    )


def test_each_broadcast_counts_its_recipients_once() -> None:
    parts = broadcast("b-venue", range(5), part_size=3)
    events: list[EventData] = [
        *parts,
        parts[0],  # a part read again
        sent("d-0000"),
        sent("d-0000"),  # sent twice (killed between the server's 250 and the record): one recipient
        sent("d-0001"),
        sent("d-0002", template="registration_confirmed", cause="evt-1"),  # not a broadcast
        failed("d-0003"),
    ]
    projection = Projection(tz=ZoneInfo("UTC"), capacities={})
    for record in records(events):
        projection.apply(to_entry(record, topic_prefix=""))
    figures = projection.figures()
    assert figures["broadcasts"] == [
        {
            "broadcast_id": "b-venue",
            "subject": "Venue change",
            "segment": "confirmed delegates",
            "total": 5,
            "sent": 2,
            "failed": 1,
            "requested_by": "chair@icsei.example.org",
            "requested_at": "2027-01-02T09:00:00Z",
        }
    ]
    assert figures["emails"]["sent"] == 4


def test_the_organiser_who_sent_a_broadcast_is_named_as_the_directory_knows_them_now() -> None:
    """Decision 75: ``requested_by`` is the account id; the figures name it (an erased account by that word)."""
    parts = [p.model_copy(update={"requested_by": "acc-chair"}) for p in broadcast("b-venue", range(2), part_size=3)]
    accounts = directory_with("acc-chair", "chair@x.org", "Chair", ["admin"])
    projection = Projection(
        tz=ZoneInfo("UTC"), name_organiser=lambda actor: shown_actor(accounts, ActorKind.ORGANISER, actor)
    )
    for record in records(parts):
        projection.apply(to_entry(record, topic_prefix=""))
    assert [b["requested_by"] for b in projection.figures()["broadcasts"]] == ["Chair <chair@x.org>"]
    accounts.forget("acc-chair")
    assert [b["requested_by"] for b in projection.figures()["broadcasts"]] == ["erased account"]
