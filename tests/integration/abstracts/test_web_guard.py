"""Issue 12's findings at the abstracts' door: deeply nested JSON, an abstract's size, forged posts, headers."""

from __future__ import annotations

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
    cjk = "教育" * 5_000  # 10,000 characters, 30 kB of UTF-8: more than the default 64 KiB once escaped
    fits = await offline.client.post("/api/abstracts", json=abstract(text=cjk, language="ja"))
    assert fits.status_code != 413, fits.text
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
