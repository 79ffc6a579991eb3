"""Organiser sign-in holds against guessing (issue 12, finding 3): failures slow and then lock sign-in per
account and per client address, with a clear 429 and ``Retry-After``; a right password is refused while
an account waits; and scrypt runs off the event loop, so the service answers while sign-ins are hashed."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr

from schemas.sessions import OrganiserSignedOut
from services.common import organiser_login
from services.common.auth import hash_password
from services.common.congress import Congress, load_congress
from services.common.login_throttle import LoginThrottle
from services.common.organiser_login import organiser_login_router
from services.common.organiser_sessions import ConfiguredOrganisers, OrganiserSessions
from services.common.settings import ServiceSettings
from services.common.web_guard import install_web_guard
from tests.forms import page_token, token_in

EMAIL = "organiser@icsei.example.org"
PASSWORD = "right-password"


class FakeSignOuts:
    def __init__(self) -> None:
        self.published: list[OrganiserSignedOut] = []

    async def publish(self, event: OrganiserSignedOut) -> None:
        self.published.append(event)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def login_app(
    congress: Congress | None = None, *, throttle: LoginThrottle | None = None, with_health: bool = False
) -> FastAPI:
    congress = congress or load_congress()
    app = FastAPI()
    sessions = OrganiserSessions("s", ConfiguredOrganisers(congress))
    app.include_router(organiser_login_router(congress, sessions, FakeSignOuts(), SecretStr(PASSWORD), throttle))
    if with_health:

        @app.get("/healthz")
        async def healthz() -> dict[str, str]:
            return {"status": "ok"}

    install_web_guard(app, ServiceSettings())
    return app


def sign_in(client: TestClient, password: str, email: str = EMAIL) -> httpx.Response:
    """As a browser does: load the sign-in form, post it back with its CSRF token."""
    token = token_in(client.get("/organiser/login").text)
    return client.post(
        "/organiser/login", data={"email": email, "password": password, "next": "/", "csrf_token": token}
    )


def test_the_31st_wrong_password_waits_and_a_right_one_is_refused_too() -> None:
    client = TestClient(login_app(), follow_redirects=False)
    answers = [sign_in(client, f"guess-{n}") for n in range(31)]
    assert [a.status_code for a in answers[:5]] == [401] * 5
    last = answers[30]
    assert last.status_code == 429
    assert int(last.headers["retry-after"]) >= 1
    assert "Too many failed sign-ins for this account" in last.text and "wait" in last.text
    right = sign_in(client, PASSWORD)
    assert right.status_code == 429 and "retry-after" in right.headers and "congress_organiser" not in right.cookies


def test_delays_double_then_the_account_locks_for_fifteen_minutes() -> None:
    clock = FakeClock()
    client = TestClient(login_app(throttle=LoginThrottle(clock=clock)), follow_redirects=False)
    for _ in range(5):
        assert sign_in(client, "wrong").status_code == 401
    waits = []
    for _ in range(4):  # failures 6..9 each wait out a delay first
        refused = sign_in(client, "wrong")
        assert refused.status_code == 429
        waits.append(int(refused.headers["retry-after"]))
        clock.now += waits[-1]
        assert sign_in(client, "wrong").status_code == 401
    assert waits == [1, 2, 4, 8]
    clock.now += 16
    assert sign_in(client, "wrong").status_code == 401  # the 10th failure locks
    locked = sign_in(client, PASSWORD)
    assert locked.status_code == 429 and int(locked.headers["retry-after"]) == 15 * 60
    assert "locked for 15 minutes" in locked.text
    clock.now += 15 * 60
    assert sign_in(client, PASSWORD).status_code == 303  # the lock is over, and a right password signs in


def test_a_right_password_clears_the_account_and_the_api_answer_is_json() -> None:
    clock = FakeClock()
    client = TestClient(login_app(throttle=LoginThrottle(clock=clock)), follow_redirects=False)
    for _ in range(4):
        sign_in(client, "wrong")
    assert sign_in(client, PASSWORD).status_code == 303
    for _ in range(5):
        assert sign_in(client, "wrong").status_code == 401  # five fresh failures before any delay
    refused = client.post(
        "/organiser/login",
        data={"email": EMAIL, "password": "x", "csrf_token": token_in(client.get("/organiser/login").text)},
        headers={"accept": "application/json"},
    )
    assert refused.status_code == 429
    body = refused.json()
    assert body["retry_after_seconds"] == int(refused.headers["retry-after"]) and body["locked"] is False
    assert "Too many failed sign-ins" in body["detail"]


def test_one_client_guessing_many_accounts_is_slowed_by_its_address() -> None:
    clock = FakeClock()
    client = TestClient(login_app(throttle=LoginThrottle(clock=clock)), follow_redirects=False)
    for n in range(10):  # two guesses each at five addresses: no account reaches its own limit
        assert sign_in(client, "wrong", email=f"someone{n // 2}@example.org").status_code == 401
    refused = sign_in(client, "wrong", email="fresh@example.org")
    assert refused.status_code == 429 and "from your network address" in refused.text


def test_parallel_guesses_are_counted_before_their_passwords_are_checked() -> None:
    throttle = LoginThrottle(clock=FakeClock())
    assert all(throttle.attempt(EMAIL, "10.0.0.1") is None for _ in range(5))
    assert throttle.attempt(EMAIL, "10.0.0.1") is not None  # five in flight: the sixth waits at once


async def test_healthz_answers_while_sign_ins_are_being_hashed(monkeypatch: pytest.MonkeyPatch) -> None:
    hashing, release = threading.Event(), threading.Event()

    def slow_verify(password: str, stored: str) -> bool:
        hashing.set()
        release.wait(timeout=10)  # without the worker thread this blocks the loop, and healthz waits behind it
        return False

    monkeypatch.setattr(organiser_login, "verify_password", slow_verify)
    congress = load_congress()
    hashed = congress.model_copy(
        update={"organisers": (congress.organisers[0].model_copy(update={"password_hash": hash_password("x")}),)}
    )
    app = login_app(hashed, with_health=True)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as client:
        form = {"email": EMAIL, "password": "guess", "csrf_token": await page_token(client, "/organiser/login")}
        login = asyncio.create_task(client.post("/organiser/login", data=form))
        await wait_until(hashing.is_set)
        health = await client.get("/healthz")
        still_hashing = not login.done()
        release.set()
        answer = await login
    assert health.status_code == 200 and still_hashing
    assert answer.status_code == 401


async def wait_until(condition: Callable[[], bool]) -> None:
    for _ in range(1000):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition never held")


def test_a_flood_of_made_up_accounts_cannot_grow_the_counters_without_bound() -> None:
    clock = FakeClock()
    throttle = LoginThrottle(clock=clock, max_keys=100)
    for n in range(1000):
        clock.now += 0.001
        throttle.attempt(f"made-up-{n}@example.org", f"10.0.{n // 250}.{n % 250}")
    assert len(throttle.accounts.failures) <= 100 and len(throttle.clients.failures) <= 100
    clock.now += 16 * 60
    throttle.attempt("late@example.org", "10.9.9.9")
    assert throttle.attempt("made-up-999@example.org", "10.9.9.8") is None  # long quiet: forgotten
