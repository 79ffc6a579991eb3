"""Issue 12, finding 8 at abstracts: control and bidi characters are refused naming the field (API and page),
line breaks stay in the abstract's text, and a reviewer's name is held to the same rule."""

from __future__ import annotations

from sqlalchemy import select

from services.abstracts.adapters import db
from tests.forms import page_token, token_in
from tests.integration.abstracts.conftest import ORGANISER, TEXT, Service, abstract, author
from tests.integration.abstracts.test_pages import FORM


async def test_the_api_refuses_hidden_characters_naming_each_field(offline: Service) -> None:
    body = abstract(
        title="Data \u202euse",
        text=TEXT + "\x07",
        keywords=["data\x1buse"],
        authors=[author(0, family_name="田中\x00"), author(1)],
    )
    answer = await offline.client.post("/api/abstracts", json=body)
    assert answer.status_code == 422 and answer.headers["content-type"] == "application/problem+json"
    errors = {e["field"]: e["detail"] for e in answer.json()["errors"]}
    assert "U+202E RIGHT-TO-LEFT OVERRIDE" in errors["title"]
    assert "U+0007 BELL" in errors["text"]
    assert "U+001B ESCAPE" in errors["keywords"]
    assert "U+0000 NULL" in errors["authors.0.family_name"]
    async with offline.deps.sessionmaker() as session:
        assert (await session.execute(select(db.abstracts))).first() is None


async def test_the_page_shows_the_problem_beside_the_field_and_text_keeps_its_lines(offline: Service) -> None:
    token = {"csrf_token": await page_token(offline.client, "/submit")}
    page = await offline.client.post("/submit", data=FORM | {"authors.0.affiliation": "京都\u2066大学"} | token)
    assert page.status_code == 422
    assert 'id="authors-0-affiliation-error">This contains a hidden character that changes the direction' in page.text
    text = "学校" * 30 + "\r\n\r\n" + "学校" * 30
    again = {"text": text, "title": "\u200bCafé\u200b", "csrf_token": token_in(page.text)}  # the page's form, resent
    created = await offline.client.post("/submit", data=FORM | again)
    assert created.status_code == 201, created.text
    async with offline.deps.sessionmaker() as session:
        [row] = await db.list_abstracts(session)
    assert row["title"] == "Café" and row["content"]["text"] == "学校" * 30 + "\n\n" + "学校" * 30


async def test_a_reviewer_name_with_a_control_character_is_refused(offline: Service) -> None:
    body = {"name": "Rev\x1b", "email": "rev@rev.example.org", "affiliation": "Uni", "networks": ["DU"]}
    answer = await offline.client.post("/api/organiser/reviewers", json=body, headers=ORGANISER)
    assert answer.status_code == 422
    assert "U+001B ESCAPE" in str(answer.json())
