"""The organisers' abstracts table at scale (search in any script, sort by column, pages with totals, all in
the URL) and the page per reviewer (networks, load, assignments linking to each abstract's page)."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from tests.integration.abstracts.conftest import ORGANISER, Service, add_reviewer, author, submit
from tests.integration.abstracts.programme_data import accept_abstracts
from tests.integration.abstracts.test_matching_pages import review


def references(html: str) -> list[str]:
    return re.findall(r'<tr><td><a href="/organiser/abstracts/[^"]+">([^<]+)</a>', html)


async def test_the_abstracts_table_searches_sorts_and_pages(offline: Service) -> None:
    client = offline.client
    for i in range(7):
        await submit(offline, title=f"School leadership study {i}", network="EL" if i % 2 else "DU")
    await submit(offline, title="Évaluation des écoles", authors=[author(0, family_name="Lefèvre", presenting=True)])
    await submit(offline, title="Оценка школ", authors=[author(0, given_name="Дмитрий", presenting=True)])

    everything = await client.get("/organiser/abstracts", headers=ORGANISER)
    assert "Showing 1–9 of 9" in everything.text
    for query, title in {
        "evaluation ECOLES": "Évaluation des écoles",
        "lefevre": "Évaluation",
        "ОЦЕНКА": "Оценка",
    }.items():
        found = await client.get("/organiser/abstracts", params={"q": query}, headers=ORGANISER)
        assert "Showing 1–1 of 1" in found.text and title in found.text, query
    assert (
        "Showing 1–1 of 1"
        in (await client.get("/organiser/abstracts", params={"q": "дмитрий"}, headers=ORGANISER)).text
    )

    first = await client.get(
        "/organiser/abstracts", params={"sort": "title", "dir": "desc", "size": 4, "q": "leadership"}, headers=ORGANISER
    )
    assert "Showing 1–4 of 7" in first.text and "page 1 of 2" in first.text
    link = re.search(r'rel="next" href="([^"]+)"', first.text)
    assert link
    next_url = link.group(1).replace("&amp;", "&")
    assert parse_qs(urlsplit(next_url).query) == {
        "q": ["leadership"],
        "sort": ["title"],
        "dir": ["desc"],
        "page": ["2"],
        "size": ["4"],
    }
    second = await client.get(next_url, headers=ORGANISER)
    assert "Showing 5–7 of 7" in second.text
    titles = re.findall(r"School leadership study (\d)", first.text + second.text)
    assert titles == ["6", "5", "4", "3", "2", "1", "0"]
    by_network = await client.get(
        "/organiser/abstracts", params={"network": "EL", "sort": "network"}, headers=ORGANISER
    )
    assert "Showing 1–3 of 3" in by_network.text
    for odd in ({"sort": "nope"}, {"q": "\x00"}, {"page": "99"}, {"dir": "sideways"}):
        assert (await client.get("/organiser/abstracts", params=odd, headers=ORGANISER)).status_code == 200, odd


async def test_a_reviewer_has_a_page_with_their_networks_load_and_assignments(offline: Service) -> None:
    client = offline.client
    one = await submit(offline, title="Data use in Kenyan schools")
    reviewer = await add_reviewer(offline, "Amani", "University of Nairobi", ["DU"])
    await add_reviewer(offline, "Ingrid", "Universitetet i Oslo", ["EL"])
    assert (await client.post("/organiser/abstracts/assign", headers=ORGANISER)).status_code == 200
    listed = await client.get("/organiser/reviewers", params={"q": "nairobi"}, headers=ORGANISER)
    assert f'href="/organiser/reviewers/{reviewer}"' in listed.text and "Ingrid" not in listed.text
    page = await client.get(f"/organiser/reviewers/{reviewer}", headers=ORGANISER)
    assert page.status_code == 200 and "Amani" in page.text
    assert 'id="load">1<' in page.text and 'id="done">0<' in page.text
    assert (
        f'href="/organiser/abstracts/{one["abstract_id"]}"' in page.text and "Data use in Kenyan schools" in page.text
    )
    assert "田中0" not in page.text  # the reviewer's page lists abstracts, not their authors
    assert (await client.get("/organiser/reviewers/nobody", headers=ORGANISER)).status_code == 404
    revoked = await client.post(f"/organiser/reviewers/{reviewer}/revoke", data={"page": "reviewer"}, headers=ORGANISER)
    assert revoked.status_code == 303 and revoked.headers["location"].startswith(f"/organiser/reviewers/{reviewer}?")


async def test_an_abstracts_page_shows_its_calibrated_score_and_its_session(offline: Service) -> None:
    client = offline.client
    accepted = await accept_abstracts(offline)
    some = next(iter(accepted.values()))
    page = await client.get(f"/organiser/abstracts/{some['abstract_id']}", headers=ORGANISER)
    assert 'id="session">not in the programme draft<' in page.text and 'id="calibrated">—<' in page.text
    assert (await client.post("/api/organiser/programme/generate", headers=ORGANISER)).status_code == 200
    page = await client.get(f"/organiser/abstracts/{some['abstract_id']}", headers=ORGANISER)
    assert re.search(r'id="session">[^<]+ · \d{4}-\d\d-\d\d slot \d+ · ', page.text), page.text[-2000:]

    one = await submit(offline, title="Reviewed once")
    reviewer = await add_reviewer(offline, "Amani", "University of Nairobi", ["DU"])
    await client.post("/api/organiser/assign", headers=ORGANISER)
    [row] = [
        r
        for r in (await client.get("/api/organiser/reviewers", headers=ORGANISER)).json()
        if r["reviewer_id"] == reviewer
    ]
    await review(offline, row["portal_link"], one["abstract_id"], 4)
    page = await client.get(f"/organiser/abstracts/{one['abstract_id']}", headers=ORGANISER)
    assert re.search(r'id="calibrated">\d\.\d\d ± \d\.\d\d', page.text)
