"""Issue 14 on the organisers' pages: the calibrated score beside the raw mean, and why a reviewer fits."""

from __future__ import annotations

from typing import Any

from services.abstracts.adapters import db
from tests.integration.abstracts.conftest import ORGANISER, Service, add_reviewer, author, submit

SCORES = ("relevance", "originality", "rigour", "clarity")


async def review(service: Service, link: str, abstract_id: str, score: int) -> None:
    token = link.rsplit("/", 1)[1]
    body = {"scores": dict.fromkeys(SCORES, score), "recommendation": "accept", "comments_to_authors": "Thanks."}
    answer = await service.client.post(f"/api/review/{token}/{abstract_id}", json=body)
    assert answer.status_code == 200, answer.text


async def test_the_calibrated_score_stands_beside_the_raw_mean(offline: Service) -> None:
    client = offline.client
    for i in range(3):
        await submit(offline, title=f"Study {i}")
    for name in ("Harsh", "Amani", "Bo"):
        await add_reviewer(offline, name, f"University {name}", ["DU"])
    assert (await client.post("/api/organiser/assign", headers=ORGANISER)).status_code == 200
    reviewers = (await client.get("/api/organiser/reviewers", headers=ORGANISER)).json()
    links = {r["name"]: r["portal_link"] for r in reviewers}
    listing = (await client.get("/api/organiser/abstracts", headers=ORGANISER)).json()
    assert all(r["calibrated"] is None for r in listing)  # nothing reviewed yet
    async with offline.deps.sessionmaker() as session:
        pairs = {(a["abstract_id"], a["reviewer_id"]) for a in await db.all_assignments(session)}
    names = {r["reviewer_id"]: r["name"] for r in reviewers}
    harsh_ones = {a for a, r in pairs if names[r] == "Harsh"}
    for abstract_id, reviewer_id in sorted(pairs):
        # the harsh reviewer gives 2 where the others give 4; the abstract they did not draw gets 3 and 3
        score = 2 if names[reviewer_id] == "Harsh" else 4 if abstract_id in harsh_ones else 3
        await review(offline, links[names[reviewer_id]], abstract_id, score)
    rows: list[dict[str, Any]] = (await client.get("/api/organiser/abstracts", headers=ORGANISER)).json()
    assert [r["mean_score"] for r in rows] == [3.0, 3.0, 3.0]  # raw means cannot tell them apart
    (spared,) = (r for r in rows if r["abstract_id"] not in harsh_ones)
    assert all(r["calibrated"] > spared["calibrated"] for r in rows if r is not spared)  # no longer pushed down
    assert all(r["calibrated_sd"] > 0 and r["reviewers_disagree"] is False for r in rows)
    ranked = (await client.get("/api/organiser/abstracts?order=calibrated", headers=ORGANISER)).json()
    assert ranked[-1]["abstract_id"] == spared["abstract_id"]
    page = await client.get("/organiser/abstracts?order=calibrated", headers={"accept": "text/html"} | ORGANISER)
    assert "Calibrated</a>" in page.text and " ± " in page.text
    order = [page.text.index(r["reference"]) for r in ranked]
    assert order == sorted(order)


async def test_the_organiser_sees_why_a_reviewer_fits_an_abstract(offline: Service) -> None:
    client = offline.client
    amani = author(0, email="amani@rev.example.org", affiliation="Kenyatta University", country="KE")
    await submit(offline, title="Data use by Kenyan teachers", authors=[amani], submitter_email=amani["email"])
    other = await submit(offline, title="Data use in Japanese schools")
    await add_reviewer(offline, "Amani", "University of Nairobi", ["DU"])  # wrote the first, so knows data use
    await client.post("/api/organiser/assign", headers=ORGANISER)
    page = await client.get(f"/organiser/abstracts/{other['abstract_id']}", headers={"accept": "text/html"} | ORGANISER)
    assert page.status_code == 200
    why = page.text.split("Amani (University of Nairobi)", 1)[1].split("</td>", 1)[0]
    assert "affinity 0." in why and "data" in why and "bid: none" in why
