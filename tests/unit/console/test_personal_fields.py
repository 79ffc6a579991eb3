"""The console opens personal fields with the keys on ``congress.keys``; a person erased shows as ``erased``."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from schemas.base import encode, new_event
from schemas.delegates import DelegateSnapshot
from schemas.values import Delegate, PaymentMethod
from services.common.keyring import STAGED_KEYS, Keyring
from services.console.adapters.kafka import TopicReader


@dataclass
class Rec:
    topic: str
    key: bytes | None
    value: bytes | None
    partition: int = 0
    offset: int = 0
    timestamp: int = 1_800_000_000_000
    headers: list[tuple[str, bytes]] = field(default_factory=list)


async def test_names_show_until_the_person_is_erased_then_erased() -> None:
    person = Delegate(
        delegate_id="d-1",
        registration_number="N-1",
        given_name="Ana",
        family_name="Silva",
        badge_name="Ana Silva",
        affiliation="Porto",
        country="PT",
        email="ana@example.org",
        category="member",
    )
    snapshot = DelegateSnapshot(
        congress_id="c",
        delegate_id="d-1",
        registration_id="r-1",
        registration_version=1,
        status="confirmed",
        paid=True,
        payment_method=PaymentMethod.CARD,
        delegate=person,
    )
    scratch = Session()
    value = encode(new_event(snapshot, "/tests"), Keyring("secret", "registration").sealer(scratch))
    [(_, key)] = scratch.info[STAGED_KEYS]  # type: ignore[misc]
    reader = TopicReader(
        "unused:9092", topic_prefix="", on_entries=lambda _: None, keyring=Keyring("secret", "console")
    )
    event = Rec("congress.delegates", b"d-1", value)
    [_, shown] = await reader._entries([Rec("congress.keys", key["key"], key["value"]), event])  # type: ignore[list-item]
    assert shown.doc["data"]["delegate"]["badge_name"] == "Ana Silva"
    [_, erased] = await reader._entries([Rec("congress.keys", key["key"], None), event])  # type: ignore[list-item]
    assert erased.doc["data"]["delegate"]["badge_name"] == "erased" and "Ana" not in repr(erased.doc)
