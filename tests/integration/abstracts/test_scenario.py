"""One scenario against real Kafka on each database: submit, revise, assign, review, decide, withdraw.

The events on ``congress.abstracts`` are read back, decoded through the schema models, and
checked in order per abstract and exactly once; the reviewer's pages and JSON are checked
to hold nothing that identifies an author.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from schemas import topics
from schemas.abstracts import (
    AbstractDecided,
    AbstractFormat,
    AbstractRevised,
    AbstractSubmitted,
    AbstractWithdrawn,
    Decision,
    ReviewerAssignedV2,
    ReviewerUnassigned,
    ReviewSubmitted,
)
from services.common.accounts import seeded_account_id
from services.common.sealing import NOTIFY_LINK, unseal
from tests.integration.abstracts.conftest import (
    ORGANISER,
    Service,
    add_reviewer,
    author,
    close_service,
    open_service,
    settings_for,
    submit,
)
from tests.kafka_helpers import read_events

WIEN = author(
    1, given_name="Jürgen", family_name="Müller", email="juergen@univie.example", affiliation="Universität Wien"
)
CHILE = author(
    0, given_name="María José", family_name="Pérez", email="mj@uchile.example", affiliation="Universidad de Chile"
)
CHILE = CHILE | {"country": "CL"}
WIEN = WIEN | {"country": "AT"}
EXPECTED = {
    "a1": ["AbstractSubmitted", "AbstractRevised", "ReviewerAssigned", "ReviewerAssigned", "ReviewerUnassigned",
           "AbstractDecided"],
    "a2": ["AbstractSubmitted", "ReviewerAssigned", "ReviewerAssigned", "ReviewSubmitted", "ReviewSubmitted",
           "ReviewSubmitted", "AbstractDecided"],
    "a3": ["AbstractSubmitted", "ReviewerAssigned", "AbstractWithdrawn"],
}  # fmt: skip
REVIEW = {
    "scores": {"relevance": 4, "originality": 3, "rigour": 5, "clarity": 4},
    "recommendation": "accept",
    "comments_to_authors": "Clear design; say more about the sample.",
    "comments_to_committee": "Solid.",
}


async def test_abstract_lifecycle_on_kafka(db_url: str, kafka_bootstrap: str, topic_prefix: str) -> None:
    service = await open_service(settings_for(db_url, kafka=kafka_bootstrap, prefix=topic_prefix), kafka=True)
    total = sum(len(v) for v in EXPECTED.values())
    try:
        ids, identities = await run_scenario(service)
        topic = topic_prefix + topics.ABSTRACTS
        opened = service.runtime.keyring.opener(final=True)  # authors' fields are sealed per person
        events = await read_events(kafka_bootstrap, topic, until=lambda evs: len(evs) >= total, open_=opened)
    finally:
        await close_service(service, kafka=True)
    assert len(events) == total
    assert len({e.id for e in events}) == total  # exactly once
    assert not any(re.search(r"eyJ[\w-]+\.[\w-]+\.[\w-]+", e.model_dump_json()) for e in events)  # no live link
    by_key: dict[str, list[Any]] = defaultdict(list)
    for event in events:
        assert event.subject == event.data.abstract_id
        by_key[event.subject].append(event.data)
    for name, abstract_id in ids.items():
        assert [type(d).name for d in by_key[abstract_id]] == EXPECTED[name], name
    check_payloads(by_key, ids, identities)


async def run_scenario(service: Service) -> tuple[dict[str, str], list[str]]:
    client = service.client
    a1 = await submit(service, authors=[author(0), WIEN])
    a2 = await submit(service, authors=[CHILE], submitter_email="mj@uchile.example", title="Equidad y datos")
    a3 = await submit(service, network="EL", title="Leadership")
    assert [a1["reference"], a2["reference"], a3["reference"]] == ["ICSEI27-A-0001", "ICSEI27-A-0002", "ICSEI27-A-0003"]
    revised = await client.put(
        f"/api/abstracts/{a1['abstract_id']}", params={"t": a1["token"]}, json=abstract_body(title="Data use, revised")
    )
    assert revised.json()["content_version"] == 2, revised.text

    r_wien = await add_reviewer(service, "Wien", "UNIVERSITAT  wien", ["DU"])
    r_a = await add_reviewer(service, "Amani", "University of Nairobi", ["DU"])
    r_b = await add_reviewer(service, "Bo", "서울대학교", ["DU", "EL"])
    plan = (await client.post("/api/organiser/assign", headers=ORGANISER)).json()
    pairs = {(p["abstract_id"], p["reviewer_id"]) for p in plan["assigned"]}
    assert pairs == {
        (a3["abstract_id"], r_b),
        (a1["abstract_id"], r_a),
        (a1["abstract_id"], r_b),
        (a2["abstract_id"], r_wien),
        (a2["abstract_id"], r_a),
    }
    assert [s["reference"] for s in plan["shortfalls"]] == ["ICSEI27-A-0003"]
    withdrawn = await client.post(f"/api/abstracts/{a3['abstract_id']}/withdraw", params={"t": a3["token"]}, json={})
    assert withdrawn.json()["status"] == "withdrawn"

    links = {
        r["reviewer_id"]: r["portal_link"]
        for r in (await client.get("/api/organiser/reviewers", headers=ORGANISER)).json()
    }
    identities = [v for a in (author(0), WIEN, CHILE, author(1)) for k, v in a.items() if k != "presenting"]
    await reviewer_sees_no_authors(service, links[r_wien], a1["abstract_id"], a2["abstract_id"], identities)

    await review(service, links[r_wien], a2["abstract_id"], REVIEW)
    await review(service, links[r_a], a2["abstract_id"], REVIEW | {"scores": dict.fromkeys(REVIEW["scores"], 2)})
    await review(service, links[r_a], a2["abstract_id"], REVIEW | {"recommendation": "accept_as_poster"})

    unassign = {"reviewer_id": r_b, "reason": "conflict of interest declared"}
    assert (
        await client.post(f"/api/organiser/abstracts/{a1['abstract_id']}/unassign", json=unassign, headers=ORGANISER)
    ).status_code == 200
    again = (await client.post("/api/organiser/assign", headers=ORGANISER)).json()
    assert again["assigned"] == []
    assert "taken off it before" in again["shortfalls"][0]["reason"]

    decision = {"decision": "accepted", "format": "poster"}
    decided = await client.post(
        f"/api/organiser/abstracts/{a2['abstract_id']}/decision", json=decision, headers=ORGANISER
    )
    assert decided.json()["mean_score"] == 4.0, decided.text
    twice = await client.post(
        f"/api/organiser/abstracts/{a2['abstract_id']}/decision", json=decision, headers=ORGANISER
    )
    assert twice.status_code == 409 and "already decided" in twice.json()["detail"]
    late = await client.post(f"/api/review/{links[r_a].rsplit('/', 1)[1]}/{a2['abstract_id']}", json=REVIEW)
    assert late.status_code == 409
    rejected = {"decision": "rejected"}
    assert (
        await client.post(f"/api/organiser/abstracts/{a1['abstract_id']}/decision", json=rejected, headers=ORGANISER)
    ).status_code == 200
    return {"a1": a1["abstract_id"], "a2": a2["abstract_id"], "a3": a3["abstract_id"]}, identities


def abstract_body(**over: Any) -> dict[str, Any]:
    from tests.integration.abstracts.conftest import abstract

    return abstract(authors=[author(0), WIEN], **over)


async def review(service: Service, link: str, abstract_id: str, body: dict[str, Any]) -> None:
    token = link.rsplit("/", 1)[1]
    answer = await service.client.post(f"/api/review/{token}/{abstract_id}", json=body)
    assert answer.status_code == 200, answer.text


async def reviewer_sees_no_authors(service: Service, link: str, other: str, mine: str, identities: list[str]) -> None:
    token = link.rsplit("/", 1)[1]
    client = service.client
    seen = [
        (await client.get(f"/review/{token}")).text,
        (await client.get(f"/review/{token}/{mine}")).text,
        (await client.get(f"/api/review/{token}")).text,
        (await client.get(f"/api/review/{token}/{mine}")).text,
    ]
    assert "Equidad y datos" in seen[0] and "Equidad y datos" in seen[1]
    for text in seen:
        for identity in identities:
            if len(identity) > 2:  # country codes are two letters and occur in any text
                assert identity not in text, identity
    assert (await client.get(f"/review/{token}/{other}")).status_code == 404
    assert (await client.get(f"/api/review/{token}/{other}")).status_code == 404
    tampered = await client.get(f"/review/{token[:-3]}xyz")
    assert tampered.status_code == 400 and "does not work" in tampered.text


def check_payloads(by_key: dict[str, list[Any]], ids: dict[str, str], identities: list[str]) -> None:
    a1, a2, a3 = (by_key[ids[k]] for k in ("a1", "a2", "a3"))
    assert isinstance(a1[0], AbstractSubmitted) and a1[0].content_version == 1
    assert isinstance(a1[1], AbstractRevised) and a1[1].content_version == 2 and a1[1].title == "Data use, revised"
    assert [a.family_name for a in a1[1].authors] == ["田中0", "Müller"]
    assigned = [d for d in a1 + a2 + a3 if isinstance(d, ReviewerAssignedV2)]
    portals = [unseal("test-secret", NOTIFY_LINK, d.sealed_portal_link, bound_to=d.reviewer_id) for d in assigned]
    assert portals and all(p.startswith("http://testserver/review/") for p in portals)  # as notify opens them
    assert all(str(d.due_on) == "2026-12-14" for d in assigned)
    for data in assigned:
        for identity in identities:
            if len(identity) > 2:
                assert identity not in data.model_dump_json(), identity
    assert isinstance(a1[4], ReviewerUnassigned) and a1[4].reason == "conflict of interest declared"
    assert isinstance(a1[5], AbstractDecided) and a1[5].decision is Decision.REJECTED and a1[5].mean_score is None
    reviews = [d for d in a2 if isinstance(d, ReviewSubmitted)]
    assert reviews[-1].recommendation.value == "accept_as_poster" and reviews[-1].scores["rigour"] == 5
    decided = a2[-1]
    assert isinstance(decided, AbstractDecided)
    assert decided.decision is Decision.ACCEPTED and decided.format is AbstractFormat.POSTER
    assert decided.mean_score == 4.0
    assert decided.comments_to_authors == (REVIEW["comments_to_authors"],) * 2
    assert [a.given_name for a in decided.authors] == ["María José"]
    assert decided.decided_by == seeded_account_id("test-secret", "organiser@icsei.example.org")
    assert isinstance(a3[-1], AbstractWithdrawn) and a3[-1].reference == "ICSEI27-A-0003"
