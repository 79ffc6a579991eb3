"""The pages without JavaScript (SQLite, no Kafka): author rows added and removed by posting the form, nothing
typed lost and nothing saved; the first field in error (or the new row) gets ``autofocus``."""

from __future__ import annotations

import re
from typing import Any

from services.abstracts.adapters import db
from tests.forms import page_token, token_in
from tests.integration.abstracts.conftest import ORGANISER, TEXT, Service, add_reviewer, submit

FORM = {
    "rows": "2",
    "format": "paper",
    "network": "DU",
    "title": "Kept as typed",
    "text": TEXT,
    "language": "en",
    "submitter_email": "ines@example.org",
    "authors.0.given_name": "Inês",
    "authors.0.family_name": "Ramos",
    "authors.0.email": "ines@example.org",
    "authors.0.affiliation": "Universidade do Porto",
    "authors.0.country": "PT",
    "authors.1.given_name": "Kofi",
    "authors.1.family_name": "Mensah",
    "authors.1.email": "kofi@example.org",
    "authors.1.affiliation": "University of Ghana",
    "authors.1.country": "GH",
    "authors.1.presenting": "on",
}


def focused(html: str) -> list[str]:
    return re.findall(r'<(?:input|select|textarea|button)[^>]*\bid="([^"]+)"[^>]*\bautofocus\b', html)


async def test_rows_are_added_and_removed_without_losing_anything(offline: Service) -> None:
    first = {"csrf_token": await page_token(offline.client, "/submit")}
    added = await offline.client.post("/submit", data=FORM | {"action": "add-author"} | first)
    assert added.status_code == 200 and "Kept as typed" in added.text
    assert added.text.count('class="author"') == 3 and 'value="Kofi"' in added.text
    assert focused(added.text) == ["authors-2-given_name"]
    token = {"csrf_token": token_in(added.text)}  # the page came back with a form, as a browser sees it
    removed = await offline.client.post("/submit", data=FORM | {"action": "remove-0"} | token)
    assert removed.status_code == 200 and removed.text.count('class="author"') == 1
    assert 'id="authors-0-given_name" name="authors.0.given_name" type="text" value="Kofi"' in removed.text
    assert "Inês" not in removed.text and 'name="authors.0.presenting" checked' in removed.text
    assert focused(removed.text) == ["add-author"]
    async with offline.deps.sessionmaker() as session:
        assert await db.list_abstracts(session) == []  # editing rows saves nothing


async def test_revising_keeps_rows_editable(offline: Service) -> None:
    one = await submit(offline)
    page = f"/abstracts/{one['abstract_id']}/revise"
    first = {"csrf_token": await page_token(offline.client, f"/abstracts/{one['abstract_id']}?t={one['token']}")}
    added = await offline.client.post(page, params={"t": one["token"]}, data=FORM | {"action": "add-author"} | first)
    assert added.status_code == 200 and f'action="{page}?t=' in added.text and "version 1" in added.text
    token = {"csrf_token": token_in(added.text)}
    saved = await offline.client.post(page, params={"t": one["token"]}, data=FORM | {"action": "submit"} | token)
    assert saved.status_code == 303
    async with offline.deps.sessionmaker() as session:
        [row] = await db.list_abstracts(session)
    assert row["title"] == "Kept as typed" and [a["given_name"] for a in row["content"]["authors"]] == ["Inês", "Kofi"]


async def test_the_first_mistake_has_the_focus(offline: Service) -> None:
    first = {"csrf_token": await page_token(offline.client, "/submit")}
    no_title = await offline.client.post("/submit", data=FORM | {"title": "", "authors.1.email": "x"} | first)
    assert no_title.status_code == 422 and focused(no_title.text) == ["title"]
    assert 'aria-describedby="title-hint title-error"' in no_title.text
    assert "Author 2, email: Enter an email address" in no_title.text  # the summary names the field
    token = {"csrf_token": token_in(no_title.text)}
    nobody_presents = await offline.client.post("/submit", data=FORM | {"authors.1.presenting": ""} | token)
    assert focused(nobody_presents.text) == ["authors-0-presenting"]
    reviewer: dict[str, Any] = {"name": "Lena", "email": "lena@rev.example.org", "affiliation": "Uni Wien"}
    no_network = await offline.client.post("/organiser/reviewers", data=reviewer, headers=ORGANISER)
    assert no_network.status_code == 422 and focused(no_network.text) == ["net-DU"]


async def test_the_reviewer_form_focuses_the_missing_choice(offline: Service) -> None:
    one = await submit(offline)
    await add_reviewer(offline, "Amani", "University of Nairobi", ["DU"])
    await offline.client.post("/api/organiser/assign", headers=ORGANISER)
    [info] = (await offline.client.get("/api/organiser/reviewers", headers=ORGANISER)).json()
    path = info["portal_link"].removeprefix("http://testserver") + f"/{one['abstract_id']}"
    scores = {f"scores.{c}": "3" for c in ("relevance", "originality", "rigour", "clarity")}
    page = await offline.client.post(path, data=scores | {"csrf_token": await page_token(offline.client, path)})
    assert page.status_code == 422 and focused(page.text) == ["rec-accept"]
    assert "Recommendation: Choose a recommendation." in page.text
