"""Issue 12's findings at the abstracts' door: deeply nested JSON, an abstract's size, forged posts, headers."""

from __future__ import annotations

import json

from services.common.auth import ORGANISER_COOKIE, organiser_token
from tests.forms import page_token
from tests.integration.abstracts.conftest import SECRET, TEXT, Service, abstract


async def test_deeply_nested_json_is_a_400_not_a_500(offline: Service) -> None:
    nested = b'{"format": "paper", "authors": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    answer = await offline.client.post(
        "/api/abstracts", content=nested, headers={"content-type": "application/json"}, timeout=60
    )
    assert answer.status_code in (400, 413)
    shallow_enough = b'{"format": "paper", "authors": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    answer = await offline.client.post(
        "/api/abstracts", content=shallow_enough, headers={"content-type": "application/json"}
    )
    assert answer.status_code == 400
    assert "nested more than 32 levels" in answer.json()["detail"]


async def test_a_long_abstract_in_any_script_fits_and_a_huge_one_is_413(offline: Service) -> None:
    # The longest text allowed (20,000 characters) as Python's json writes it (\uXXXX): 120 kB, past 64 KiB.
    body = json.dumps(abstract(text="教育" * 10_000, language="ja")).encode()
    assert len(body) > 64 * 1024
    fits = await offline.client.post("/api/abstracts", content=body, headers={"content-type": "application/json"})
    assert fits.status_code == 422, fits.text[:300]  # read and judged (too many words), not refused at the door
    assert "words" in fits.text
    huge = await offline.client.post("/api/abstracts", json=abstract(text=TEXT * 5_000))
    assert huge.status_code == 413


async def test_an_organiser_form_posted_from_another_origin_is_refused(offline: Service) -> None:
    client = offline.client
    client.cookies.set(ORGANISER_COOKIE, organiser_token(SECRET, "organiser@icsei.example.org"))
    token = await page_token(client, "/organiser/reviewers")
    reviewer = {"name": "Forged", "email": "forged@example.org", "networks": "DU", "csrf_token": token}
    forged = await client.post("/organiser/reviewers", data=reviewer, headers={"origin": "http://127.0.0.1:9"})
    assert forged.status_code == 403
    without_token = await client.post("/organiser/reviewers", data=reviewer | {"csrf_token": ""})
    assert without_token.status_code == 403
    listed = await client.get("/api/organiser/reviewers")
    assert all(r["email"] != "forged@example.org" for r in listed.json())


async def test_abstracts_pages_carry_the_security_headers(offline: Service) -> None:
    for path in ("/submit", "/programme", "/organiser/login", "/static/submit.js", "/nowhere"):
        answer = await offline.client.get(path)
        assert "script-src 'self'" in answer.headers["content-security-policy"], path
        assert answer.headers["x-frame-options"] == "DENY", path
        assert answer.headers["x-content-type-options"] == "nosniff", path
        assert answer.headers["referrer-policy"] == "no-referrer", path
        assert (answer.headers.get("cache-control") == "no-store") == (not path.startswith("/static/")), path
    page = await offline.client.get("/submit")
    assert "<script>" not in page.text and '<script src="/static/submit.js">' in page.text
