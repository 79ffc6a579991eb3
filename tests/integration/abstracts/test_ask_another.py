"""Issue 14: where reviewers disagree, one organiser action asks one further reviewer, chosen by the assignment's
engine; the reviewers on the abstract and their reviews stay, and the new one is invited (ReviewerAssigned).
SQLite, no Kafka."""

from __future__ import annotations

from sqlalchemy import select

from schemas.abstracts import ReviewerAssignedV2
from schemas.base import decode
from services.abstracts.adapters import db
from services.common.outbox import outbox_table
from tests.integration.abstracts.conftest import ORGANISER, Service, add_reviewer, submit
from tests.integration.abstracts.test_matching_pages import review


async def invitations(service: Service) -> list[ReviewerAssignedV2]:
    async with service.runtime.engine.connect() as conn:
        values = (await conn.execute(select(outbox_table.c.value).order_by(outbox_table.c.id))).scalars().all()
    return [e for e in (decode(v).data for v in values if v is not None) if isinstance(e, ReviewerAssignedV2)]


async def test_a_further_reviewer_joins_a_disputed_abstract_and_the_reviews_stay(offline: Service) -> None:
    client = offline.client
    disputed = (await submit(offline, title="Disputed"))["abstract_id"]
    for name in ("Amani", "Bo", "Chen"):
        await add_reviewer(offline, name, f"University {name}", ["DU"])
    assert (await client.post("/api/organiser/assign", headers=ORGANISER)).status_code == 200
    links = {
        r["reviewer_id"]: r["portal_link"]
        for r in (await client.get("/api/organiser/reviewers", headers=ORGANISER)).json()
    }
    async with offline.deps.sessionmaker() as session:
        first = sorted(a["reviewer_id"] for a in await db.all_assignments(session))
    for reviewer_id, score in zip(first, (1, 5), strict=True):
        await review(offline, links[reviewer_id], disputed, score)
    (row,) = (await client.get("/api/organiser/abstracts", headers=ORGANISER)).json()
    assert row["reviewers_disagree"] is True and row["reviews"] == 2
    before = len(await invitations(offline))

    asked = await client.post(f"/api/organiser/abstracts/{disputed}/ask-another", headers=ORGANISER)
    assert asked.status_code == 200, asked.text
    (added,) = asked.json()["assigned"]
    assert added["abstract_id"] == disputed and added["reviewer_id"] not in first
    (row,) = (await client.get("/api/organiser/abstracts", headers=ORGANISER)).json()
    assert row["reviews"] == 2  # the two reviews under way are kept
    async with offline.deps.sessionmaker() as session:
        now = sorted(a["reviewer_id"] for a in await db.all_assignments(session) if a["active"])
    assert now == sorted([*first, added["reviewer_id"]])
    (invited,) = (await invitations(offline))[before:]
    assert (invited.abstract_id, invited.reviewer_id) == (disputed, added["reviewer_id"])  # their email

    again = await client.post(f"/api/organiser/abstracts/{disputed}/ask-another", headers=ORGANISER)
    assert again.json()["assigned"] == [] and "only 3 reviewer(s)" in again.json()["shortfalls"][0]["reason"]
    page = await client.post(f"/organiser/abstracts/{disputed}/ask-another", headers=ORGANISER)
    assert page.status_code == 303 and "Nobody%20more" in page.headers["location"]
    missing = await client.post("/api/organiser/abstracts/nope/ask-another", headers=ORGANISER)
    assert missing.status_code == 404
