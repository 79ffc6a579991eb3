"""The pages and the JSON API without Kafka: errors beside fields, the AoE deadline, links, organiser views."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from services.abstracts.adapters import db
from services.common.outbox import outbox_table
from tests.forms import page_token, token_in
from tests.integration.abstracts.conftest import ORGANISER, TEXT, Service, abstract, add_reviewer, submit

FORM = {
    "rows": "3",
    "format": "poster",
    "network": "EL",
    "title": "Cafe\u0301 leadership",  # decomposed é: stored NFC
    "text": "学校" * 60,
    "keywords": "leadership、 教育",
    "language": "ja",
    "submitter_email": "sato@example.org",
    "authors.0.given_name": "花子",
    "authors.0.family_name": "佐藤",
    "authors.0.email": "sato@example.org",
    "authors.0.affiliation": "京都大学",
    "authors.0.country": "JP",
    "authors.0.presenting": "on",
}
HTML = {"accept": "text/html"}


async def test_form_errors_are_shown_beside_their_fields(offline: Service) -> None:
    bad = FORM | {"title": "", "text": "学校" * 200, "authors.0.email": "nope", "authors.0.presenting": ""}
    bad |= {"authors.2.given_name": "Ana", "authors.2.email": "sato@example.org"}  # row 2 becomes author 2
    page = await offline.client.post("/submit", data=bad | {"csrf_token": await page_token(offline.client, "/submit")})
    assert page.status_code == 422
    html = page.text
    assert 'id="title-error">Please give your abstract a title.' in html
    assert "A poster abstract can have at most 300 words; this one has 400." in html
    assert 'id="authors-0-email-error">Enter an email address' in html
    assert 'id="authors-1-family_name-error">Please fill in' in html
    assert 'id="authors-error">Tick &#39;presenting&#39;' in html
    assert 'value="花子"' in html  # what was typed comes back


async def test_form_submission_stores_nfc_and_gives_an_edit_link(offline: Service) -> None:
    page = await offline.client.post("/submit", data=FORM | {"csrf_token": await page_token(offline.client, "/submit")})
    assert page.status_code == 201, page.text
    assert "ICSEI27-A-0001" in page.text
    link = page.text.split('id="edit-link" href="')[1].split('"')[0].replace("&amp;", "&")
    edit = await offline.client.get(link.removeprefix("http://testserver"))
    assert edit.status_code == 200 and "Café leadership" in edit.text and 'id="status">submitted' in edit.text
    async with offline.deps.sessionmaker() as session:
        [row] = await db.list_abstracts(session)
    assert row["title"] == "Café leadership" and row["content"]["keywords"] == ["leadership", "教育"]
    forged = await offline.client.get(f"/abstracts/{row['id']}?t=forged")
    assert forged.status_code == 400 and "edit link does not work" in forged.text


async def test_json_api_answers_problem_details(offline: Service) -> None:
    answer = await offline.client.post("/api/abstracts", json=abstract(network="NOPE", keywords=["a"] * 6))
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    fields = {e["field"]: e["detail"] for e in answer.json()["errors"]}
    assert fields["network"] == "Choose the network your abstract is for."
    assert "At most 5 keywords" in fields["keywords"]
    shape = await offline.client.post("/api/abstracts", json={"format": 3})
    assert shape.status_code == 422 and shape.json()["errors"]
    async with offline.deps.sessionmaker() as session:
        assert (await session.execute(select(outbox_table))).first() is None  # nothing staged


async def test_deadline_anywhere_on_earth(offline: Service) -> None:
    first = await submit(offline)
    offline.now[0] = datetime(2026, 12, 2, 11, 59, tzinfo=UTC)  # 23:59 on 1 December in UTC-12: still open
    await submit(offline)
    offline.now[0] = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    closed = await offline.client.get("/submit")
    assert closed.status_code == 403 and "Abstract submission is closed" in closed.text
    assert "01 December 2026 Anywhere on Earth" in closed.text
    late = await offline.client.post("/api/abstracts", json=abstract())
    assert late.status_code == 403 and late.json()["title"] == "Abstract submission is closed"
    url = f"/api/abstracts/{first['abstract_id']}"
    assert (await offline.client.put(url, params={"t": first["token"]}, json=abstract())).status_code == 403
    withdrawn = await offline.client.post(f"{url}/withdraw", params={"t": first["token"]}, json={"reason": "ill"})
    assert withdrawn.status_code == 200
    again = await offline.client.post(f"{url}/withdraw", params={"t": first["token"]}, json={})
    assert again.status_code == 409 and "withdrawn" in again.json()["detail"]


async def test_references_are_gap_free(offline: Service) -> None:
    await submit(offline)
    assert (await offline.client.post("/api/abstracts", json=abstract(title=""))).status_code == 422
    assert (await submit(offline))["reference"] == "ICSEI27-A-0002"


async def test_organiser_pages(offline: Service) -> None:
    client = offline.client
    assert (await client.get("/organiser/abstracts", headers=HTML)).status_code == 303  # sign-in first
    one = await submit(offline)
    await submit(offline, network="EL", title="Leading schools")
    listing = await client.get("/organiser/abstracts", params={"network": "EL"}, headers=ORGANISER)
    assert "Leading schools" in listing.text and "Data use in Japanese schools" not in listing.text
    empty = await client.post("/organiser/reviewers", data={"name": "", "email": "x"}, headers=ORGANISER)
    assert empty.status_code == 422 and 'id="networks-error">Choose at least one network' in empty.text
    reviewer = await add_reviewer(offline, "Amani", "University of Nairobi", ["DU"])
    assigned = await client.post("/organiser/abstracts/assign", headers=ORGANISER)
    assert "1 assignment(s) made" in assigned.text
    assert (
        "only 1 reviewer(s) available in network DU" in assigned.text
        and "no reviewer reviews for network EL" in assigned.text
    )
    reviewers = await client.get("/organiser/reviewers", headers=ORGANISER)
    assert "Amani" in reviewers.text and "<td>1</td>" in reviewers.text
    detail = await client.get(f"/organiser/abstracts/{one['abstract_id']}", headers=ORGANISER)
    assert "田中0" in detail.text and "Amani" in detail.text
    decide = {"decision": "accepted", "format": "roundtable"}
    done = await client.post(f"/organiser/abstracts/{one['abstract_id']}/decide", data=decide, headers=ORGANISER)
    assert done.status_code == 303
    twice = await client.post(f"/organiser/abstracts/{one['abstract_id']}/decide", data=decide, headers=ORGANISER)
    assert twice.status_code == 409 and "already decided" in twice.text
    decided = await client.get(f"/organiser/abstracts/{one['abstract_id']}", headers=ORGANISER)
    assert "by <bdi>Demo Organiser &lt;organiser@icsei.example.org&gt;</bdi>" in decided.text  # the account, now
    assert reviewer


async def test_reviewer_form_and_revoked_link(offline: Service) -> None:
    one = await submit(offline)
    reviewer = await add_reviewer(offline, "Amani", "University of Nairobi", ["DU"])
    await offline.client.post("/api/organiser/assign", headers=ORGANISER)
    [info] = (await offline.client.get("/api/organiser/reviewers", headers=ORGANISER)).json()
    path = info["portal_link"].removeprefix("http://testserver") + f"/{one['abstract_id']}"
    form: dict[str, Any] = {"scores.relevance": "4", "recommendation": "accept", "comments_to_authors": "Good."}
    bad = await offline.client.post(path, data=form | {"csrf_token": await page_token(offline.client, path)})
    assert bad.status_code == 422 and 'id="scores-rigour-error">Give a score from 1' in bad.text
    form |= {"scores.originality": "3", "scores.rigour": "5", "scores.clarity": "2", "csrf_token": token_in(bad.text)}
    assert (await offline.client.post(path, data=form)).status_code == 303
    page = await offline.client.get(path)
    assert 'value="5" checked' in page.text and "Good." in page.text
    await offline.client.post(f"/api/organiser/reviewers/{reviewer}/revoke", headers=ORGANISER)
    revoked = await offline.client.get(path)
    assert revoked.status_code == 410 and "replaced" in revoked.text
    assert TEXT  # the abstract text is what the reviewer read


async def test_authors_revise_and_withdraw_with_the_form(offline: Service) -> None:
    one = await submit(offline)
    page = f"/abstracts/{one['abstract_id']}"
    shown = await offline.client.get(page, params={"t": one["token"]})
    assert 'value="Data use in Japanese schools"' in shown.text and 'value="田中1"' in shown.text
    changed = FORM | {"network": "DU", "format": "paper", "text": TEXT, "title": "新しい題名"}
    changed |= {"csrf_token": token_in(shown.text)}
    bad = await offline.client.post(f"{page}/revise", params={"t": one["token"]}, data=changed | {"title": ""})
    assert bad.status_code == 422 and 'id="title-error"' in bad.text
    saved = await offline.client.post(f"{page}/revise", params={"t": one["token"]}, data=changed)
    assert saved.status_code == 303
    after = await offline.client.get(saved.headers["location"])
    assert "Your changes are saved." in after.text and "version 2" in after.text and 'value="新しい題名"' in after.text
    other = await submit(offline)
    token = {"csrf_token": token_in(after.text)}
    foreign = await offline.client.post(f"{page}/withdraw", params={"t": other["token"]}, data=token)
    assert foreign.status_code == 403 and "another abstract" in foreign.text
    gone = await offline.client.post(f"{page}/withdraw", params={"t": one["token"]}, data={"reason": "ill"} | token)
    final = await offline.client.get(gone.headers["location"])
    assert 'id="status">withdrawn' in final.text and "Withdraw abstract" not in final.text
    nonsense = await offline.client.post(
        f"/organiser/abstracts/{other['abstract_id']}/decide", data={}, headers=ORGANISER
    )
    assert nonsense.status_code == 409 and "choose Accept or Reject" in nonsense.text
