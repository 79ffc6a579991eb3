"""Organiser sessions end when they should (issue 12, finding 3): sign-out is a POST that revokes the
session here at once and announces it (no token in the event); another service that reads the event
refuses the old token; a GET cannot sign anyone out; an organiser taken out of the congress file is
refused at once, whatever cookie they hold."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr

from schemas.base import encode, new_event
from schemas.sessions import OrganiserSignedOut
from services.common.auth import ORGANISER_COOKIE, organiser_token, sign
from services.common.congress import DEFAULT_CONFIG, load_congress
from services.common.organiser_login import organiser_login_router
from services.common.organiser_sessions import ConfiguredOrganisers, OrganiserSessions, require_organiser
from services.common.roles import Role, allow
from services.common.session_events import RevocationReader
from services.common.settings import ServiceSettings
from services.common.web_guard import install_web_guard
from services.console.app import build
from services.console.config import ConsoleSettings
from tests.forms import token_in
from tests.unit.test_organiser_login import EMAIL, FakeClock, FakeSignOuts

SECRET = "s"
ONLY = {("GET", "/organiser/only"): allow(Role.VIEWER)}


class FailingSignOuts:
    async def publish(self, event: OrganiserSignedOut) -> None:
        raise ConnectionError("database away")


def service(sessions: OrganiserSessions, sign_outs: object | None = None) -> FastAPI:
    """A service with one organiser-only route and the shared sign-in routes."""
    congress = load_congress()
    app = FastAPI()

    @app.get("/organiser/only")
    async def only(who: str = Depends(require_organiser(sessions))) -> dict[str, str]:
        return {"organiser": who}

    app.include_router(organiser_login_router(congress, sessions, sign_outs or FakeSignOuts(), SecretStr("pw")))
    install_web_guard(app, ServiceSettings())
    return app


def sessions_of(congress_path: Path | None = None, clock: FakeClock | None = None) -> OrganiserSessions:
    congress = load_congress(congress_path)
    organisers = ConfiguredOrganisers(congress, congress_path, clock=clock or FakeClock())
    return OrganiserSessions(SECRET, organisers, access=ONLY)


def signed_in(app: FastAPI) -> TestClient:
    client = TestClient(app, follow_redirects=False)
    token = token_in(client.get("/organiser/login").text)  # the sign-in page's form, as a browser posts it
    answer = client.post("/organiser/login", data={"email": EMAIL, "password": "pw", "csrf_token": token})
    assert answer.status_code == 303 and client.cookies.get(ORGANISER_COOKIE)
    return client


def sign_out(client: TestClient) -> Any:
    """As a browser does: the sign-out page's form, posted back with its CSRF token."""
    return client.post("/organiser/logout", data={"csrf_token": token_in(client.get("/organiser/logout").text)})


def test_sign_out_revokes_here_and_the_event_revokes_it_in_another_service() -> None:
    here_sign_outs = FakeSignOuts()
    here = service(sessions_of(), here_sign_outs)
    elsewhere_sessions = sessions_of()
    elsewhere = TestClient(service(elsewhere_sessions), follow_redirects=False)
    client = signed_in(here)
    token = client.cookies[ORGANISER_COOKIE]
    bearer = {"authorization": f"Bearer {token}"}
    assert elsewhere.get("/organiser/only", headers=bearer).json() == {"organiser": EMAIL}

    signed_out = sign_out(client)
    assert signed_out.status_code == 303 and signed_out.headers["location"] == "/organiser/login?signed_out=1"
    assert TestClient(here).get("/organiser/only", headers=bearer).status_code == 401  # revoked here at once
    (event,) = here_sign_outs.published
    assert token not in encode(new_event(event, "/congress/test")).decode()  # the id travels, never the token

    RevocationReader("unused:9092", elsewhere_sessions).apply(encode(new_event(event, "/congress/test")))
    assert elsewhere.get("/organiser/only", headers=bearer).status_code == 401
    assert "You are signed out." in TestClient(here).get("/organiser/login?signed_out=1").text


def test_a_get_on_the_sign_out_address_only_shows_the_button() -> None:
    sign_outs = FakeSignOuts()
    client = signed_in(service(sessions_of(), sign_outs))
    page = client.get("/organiser/logout")
    assert page.status_code == 200 and 'method="post" action="/organiser/logout"' in page.text
    assert client.get("/organiser/only").status_code == 200 and sign_outs.published == []


def test_a_sign_out_that_cannot_be_announced_keeps_the_cookie_to_try_again() -> None:
    client = signed_in(service(sessions_of(), FailingSignOuts()))
    failed = sign_out(client)
    assert failed.status_code == 503 and "try again" in failed.text
    assert client.cookies.get(ORGANISER_COOKIE)  # kept, so the retry can name the session
    assert client.get("/organiser/only", headers={"accept": "application/json"}).status_code == 401


def test_an_organiser_removed_from_the_congress_file_is_refused_at_once(tmp_path: Path) -> None:
    path = tmp_path / "congress.yaml"
    shutil.copy(DEFAULT_CONFIG, path)
    clock = FakeClock()
    client = signed_in(service(sessions_of(path, clock)))
    assert client.get("/organiser/only").status_code == 200

    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["organisers"] = [o for o in doc["organisers"] if o["email"] != EMAIL]
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    clock.now += 1
    assert client.get("/organiser/only", headers={"accept": "application/json"}).status_code == 401
    assert (
        client.get("/organiser/only", headers={"accept": "text/html"})
        .headers["location"]
        .startswith("/organiser/login")
    )


def test_a_congress_file_that_stops_loading_keeps_the_organisers_it_had(tmp_path: Path) -> None:
    path = tmp_path / "congress.yaml"
    shutil.copy(DEFAULT_CONFIG, path)
    clock = FakeClock()
    organisers = ConfiguredOrganisers(load_congress(path), path, clock=clock)
    path.write_text("organisers: [half saved", encoding="utf-8")
    clock.now += 1
    assert EMAIL in organisers.emails()


def test_tokens_without_a_session_id_or_for_another_secret_are_refused() -> None:
    client = TestClient(service(sessions_of()))
    old_style = sign(SECRET, "organiser", {"email": EMAIL})
    for token in (old_style, organiser_token("another-secret", EMAIL)):
        assert client.get("/organiser/only", headers={"authorization": f"Bearer {token}"}).status_code == 401
    fresh = organiser_token(SECRET, EMAIL)
    assert client.get("/organiser/only", headers={"authorization": f"Bearer {fresh}"}).status_code == 200


def test_the_reader_skips_what_is_not_a_sign_out() -> None:
    sessions = sessions_of()
    reader = RevocationReader("unused:9092", sessions)
    for value in (b"not json", None, b'{"specversion": "1.0", "type": "congress.x.Unknown.v1"}'):
        reader.apply(value)
    assert reader.applied == 0
    expired = OrganiserSignedOut(session_id="old", expires_at=datetime(2020, 1, 1, tzinfo=UTC))
    reader.apply(encode(new_event(expired, "/congress/test")))
    assert reader.applied == 1 and not sessions.is_revoked("old")  # long expired: nothing to remember


def test_the_console_offers_sign_out_as_a_post_form() -> None:
    _, app = build(ConsoleSettings(CONGRESS_SECRET=SECRET))
    page = TestClient(app).get("/", headers={"authorization": f"Bearer {organiser_token(SECRET, EMAIL)}"})
    assert page.status_code == 200
    assert '<form class="sign-out" method="post" action="/organiser/logout">' in page.text
