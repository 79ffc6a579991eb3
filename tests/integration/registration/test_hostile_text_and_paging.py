"""Issue 12, findings 8 and 9 at registration: hostile text refused at the edge, CSV cells that never run,
and a list and export that never cut off (more rows than one page)."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from sqlalchemy import func, insert, select, update

from services.registration.adapters import db
from services.registration.adapters.rows import search_text
from services.registration.web.organiser import PAGE_SIZE
from tests.forms import sign_in_by_link, submit
from tests.integration.registration.conftest import Service, delegate
from tests.integration.registration.test_pages_errors import AUTH, error_beside

HOSTILE = {
    "NUL": ("Ma\x00ria", "U+0000 NULL"),
    "BEL": ("Maria\x07", "U+0007 BELL"),
    "ESC": ("\x1b[31mMaria", "U+001B ESCAPE"),
    "RLO": ("\u202eairaM", "U+202E RIGHT-TO-LEFT OVERRIDE"),
}


async def count_rows(service: Service) -> int:
    async with service.deps.sessionmaker() as session:
        return int((await session.execute(select(func.count()).select_from(db.registrations))).scalar_one())


@pytest.mark.parametrize("kind", HOSTILE)
async def test_hostile_names_are_422_naming_the_field_and_nothing_is_saved(offline: Service, kind: str) -> None:
    text, words = HOSTILE[kind]
    client = offline.client
    for field in ("given_name", "family_name", "affiliation"):
        answer = await client.post("/api/registrations", json={"delegates": [delegate(**{field: text})]})
        assert answer.status_code == 422, answer.text
        (problem,) = answer.json()["detail"]
        assert problem["loc"] == ["body", "delegates", 0, field]
        assert words in problem["msg"] and "hidden" in problem["msg"]
    invoice = {"institution_name": "Uni", "institution_address": f"Street 1\n{text}", "email": "ap@example.org"}
    answer = await client.post(
        "/api/registrations", json={"delegates": [delegate()], "payment_method": "invoice", "invoice": invoice}
    )
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["body", "invoice", "institution_address"]
    assert await count_rows(offline) == 0


async def test_the_page_form_shows_the_problem_beside_the_field(offline: Service) -> None:
    form = {"n": "1", "action": "confirm", "payment_method": "card"} | {
        f"delegates.0.{k}": v for k, v in delegate(family_name="Ma\x1bria").items()
    }
    answer = await submit(offline.client, "/", "/register", form)
    assert answer.status_code == 422 and answer.headers["content-type"].startswith("text/html")
    message = error_beside(answer.text, "delegates-0-family_name")
    assert "hidden control character (U+001B ESCAPE)" in message
    assert await count_rows(offline) == 0


async def test_names_in_any_script_are_kept_exactly_and_invisible_edges_dropped(offline: Service) -> None:
    names = {
        "given_name": "می\u200cخواهم",
        "family_name": "כהן\u200f",
        "affiliation": "東京大学\u200b",
        "badge_name": "محمد",
    }
    answer = await offline.client.post("/api/registrations", json={"delegates": [delegate(**names)]})
    assert answer.status_code == 201, answer.text
    async with offline.deps.sessionmaker() as session:
        row = (await session.execute(select(db.registrations))).mappings().one()
    assert (row["given_name"], row["family_name"]) == ("می\u200cخواهم", "כהן\u200f")
    assert row["affiliation"] == "東京大学" and row["badge_name"] == "محمد"


async def clone_rows(service: Service, count: int, **values: Any) -> None:
    """``count`` copies of the one registered row, each with its own ids and number (one bulk insert)."""
    async with service.deps.sessionmaker.begin() as session:
        row = dict((await session.execute(select(db.registrations))).mappings().one())
        copies = [
            row
            | {
                "id": f"reg-{i:05d}",
                "delegate_id": f"del-{i:05d}",
                "number": f"ICSEI27-9{i:05d}",
                "email": f"d{i}@example.org",
                "family_name": f"Clone {i}",
            }
            | values
            for i in range(count)
        ]
        for copy in copies:
            copy["search_text"] = search_text(copy)  # as the store keeps it
        await session.execute(insert(db.registrations), copies)


async def test_legacy_hostile_text_is_neutralised_in_the_csv(offline: Service) -> None:
    assert (await offline.client.post("/api/registrations", json={"delegates": [delegate()]})).status_code == 201
    hidden = "\x00" if offline.runtime.engine.dialect.name == "sqlite" else "\x1b"  # PostgreSQL cannot store a NUL
    async with offline.deps.sessionmaker.begin() as session:  # stored before the rule existed
        await session.execute(
            update(db.registrations).values(
                given_name=f"{hidden}=1+1", family_name='\u200b=HYPERLINK("http://x")', affiliation=" @SUM(A1)\x07"
            )
        )
    answer = await offline.client.get("/organiser/registrations.csv", headers=AUTH)
    assert answer.status_code == 200
    header, row = list(csv.reader(io.StringIO(answer.text)))
    cells = dict(zip(header, row, strict=True))
    assert cells["given_name"] == "'=1+1"
    assert cells["family_name"] == '\'=HYPERLINK("http://x")'
    assert cells["affiliation"] == "'@SUM(A1)"
    assert not any(ch in answer.text for ch in "\x00\x1b\x07\u200b")


async def test_an_export_of_1600_registrations_has_1600_rows_and_the_list_pages_with_a_total(
    offline: Service,
) -> None:
    client = offline.client
    assert (await client.post("/api/registrations", json={"delegates": [delegate()]})).status_code == 201
    await clone_rows(offline, 1599)
    exported = list(csv.DictReader(io.StringIO((await client.get("/organiser/registrations.csv", headers=AUTH)).text)))
    assert len(exported) == 1600
    assert len({r["number"] for r in exported}) == 1600
    # JSON: pages of PAGE_SIZE with the total and a next link until the last page.
    seen: list[str] = []
    url: str | None = "/api/organiser/registrations"
    pages = 0
    while url:
        body = (await client.get(url, headers=AUTH)).json()
        assert body["total"] == 1600
        seen += [r["number"] for r in body["items"]]
        url, pages = body["next"], pages + 1
    assert pages == -(-1600 // PAGE_SIZE) and len(seen) == len(set(seen)) == 1600
    # Filters are kept across pages and count.
    filtered = (await client.get("/api/organiser/registrations?q=Clone d1&size=100", headers=AUTH)).json()
    assert filtered["total"] == sum(str(i).startswith("1") for i in range(1599)) and len(filtered["items"]) == 100
    assert "q=Clone+d1" in filtered["next"] and "size=100" in filtered["next"]
    # The page says what it shows and links on.
    second = await client.get(f"/organiser/registrations?page=2&size={PAGE_SIZE}", headers=AUTH)
    assert f"Showing {PAGE_SIZE + 1:,}–{2 * PAGE_SIZE:,} of 1,600" in second.text
    assert 'rel="next" href="/organiser/registrations?page=3&amp;size=500"' in second.text
    assert 'rel="prev" href="/organiser/registrations?page=1&amp;size=500"' in second.text
    assert second.text.count('<tr><td><a href="/organiser/registrations/') == PAGE_SIZE
    last = await client.get(f"/organiser/registrations?page=4&size={PAGE_SIZE}", headers=AUTH)
    assert "Showing 1,501–1,600 of 1,600" in last.text and 'rel="next"' not in last.text
    assert (await client.get("/api/organiser/registrations?size=0", headers=AUTH)).status_code == 422


async def test_badge_changes_on_the_delegates_page_are_held_to_the_rule(offline: Service) -> None:
    from services.common.auth import sign

    client = offline.client
    created = (await client.post("/api/registrations", json={"delegates": [delegate()]})).json()
    link = sign("test-secret", "magic-link", {"rid": created["registrations"][0]["registration_id"], "jti": "j-text"})
    assert (await sign_in_by_link(client, f"/me/{link}")).status_code == 303
    refused = await submit(client, "/me", "/me/badge", {"badge_name": "Aiko\u202e", "affiliation": "東京大学"})
    assert "U+202E RIGHT-TO-LEFT OVERRIDE" in error_beside(refused.text, "badge_name")
    kept = await submit(client, "/me", "/me/badge", {"badge_name": "\u200bأيكو", "affiliation": "東京大学"})
    assert "Badge details saved." in kept.text
    async with offline.deps.sessionmaker() as session:
        row = (await session.execute(select(db.registrations))).mappings().one()
    assert row["badge_name"] == "أيكو"


async def test_an_organisers_reason_with_a_hidden_character_is_shown_beside_its_field(offline: Service) -> None:
    client = offline.client
    rid = (await client.post("/api/registrations", json={"delegates": [delegate()]})).json()["payer_id"]
    page = await client.post(f"/organiser/registrations/{rid}/cancel", data={"reason": "visa\x07"}, headers=AUTH)
    assert page.status_code == 422
    assert "U+0007 BELL" in error_beside(page.text, f"{rid}-cancel-reason")
    api = await client.post(f"/api/organiser/registrations/{rid}/cancel", json={"reason": "\u202evisa"}, headers=AUTH)
    assert api.status_code == 422 and api.json()["detail"][0]["loc"] == ["body", "reason"]
    async with offline.deps.sessionmaker() as session:
        assert (await session.execute(select(db.registrations.c.status))).scalar_one() != "cancelled"
