"""Erasing an organiser account at notify's door: the form on the accounts page and the JSON route, admins only,
with the page's CSRF token; refused with a reason (never a 5xx) for an active account, the admin's own, an
account the edition file still lists, one erased already, and an unknown id. The accounts behind the door are
an in-memory fake of notify's ports (the SQL is tested in tests/integration/notify/test_account_erasure.py)."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI

from schemas.audit import OrganiserActed
from schemas.base import EventData
from services.common.accounts import seeded_account_id
from services.common.auth import ORGANISER_COOKIE, organiser_token
from services.common.congress import load_congress
from services.common.organiser_sessions import ConfiguredOrganisers, OrganiserSessions
from services.common.roles import Role
from services.common.web_guard import install_web_guard
from services.notify.commands.accounts import Accounts
from services.notify.config import NotifySettings
from services.notify.domain.accounts import AccountRefused, OrganiserRecord, snapshot
from services.notify.web.accounts import accounts_router
from services.notify.web.route_access import ROUTES
from tests.forms import token_in

SECRET = "erase-web-secret"
SEEDED = "organiser@icsei.example.org"  # the edition file's organiser: an admin, and listed there
NOW = datetime(2027, 1, 2, 9, 30, tzinfo=UTC)


def record(account_id: str, email: str, *, roles: frozenset[Role], active: bool) -> OrganiserRecord:
    return OrganiserRecord(
        account_id, email, f"Name of {account_id}", roles, frozenset(), active, "scrypt$x", None, None, 2
    )


@dataclass
class World:
    records: dict[str, OrganiserRecord] = field(default_factory=dict)
    erased: dict[str, datetime] = field(default_factory=dict)
    staged: list[EventData] = field(default_factory=list)
    tombstones: list[str] = field(default_factory=list)


class FakeAccounts:
    def __init__(self, world: World) -> None:
        self.world = world

    async def by_id(self, account_id: str) -> OrganiserRecord | None:
        return self.world.records.get(account_id)

    async def by_email(self, email: str) -> OrganiserRecord | None:
        return next((r for r in self.world.records.values() if r.email == email.strip().lower()), None)

    async def listing(self) -> list[OrganiserRecord]:
        return sorted(self.world.records.values(), key=lambda r: r.email)

    async def save(self, record: OrganiserRecord) -> None:
        self.world.records[record.account_id] = record

    async def add_if_absent(self, record: OrganiserRecord) -> bool:
        if await self.by_email(record.email) is not None:
            return False
        await self.save(record)
        return True

    async def erased_at(self, account_id: str) -> datetime | None:
        return self.world.erased.get(account_id)

    async def erased(self) -> list[tuple[str, datetime]]:
        return sorted(self.world.erased.items(), key=lambda item: item[1])


class FakeUnit:
    def __init__(self, world: World) -> None:
        self.world = world
        self.accounts = FakeAccounts(world)

    def stage(self, data: EventData) -> None:
        self.world.staged.append(data)

    async def erase(self, record: OrganiserRecord, at: datetime) -> bool:
        del self.world.records[record.account_id]
        self.world.erased[record.account_id] = at
        return True

    def tombstone(self, account_id: str) -> None:
        self.world.tombstones.append(account_id)


class FakeUnits:
    """Each unit works on a copy of the world, kept only if the unit ends normally (a commit)."""

    def __init__(self, world: World) -> None:
        self.world = world

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[FakeUnit]:
        draft = copy.deepcopy(self.world)
        yield FakeUnit(draft)
        self.world.__dict__.update(draft.__dict__)


def door() -> tuple[World, OrganiserSessions, FastAPI]:
    congress = load_congress()
    sessions = OrganiserSessions(SECRET, ConfiguredOrganisers(congress), access=ROUTES)
    world = World()
    for r in (
        record("admin1", SEEDED, roles=frozenset({Role.ADMIN}), active=True),
        record("boss", "boss@x.org", roles=frozenset({Role.ADMIN}), active=True),
        record("gone", "gone@x.org", roles=frozenset({Role.FINANCE}), active=False),
        record("busy", "busy@x.org", roles=frozenset({Role.DESK}), active=True),
        record("chair", "chair@x.org", roles=frozenset({Role.PROGRAMME_CHAIR}), active=True),
        record("listed", "listed@x.org", roles=frozenset({Role.DESK}), active=False),
        record("offboss", "offboss@x.org", roles=frozenset({Role.ADMIN}), active=False),
    ):
        world.records[r.account_id] = r
        sessions.accounts.apply(snapshot(r))
    accounts = Accounts(
        FakeUnits(world),
        SECRET,
        congress.id,
        frozenset(),
        "http://notify",
        lambda: NOW,
        sessions.accounts.apply,
        listed=lambda: frozenset({SEEDED, "listed@x.org"}),
        forgotten=sessions.accounts.forget,
    )
    app = FastAPI()
    app.include_router(accounts_router(congress, accounts, sessions))
    install_web_guard(app, NotifySettings(secret=SECRET))
    return world, sessions, app


def client(app: FastAPI, email: str) -> httpx.AsyncClient:
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
    http.cookies.set(ORGANISER_COOKIE, organiser_token(SECRET, email))
    return http


async def test_an_admin_erases_a_deactivated_account_by_the_form_and_every_trace_at_the_door_goes() -> None:
    world, sessions, app = door()
    async with client(app, "boss@x.org") as http:
        page = await http.get("/organiser/accounts", headers={"accept": "text/html"})
        assert 'action="/organiser/accounts/gone/erase"' in page.text
        assert 'action="/organiser/accounts/busy/erase"' not in page.text  # an active account shows no button
        token = token_in(page.text)
        unconfirmed = await http.post("/organiser/accounts/gone/erase", data={"csrf_token": token})
        assert unconfirmed.status_code == 422 and "Tick the box" in unconfirmed.text and "gone" in world.records

        done = await http.post("/organiser/accounts/gone/erase", data={"csrf_token": token, "confirm": "yes"})
        assert done.status_code == 303 and done.headers["location"].startswith("/organiser/accounts?message=Erased")
        after = await http.get("/organiser/accounts", headers={"accept": "text/html"})

    assert "gone" not in world.records and world.erased == {"gone": NOW} and world.tombstones == ["gone"]
    (acted,) = [e for e in world.staged if isinstance(e, OrganiserActed)]
    assert (acted.action, acted.subject_id, acted.actor, acted.details) == (
        "notify.account.erase",
        "gone",
        "boss",  # the admin's account id, never their address (decision 75)
        {},
    )
    assert sessions.accounts.get("gone@x.org") is None  # notify's own directory forgot it at once
    assert (
        "gone@x.org" not in after.text and "Name of gone" not in after.text and "an erased account (gone)" in after.text
    )


async def test_the_form_without_the_pages_token_is_refused_and_erases_nothing() -> None:
    world, _, app = door()
    async with client(app, "boss@x.org") as http:
        forged = await http.post("/organiser/accounts/gone/erase", data={"confirm": "yes"})
        api = await http.post("/api/organiser/accounts/gone/erase", json={})
    assert forged.status_code == 403 and api.status_code == 403
    assert "gone" in world.records and not world.erased and not world.tombstones


def bearer(email: str) -> dict[str, str]:
    return {"authorization": f"Bearer {organiser_token(SECRET, email)}", "accept": "application/json"}


async def test_only_an_admin_may_erase() -> None:
    world, _, app = door()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:
        form = await http.post("/organiser/accounts/gone/erase", data={"confirm": "yes"}, headers=bearer("chair@x.org"))
        api = await http.post("/api/organiser/accounts/gone/erase", headers=bearer("chair@x.org"))
        anonymous = await http.post("/api/organiser/accounts/gone/erase", headers={"accept": "application/json"})
    assert (form.status_code, api.status_code) == (403, 403)
    assert anonymous.status_code == 403  # no session and no token: the door refuses before any route
    assert "gone" in world.records and not world.erased and not world.tombstones


async def test_refusals_say_why_and_change_nothing() -> None:
    world, _, app = door()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http:

        async def erase(account_id: str) -> tuple[int, str]:
            answer = await http.post(f"/api/organiser/accounts/{account_id}/erase", headers=bearer("boss@x.org"))
            return answer.status_code, answer.json().get("error", "")

        assert await erase("busy") == (409, "Deactivate the account first; only a deactivated account can be erased.")
        assert await erase("boss") == (409, "You cannot erase your own account; ask another admin.")
        status, error = await erase("listed")
        assert status == 409 and "remove them from the YAML first" in error
        assert await erase("nobody") == (404, "no such account")
        assert not world.erased and not world.tombstones and len(world.records) == 7

        done = await http.post("/api/organiser/accounts/gone/erase", headers=bearer("boss@x.org"))
        assert done.status_code == 200 and done.json() == {"account_id": "gone", "erased": True}
        assert await erase("gone") == (409, "This account was erased already.")
        form = await http.post("/organiser/accounts/gone/erase", data={"confirm": "yes"}, headers=bearer("boss@x.org"))
        assert form.status_code == 409 and "erased already" in form.text
        reactivated = await http.post("/organiser/accounts/gone/reactivate", headers=bearer("boss@x.org"))
        assert reactivated.status_code == 404  # an erased account is no account to act on
    assert world.tombstones == ["gone"] and list(world.erased) == ["gone"]


async def test_an_admin_signed_in_elsewhere_cannot_erase_their_deactivated_self() -> None:
    """The rule holds even for a session the directory would refuse: the command checks who asks."""
    world, _, _ = door()
    accounts = Accounts(FakeUnits(world), SECRET, "c", frozenset(), "http://n", lambda: NOW, lambda _e: None)
    with pytest.raises(AccountRefused, match="your own account"):
        await accounts.erase("OffBoss@x.org", "offboss")
    assert "offboss" in world.records


async def test_seeding_gives_an_edition_file_organiser_the_id_every_service_derives_unless_it_was_erased() -> None:
    world = World()
    accounts = Accounts(
        FakeUnits(world), SECRET, "icsei-2027", frozenset(), "http://notify", lambda: NOW, lambda _s: None
    )
    assert await accounts.seed(load_congress().organisers) == 1
    (seeded,) = world.records.values()
    assert (seeded.account_id, seeded.email) == (seeded_account_id(SECRET, SEEDED), SEEDED)

    again = World(erased={seeded.account_id: NOW})  # erased once, then listed in the edition file again
    accounts = Accounts(
        FakeUnits(again), SECRET, "icsei-2027", frozenset(), "http://notify", lambda: NOW, lambda _s: None
    )
    await accounts.seed(load_congress().organisers)
    (fresh,) = again.records.values()
    assert fresh.email == SEEDED and fresh.account_id != seeded.account_id  # a new account: the erased id stays gone
