"""Issue 14 in the demo: its reviewers fill profiles and bid through their links, the organiser assigns by
affinity (so eager bids are honoured where the plan allows), stages decisions and releases them together, then
names a few sessions' chairs with an email and publishes the programme.
The demo's call for papers against the real abstracts service in process (SQLite, no Kafka)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from schemas.abstracts import AbstractDecided, DecisionsReleased
from schemas.base import decode
from schemas.programme import SessionScheduled
from services.abstracts.adapters import db
from services.abstracts.adapters.profiles import bids, reviewer_profiles
from services.common.congress import load_congress
from services.common.outbox import outbox_table
from services.demo.abstracting import MAIL_LANGUAGES, CallForPapers
from services.demo.client import Http, Tally
from services.demo.session_chairs import SESSION_CHAIRS
from tests.integration.abstracts.conftest import ORGANISER, Service, close_service, open_service, settings_for


@pytest.fixture
async def abstracts(tmp_path: Path) -> AsyncIterator[Service]:
    service = await open_service(settings_for(f"sqlite+aiosqlite:///{tmp_path / 'a.sqlite3'}"), kafka=False)
    service.client.headers.update(ORGANISER)
    yield service
    await close_service(service, kafka=False)


async def test_the_demos_reviewers_bid_and_the_demo_assigns_by_affinity(abstracts: Service) -> None:
    tally = Tally()
    section = load_congress(None).section("abstracts")
    call = CallForPapers(Http(abstracts.client, tally, "abstracts"), tally, section, seed=3)
    await call.submit(16)
    await call.review_round(per_network=3)
    assert not tally.errors, tally.errors
    reviewers = 3 * len(section["networks"])
    assert tally["reviewer profiles"] == reviewers and tally["bids"] > 0
    async with abstracts.deps.sessionmaker() as session:
        profiles = (await session.execute(select(reviewer_profiles))).mappings().all()
        bid = {(r["abstract_id"], r["reviewer_id"]): r["bid"] for r in (await session.execute(select(bids))).mappings()}
        pairs = {(a["abstract_id"], a["reviewer_id"]) for a in await db.all_assignments(session)}
    assert len(profiles) == reviewers and all(p["keywords"] and p["own_abstracts"] for p in profiles)
    eager = {p for p, b in bid.items() if b == "eager"}
    unwilling = {p for p, b in bid.items() if b == "not_willing"}
    assert eager & pairs, "no eager bid honoured"
    assert len(eager & pairs) / len(eager) > len(unwilling & pairs) / max(1, len(unwilling))

    await call.decide()
    assert not tally.errors, tally.errors
    async with abstracts.runtime.engine.connect() as conn:
        values = (await conn.execute(select(outbox_table.c.value))).scalars().all()
    opened = abstracts.runtime.keyring.opener(final=True)  # authors' and recipients' fields are sealed per person
    events = [decode(v, opened).data for v in values if v is not None]
    decided = [e for e in events if isinstance(e, AbstractDecided)]
    assert decided and all(e.release_id == decided[0].release_id for e in decided)  # one release
    letters = [e for e in events if isinstance(e, DecisionsReleased)]
    assert len({e.email.casefold() for e in letters}) == len(letters) == tally["decision letters"]
    assert sorted(call.accepted) == sorted(e.abstract_id for e in decided if e.decision.value == "accepted")

    # The organiser names a few sessions' chairs with an email, so the published sessions mail them (make demo's
    # mail page shows it), and they register among the presenters to get the chair's ribbon.
    await call.publish_programme()
    assert not tally.errors, tally.errors
    async with abstracts.runtime.engine.connect() as conn:
        values = (await conn.execute(select(outbox_table.c.value))).scalars().all()
    scheduled = [
        e for e in (decode(v, opened).data for v in values if v is not None) if isinstance(e, SessionScheduled)
    ]
    chaired = {e.chair_email: e for e in scheduled if e.chair_email}
    assert len(chaired) == len(call.chairs) == tally["session chairs named"] == SESSION_CHAIRS
    assert {p.email for p in call.chairs} == set(chaired) and all(e.chair for e in chaired.values())
    assert all(e.chair_language in MAIL_LANGUAGES for e in chaired.values())
    assert set(chaired) <= {p.email for p in call.accepted_presenters()}
