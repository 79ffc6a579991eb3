"""The web guard on a small app, in memory: forgery, size, shape, errors and headers."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment
from pydantic import BaseModel

from services.common.csrf import add_csrf_helpers
from services.common.settings import ServiceSettings
from services.common.web_guard import FRAMEABLE_BY_SELF, install_web_guard

BASE = "http://testserver"
PAGE = add_csrf_helpers(Environment(autoescape=True)).from_string(
    '<form method="post" action="/form">{{ csrf_field() }}<input name="name"></form>'
)


class Item(BaseModel):
    name: str
    tags: list[Any] = []


def make_app(**settings: Any) -> FastAPI:
    app = FastAPI()
    done: list[str] = []
    app.state.done = done

    @app.get("/form")
    async def form_page(request: Request) -> HTMLResponse:
        return HTMLResponse(PAGE.render(request=request))

    @app.post("/form")
    async def form_post(name: str = Form("")) -> dict[str, str]:
        done.append(name)
        return {"name": name}

    @app.post("/raw")
    async def raw(request: Request) -> dict[str, int]:
        done.append("raw")
        return {"size": len(await request.body())}

    @app.post("/big", max_body_size=200_000)
    async def big(request: Request) -> dict[str, int]:
        return {"size": len(await request.body())}

    @app.post("/api/items")
    async def items(item: Item) -> dict[str, str]:
        done.append(item.name)
        return {"name": item.name}

    @app.post("/api/ping")
    async def ping() -> dict[str, str]:
        done.append("ping")
        return {"ok": "yes"}

    @app.get("/framed")
    async def framed() -> Response:
        return Response(b"%PDF-1.7", media_type="application/pdf", headers=FRAMEABLE_BY_SELF)

    @app.get("/cookie")
    async def cookie() -> Response:
        response = Response("ok")
        response.set_cookie("who", "x", httponly=True)
        return response

    @app.post("/hook")
    async def hook(request: Request) -> dict[str, int]:
        done.append("hook")
        return {"size": len(await request.body())}

    machine = {"/api/items": "JSON API", "/api/ping": "JSON API", "/hook": "a signed webhook"}
    install_web_guard(app, ServiceSettings(**settings), machine_routes=machine)
    return app


def client(app: FastAPI, base: str = BASE) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base)


async def token_of(http: httpx.AsyncClient) -> str:
    page = await http.get("/form")
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


async def test_a_form_posted_with_its_token_is_accepted() -> None:
    app = make_app()
    async with client(app) as http:
        token = await token_of(http)
        answer = await http.post("/form", data={"name": "Aiko", "csrf_token": token})
    assert answer.status_code == 200
    assert app.state.done == ["Aiko"]


async def test_the_token_cookie_is_http_only_and_set_once() -> None:
    async with client(make_app()) as http:
        first = await http.get("/form")
        second = await http.get("/form")
    cookie = first.headers["set-cookie"]
    assert cookie.startswith("congress_csrf=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "set-cookie" not in second.headers


@pytest.mark.parametrize(
    "data", [{"name": "x"}, {"name": "x", "csrf_token": "forged-forged-forged-forged"}], ids=["none", "wrong"]
)
async def test_a_form_without_the_right_token_is_refused(data: dict[str, str]) -> None:
    app = make_app()
    async with client(app) as http:
        await token_of(http)
        answer = await http.post("/form", data=data, headers={"accept": "text/html"})
    assert answer.status_code == 403
    assert "Reload the page" in answer.text
    assert app.state.done == []


@pytest.mark.parametrize(
    ("path", "headers", "cookie", "language", "words"),
    [
        ("/form", {"accept-language": "fr-CH, en;q=0.5"}, None, "fr", "Rechargez la page"),
        ("/form", {"accept-language": "fr"}, "de", "de", "Laden Sie die Seite neu"),
        ("/form", {"accept-language": "es", "sec-fetch-site": "cross-site"}, None, "es", "otro sitio (cross-site)"),
        ("/organiser/x", {"accept-language": "fr"}, None, "en", "Reload the page"),
    ],
    ids=["browser-french", "switch-german", "cross-site-spanish", "organisers-english"],
)
async def test_a_refusal_page_speaks_the_pages_language(
    path: str, headers: dict[str, str], cookie: str | None, language: str, words: str
) -> None:
    """A delegate whose open form went stale meets the refusal in the language of the page they were on."""
    app = make_app()

    @app.post("/organiser/x")
    async def organiser_post() -> dict[str, str]:
        return {}

    async with client(app) as http:
        await token_of(http)
        if cookie:
            http.cookies.set("congress_language", cookie)
        page = await http.post(path, data={"name": "x"}, headers={"accept": "text/html", **headers})
        api = await http.post(path, data={"name": "x"}, headers=headers)
    assert page.status_code == 403 and f'<html lang="{language}">' in page.text
    assert words in page.text
    assert api.status_code == 403 and api.json()["detail"].startswith("Refused:")  # a program's answer stays English


async def test_a_form_with_a_session_but_no_token_cookie_says_so() -> None:
    async with client(make_app()) as http:
        http.cookies.set("congress_organiser", "signed")
        answer = await http.post("/form", data={"name": "x", "csrf_token": "a" * 43})
    assert answer.status_code == 403
    assert "cookie is missing" in answer.json()["detail"]


@pytest.mark.parametrize("files", [None, {"f": b"x"}], ids=["urlencoded", "multipart"])
async def test_a_form_post_without_any_cookie_needs_the_token_too(files: dict[str, bytes] | None) -> None:
    """No session rides on it, but a form's own authority may (a sign-in link's token, an offer's)."""
    app = make_app()
    async with client(app) as http:
        answer = await http.post("/form", data={"name": "anonymous"}, files=files, headers={"accept": "text/html"})
        guessed = await http.post("/form", data={"name": "anonymous", "csrf_token": "a" * 43})
    assert (answer.status_code, guessed.status_code) == (403, 403)
    assert answer.headers["content-type"].startswith("text/html")
    assert "<h1>Request refused</h1>" in answer.text and "security cookie is missing" in answer.text
    assert app.state.done == []


async def test_a_multipart_form_and_a_header_carry_the_token_too() -> None:
    app = make_app()
    async with client(app) as http:
        token = await token_of(http)
        multipart = await http.post("/form", data={"name": "M", "csrf_token": token}, files={"f": b"x"})
        header = await http.post("/raw", content=b"png", headers={"x-csrf-token": token, "content-type": "image/png"})
    assert (multipart.status_code, header.status_code) == (200, 200)
    assert app.state.done == ["M", "raw"]


@pytest.mark.parametrize(
    "headers",
    [
        {"origin": "http://127.0.0.1:9999"},
        {"origin": "http://evil.testserver"},
        {"origin": "null"},
        {"origin": "null", "sec-fetch-site": "cross-site"},
        {"sec-fetch-site": "same-site"},
        {"sec-fetch-site": "cross-site"},
    ],
    ids=["other-port", "sibling-subdomain", "null", "sandboxed-frame", "same-site", "cross-site"],
)
async def test_unsafe_requests_from_another_origin_are_refused_even_with_the_token(headers: dict[str, str]) -> None:
    app = make_app()
    async with client(app) as http:
        token = await token_of(http)
        form = await http.post("/form", data={"name": "x", "csrf_token": token}, headers=headers)
        api = await http.post("/api/items", json={"name": "x"}, headers=headers)
    assert (form.status_code, api.status_code) == (403, 403)
    assert form.json()["detail"].startswith("Refused: this request came from")
    assert app.state.done == []


async def test_own_and_trusted_origins_pass() -> None:
    app = make_app(CONGRESS_TRUSTED_ORIGINS="https://register.example.org")
    async with client(app) as http:
        token = await token_of(http)
        own = await http.post("/form", data={"name": "a", "csrf_token": token}, headers={"origin": BASE})
        trusted = await http.post("/api/items", json={"name": "b"}, headers={"origin": "https://register.example.org"})
        same = await http.post("/api/items", json={"name": "c"}, headers={"sec-fetch-site": "same-origin"})
        # A form of our own no-referrer page: the browser hides the origin but says it is the same.
        hidden = await http.post(
            "/form",
            data={"name": "d", "csrf_token": token},
            headers={"origin": "null", "sec-fetch-site": "same-origin"},
        )
    assert (own.status_code, trusted.status_code, same.status_code, hidden.status_code) == (200, 200, 200, 200)


async def test_json_and_signed_requests_need_no_token_on_machine_routes_only() -> None:
    app = make_app()
    async with client(app) as http:
        http.cookies.set("congress_organiser", "signed")
        json_post = await http.post("/api/items", json={"name": "j"})
        signed = await http.post("/hook", content=b"{}", headers={"stripe-signature": "t=1,v1=x"})
        json_to_a_page = await http.post("/raw", json={"name": "j"})
        signed_to_a_page = await http.post("/raw", content=b"{}", headers={"stripe-signature": "t=1,v1=x"})
        form_to_the_hook = await http.post("/hook", data={"event": "x"})
        http.cookies.clear()
        cookieless_to_the_hook = await http.post("/hook", content=b"{}")  # its signature check answers it
        cookieless_to_a_page = await http.post("/raw", content=b"{}")
        nowhere = await http.put("/form", data={"name": "x"})
    assert (json_post.status_code, signed.status_code) == (200, 200)
    assert (json_to_a_page.status_code, signed_to_a_page.status_code, form_to_the_hook.status_code) == (403, 403, 403)
    assert (cookieless_to_the_hook.status_code, cookieless_to_a_page.status_code) == (200, 403)
    assert nowhere.status_code == 405  # no route takes it: its 405, not the guard's 403
    assert app.state.done == ["j", "hook", "hook"]


async def test_a_programs_own_credential_needs_no_token_but_a_browsers_basic_credentials_do() -> None:
    app = make_app()
    async with client(app) as http:
        http.cookies.set("congress_organiser", "signed")
        bearer = await http.post("/raw", content=b"x", headers={"authorization": "Bearer t"})
        station = await http.post("/raw", content=b"x", headers={"x-station-token": "s"})
        basic = await http.post("/raw", content=b"x", headers={"authorization": "Basic dTpw"})  # a browser adds it
        empty = await http.post("/raw", content=b"x", headers={"authorization": "Bearer "})
    assert (bearer.status_code, station.status_code) == (200, 200)
    assert (basic.status_code, empty.status_code) == (403, 403)
    assert app.state.done == ["raw", "raw"]


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
async def test_json_endpoints_take_only_json(content_type: str | None) -> None:
    app = make_app()
    headers = {"content-type": content_type} if content_type else {}
    async with client(app) as http:
        http.cookies.set("congress_organiser", "signed")
        answer = await http.post("/api/ping", content=b'{"name": "x"}', headers=headers)
    assert answer.status_code == 415
    assert "application/json" in answer.json()["detail"]
    assert app.state.done == []


async def test_a_body_past_the_limit_is_refused_while_it_streams() -> None:
    read: list[int] = []

    async def chunks() -> Any:
        for _ in range(400):  # 400 x 64 KiB = 25 MiB if it were all read
            read.append(1)
            yield b"x" * 65536

    async with client(make_app()) as http:
        answer = await http.post("/api/items", content=chunks(), headers={"content-type": "application/json"})
    assert answer.status_code == 413
    assert "64 KiB" in answer.json()["detail"]
    assert len(read) < 5


async def test_a_declared_length_past_the_limit_is_refused_and_routes_may_allow_more() -> None:
    async with client(make_app()) as http:
        token = await token_of(http)
        small = await http.post("/raw", content=b"x" * 70_000, headers={"x-csrf-token": token})
        big = await http.post("/big", content=b"x" * 150_000, headers={"x-csrf-token": token})
        too_big = await http.post("/big", content=b"x" * 250_000, headers={"x-csrf-token": token})
    assert (small.status_code, big.status_code, too_big.status_code) == (413, 200, 413)


async def test_deeply_nested_json_is_a_400() -> None:
    async with client(make_app()) as http:
        deep = await http.post(
            "/api/items",
            content=b'{"name": "x", "tags": ' + b"[" * 5000 + b"]" * 5000 + b"}",
            headers={"content-type": "application/json"},
        )
        brackets_in_text = await http.post("/api/items", json={"name": "[" * 500, "tags": [[1]]})
    assert deep.status_code == 400
    assert "nested more than 32" in deep.json()["detail"]
    assert brackets_in_text.status_code == 200


async def test_validation_errors_echo_only_a_short_prefix() -> None:
    async with client(make_app()) as http:
        answer = await http.post("/api/items", json={"name": ["y" * 30_000], "tags": "z" * 30_000})
    assert answer.status_code == 422
    assert len(answer.content) < 2_000
    inputs = [error["input"] for error in answer.json()["detail"]]
    assert all(len(str(value)) <= 101 for value in inputs)


async def test_every_response_carries_the_security_headers() -> None:
    async with client(make_app()) as http:
        page = await http.get("/form")
        missing = await http.get("/nowhere")
        framed = await http.get("/framed")
    for response in (page, missing):
        assert "script-src 'self'" in response.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["cache-control"] == "no-store"
    assert framed.headers["x-frame-options"] == "SAMEORIGIN"
    assert framed.headers["content-security-policy"] == "frame-ancestors 'self'"


async def test_the_api_explorer_may_load_swagger_ui_and_nothing_else_may() -> None:
    async with client(make_app()) as http:
        docs = await http.get("/docs")
        page = await http.get("/form")
    assert "https://cdn.jsdelivr.net" in docs.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in docs.headers["content-security-policy"]
    assert "cdn.jsdelivr.net" not in page.headers["content-security-policy"]


async def test_cookies_are_secure_over_https_and_behind_a_trusted_proxy_only() -> None:
    forwarded = {"x-forwarded-proto": "https"}
    async with client(make_app(), "https://testserver") as http:
        https = await http.get("/cookie")
        form = await http.get("/form")
    async with client(make_app()) as http:
        untrusted = await http.get("/cookie", headers=forwarded)
    async with client(make_app(CONGRESS_TRUST_PROXY=True)) as http:
        trusted = await http.get("/cookie", headers=forwarded)
    assert https.headers["set-cookie"].endswith("; Secure")
    assert form.headers["set-cookie"].startswith("__Host-congress_csrf=")
    assert "Secure" in form.headers["set-cookie"]
    assert "Secure" not in untrusted.headers["set-cookie"]
    assert trusted.headers["set-cookie"].endswith("; Secure")
