"""Issue 14: decisions staged (one, selected rows, the top N, all above a calibrated score), revised freely with
nothing sent, then released together — one DecisionsReleased per person per release; a later change is one
correction. SQLite, no Kafka: what a release stages is read from the outbox."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from schemas.abstracts import AbstractDecided, AbstractMoved, DecisionsReleased, Outcome
from schemas.base import EventData, decode
from services.common.outbox import outbox_table
from tests.integration.abstracts.conftest import ORGANISER, Service, add_reviewer, author, submit
from tests.integration.abstracts.test_matching_pages import review

HTML = {"accept": "text/html"} | ORGANISER
TOKENS: dict[str, str] = {}


async def staged_events(service: Service) -> list[EventData]:
    async with service.runtime.engine.connect() as conn:
        values = (await conn.execute(select(outbox_table.c.value).order_by(outbox_table.c.id))).scalars().all()
    kinds = (AbstractDecided, AbstractMoved, DecisionsReleased)
    opened = service.runtime.keyring.opener(final=True)  # authors' fields are sealed per person
    return [e for e in (decode(v, opened).data for v in values if v is not None) if isinstance(e, kinds)]


async def stage(service: Service, **body: Any) -> Any:
    return await service.client.post("/api/organiser/decisions/stage", json=body, headers=ORGANISER)


async def release(service: Service, network: str = "") -> Any:
    return await service.client.post("/api/organiser/decisions/release", json={"network": network}, headers=ORGANISER)


async def three_abstracts(service: Service) -> list[str]:
    """Two by Aiko (with a co-author), one by Ben alone, in DU; Ben's edit token kept in ``TOKENS``."""
    ben = author(
        5,
        given_name="Ben",
        family_name="Okafor",
        email="ben@example.org",
        affiliation="UCL",
        country="GB",
        presenting=True,
    )
    first = await submit(service, title="First")
    second = await submit(service, title="Second")
    third = await submit(service, title="Third", authors=[ben], submitter_email=ben["email"])
    TOKENS[third["abstract_id"]] = third["token"]
    return [first["abstract_id"], second["abstract_id"], third["abstract_id"]]


async def test_staged_decisions_are_revised_silently_then_each_author_hears_once(offline: Service) -> None:
    a1, a2, a3 = await three_abstracts(offline)
    assert (await stage(offline, choice="accept", abstract_ids=[a1])).status_code == 200
    assert (await stage(offline, choice="reject", abstract_ids=[a2, a3])).status_code == 200
    # revised while staged: the second accepted as a poster after all, Ben's moved to another network
    assert (await stage(offline, choice="accept", format="poster", abstract_ids=[a2])).status_code == 200
    assert (await stage(offline, choice="move", to_network="EL", abstract_ids=[a3])).status_code == 200
    listed = (await offline.client.get("/api/organiser/decisions", headers=ORGANISER)).json()
    assert {(r["abstract_id"], r["choice"], r["format"], r["to_network"]) for r in listed} == {
        (a1, "accept", None, None),
        (a2, "accept", "poster", None),
        (a3, "move", None, "EL"),
    }
    assert await staged_events(offline) == []  # nothing decided, nobody told
    table = (await offline.client.get("/api/organiser/abstracts", headers=ORGANISER)).json()
    assert {r["status"] for r in table} == {"submitted"}

    answer = await release(offline)
    assert answer.status_code == 200, answer.text
    assert answer.json() | {"release_id": ""} == {
        "release_id": "",
        "decided": 2,
        "moved": 1,
        "letters": 3,
        "corrections": 0,
        "dropped": [],
    }
    events = await staged_events(offline)
    decided = [e for e in events if isinstance(e, AbstractDecided)]
    assert {(e.abstract_id, e.decision, e.format) for e in decided} == {
        (a1, "accepted", "paper"),
        (a2, "accepted", "poster"),
    }
    assert all(e.release_id == answer.json()["release_id"] and not e.correction for e in decided)
    (moved,) = (e for e in events if isinstance(e, AbstractMoved))
    assert (moved.abstract_id, moved.from_network, moved.to_network) == (a3, "DU", "EL")
    letters = {e.email: e for e in events if isinstance(e, DecisionsReleased)}
    assert sorted(letters) == ["aiko0@example.org", "aiko1@example.org", "ben@example.org"]  # one each
    assert sorted(i.abstract_id for i in letters["aiko0@example.org"].abstracts) == sorted([a1, a2])
    assert [i.presenting for i in letters["aiko1@example.org"].abstracts] == [False, False]
    (bens,) = letters["ben@example.org"].abstracts
    assert (bens.outcome, bens.moved_to) == (Outcome.MOVED, "EL")
    assert (await offline.client.get("/api/organiser/decisions", headers=ORGANISER)).json() == []
    assert (await release(offline)).status_code == 409  # nothing staged

    # after the release: a change is one correction, to the authors of that abstract only
    assert (await stage(offline, choice="accept", abstract_ids=[a1])).status_code == 409  # nothing would change
    assert (await stage(offline, choice="reject", abstract_ids=[a1])).status_code == 200
    corrected = await release(offline)
    assert corrected.json()["corrections"] == 1 and corrected.json()["letters"] == 2
    after = (await staged_events(offline))[len(events) :]
    (again,) = (e for e in after if isinstance(e, AbstractDecided))
    assert (again.abstract_id, again.decision, again.correction) == (a1, "rejected", True)
    fixes = [e for e in after if isinstance(e, DecisionsReleased)]
    assert sorted(e.email for e in fixes) == ["aiko0@example.org", "aiko1@example.org"]
    assert all(e.correction and [i.abstract_id for i in e.abstracts] == [a1] for e in fixes)


async def test_a_network_is_released_alone_and_a_withdrawn_abstract_is_dropped(offline: Service) -> None:
    a1, a2, a3 = await three_abstracts(offline)
    other = (await submit(offline, title="Leadership", network="EL"))["abstract_id"]
    await stage(offline, choice="accept", abstract_ids=[a1, other])
    await stage(offline, choice="reject", abstract_ids=[a3])
    edit = await offline.client.post(f"/api/abstracts/{a3}/withdraw", params={"t": TOKENS[a3]}, json={})
    assert edit.status_code == 200, edit.text
    done = (await release(offline, "DU")).json()
    assert (done["decided"], done["letters"]) == (1, 2)
    assert len(done["dropped"]) == 1 and "withdrawn" in done["dropped"][0]
    left = (await offline.client.get("/api/organiser/decisions", headers=ORGANISER)).json()
    assert [r["abstract_id"] for r in left] == [other]  # EL's waits for its own release
    assert a2  # never staged, still open


async def test_bulk_staging_by_calibrated_score(offline: Service) -> None:
    ids = [(await submit(offline, title=f"Study {i}"))["abstract_id"] for i in range(4)]
    for name in ("Amani", "Bo", "Chen"):
        await add_reviewer(offline, name, f"University {name}", ["DU"])
    assert (await offline.client.post("/api/organiser/assign", headers=ORGANISER)).status_code == 200
    links = {
        r["reviewer_id"]: r["portal_link"]
        for r in (await offline.client.get("/api/organiser/reviewers", headers=ORGANISER)).json()
    }
    async with offline.deps.sessionmaker() as session:
        from services.abstracts.adapters import db

        pairs = sorted((a["abstract_id"], a["reviewer_id"]) for a in await db.all_assignments(session))
    quality = dict(zip(ids, (5, 2, 4, 3), strict=True))
    for abstract_id, reviewer_id in pairs:
        await review(offline, links[reviewer_id], abstract_id, quality[abstract_id])
    top = await stage(offline, choice="accept", network="DU", top=2)
    assert top.status_code == 200 and top.json()["staged"] == [ids[0], ids[2]]  # best first
    above = await stage(offline, choice="reject", network="DU", above=1.0)
    assert set(above.json()["staged"]) == set(ids)
    cut = await stage(offline, choice="reject", network="DU", above=100 / 40)  # between 2 and 3 once calibrated
    assert ids[1] not in cut.json()["staged"]
    assert (await stage(offline, choice="accept", network="EL", top=3)).status_code == 409  # nothing reviewed there


async def test_the_decisions_page_stages_and_releases(offline: Service) -> None:
    a1, _, _ = await three_abstracts(offline)
    page = await offline.client.get("/organiser/decisions?network=DU", headers=HTML)
    assert page.status_code == 200 and "Release the staged decisions of DU" in page.text
    form = {"choice": "accept", "mode": "selected", "abstract_id": [a1], "network": "DU"}
    staged = await offline.client.post("/organiser/decisions/stage", data=form, headers=ORGANISER)
    assert staged.status_code == 303 and "1+decision" in staged.headers["location"].replace("%20", "+")
    page = await offline.client.get("/organiser/decisions?network=DU", headers=HTML)
    assert "Withdraw the staged decision on" in page.text
    refused = await offline.client.post(
        "/organiser/decisions/stage",
        data={"choice": "move", "mode": "selected", "abstract_id": [a1]},
        headers=ORGANISER,
    )
    assert "Not%20staged" in refused.headers["location"]
    released = await offline.client.post("/organiser/decisions/release", data={"network": "DU"}, headers=ORGANISER)
    assert released.status_code == 303 and "Released" in released.headers["location"]
    letters = [e for e in await staged_events(offline) if isinstance(e, DecisionsReleased)]
    assert len(letters) == 2
