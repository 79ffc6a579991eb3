"""Deny by default in the kernel: the route-access decision, the check every organiser request passes, and
the accounts every service learns from ``congress.organisers`` (a snapshot beats the edition file's line,
an older version changes nothing, a deactivation refuses every session signed in before it, a tombstone
forgets the account)."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient

from schemas.base import encode, new_event
from schemas.organisers import OrganiserAccountChanged
from services.common.auth import organiser_token
from services.common.congress import load_congress
from services.common.organiser_sessions import (
    ConfiguredOrganisers,
    OrganiserSessions,
    organiser_grant,
    require_organiser,
)
from services.common.roles import Grant, Role, allow, decide
from services.common.session_events import RevocationReader

SECRET = "s"
SEEDED = "organiser@icsei.example.org"
TABLE = {
    ("GET", "/organiser/money"): allow(Role.FINANCE),
    ("GET", "/organiser/abstracts"): allow(Role.PROGRAMME_CHAIR, Role.CONVENER, scoped=True),
}


def snapshot(
    email: str, roles: list[str], *, version: int, active: bool = True, **more: object
) -> OrganiserAccountChanged:
    return OrganiserAccountChanged(
        account_id=f"id-{email}",
        email=email,
        full_name="N",
        roles=roles,
        active=active,
        account_version=version,
        **more,
    )


def service() -> tuple[OrganiserSessions, TestClient]:
    sessions = OrganiserSessions(SECRET, ConfiguredOrganisers(load_congress()), access=TABLE)
    app = FastAPI()
    scoped = Depends(organiser_grant(sessions))

    @app.get("/organiser/money")
    async def money(who: str = Depends(require_organiser(sessions))) -> dict[str, str]:
        return {"who": who}

    @app.get("/organiser/abstracts")
    async def abstracts(grant: Grant = scoped) -> dict[str, object]:
        return {"networks": sorted(grant.networks) if grant.networks is not None else None}

    @app.get("/organiser/forgotten")  # behind require_organiser but not in the table
    async def forgotten(who: str = Depends(require_organiser(sessions))) -> dict[str, str]:
        return {"who": who}

    return sessions, TestClient(app)


def as_(email: str) -> dict[str, str]:
    return {"authorization": f"Bearer {organiser_token(SECRET, email)}", "accept": "application/json"}


def test_the_decision_refuses_what_the_table_does_not_grant() -> None:
    chair, convener = frozenset({Role.PROGRAMME_CHAIR}), frozenset({Role.CONVENER})
    assert decide(None, "a", frozenset(Role), frozenset()) is None
    assert decide(allow(Role.FINANCE), "a", chair, frozenset()) is None
    assert decide(allow(Role.CONVENER), "a", convener, frozenset({"DU"})) is None  # not scoped: never
    scoped = allow(Role.PROGRAMME_CHAIR, Role.CONVENER, scoped=True)
    assert decide(scoped, "a", convener, frozenset({"DU"})) == Grant("a", convener, frozenset({"DU"}))
    both = chair | convener
    assert decide(scoped, "a", both, frozenset({"DU"})) == Grant("a", both, None)


def test_a_route_missing_from_the_table_is_refused_even_to_every_role() -> None:
    _, client = service()
    assert client.get("/organiser/money", headers=as_(SEEDED)).status_code == 200  # seeded: every role
    assert client.get("/organiser/forgotten", headers=as_(SEEDED)).status_code == 403
    assert client.get("/organiser/money", headers={"accept": "application/json"}).status_code == 401


def test_a_snapshot_decides_over_the_edition_file_and_an_older_one_changes_nothing() -> None:
    sessions, client = service()
    sessions.accounts.apply(snapshot(SEEDED, ["programme_chair"], version=2))
    assert client.get("/organiser/money", headers=as_(SEEDED)).status_code == 403
    assert client.get("/organiser/abstracts", headers=as_(SEEDED)).json() == {"networks": None}
    sessions.accounts.apply(snapshot(SEEDED, ["finance"], version=1))
    assert client.get("/organiser/money", headers=as_(SEEDED)).status_code == 403


def test_a_convener_gets_their_networks_and_a_stranger_nothing() -> None:
    sessions, client = service()
    sessions.accounts.apply(
        OrganiserAccountChanged(
            account_id="c",
            email="c@x.org",
            full_name="C",
            roles=["convener"],
            networks=["DU"],
            active=True,
            account_version=1,
        )
    )
    assert client.get("/organiser/abstracts", headers=as_("c@x.org")).json() == {"networks": ["DU"]}
    assert client.get("/organiser/money", headers=as_("c@x.org")).status_code == 403
    assert client.get("/organiser/abstracts", headers=as_("stranger@x.org")).status_code == 401


def test_deactivation_refuses_the_session_and_reactivation_does_not_bring_it_back() -> None:
    sessions, client = service()
    old = as_("f@x.org")
    sessions.accounts.apply(snapshot("f@x.org", ["finance"], version=1))
    assert client.get("/organiser/money", headers=old).status_code == 200
    cut = datetime.fromtimestamp(datetime.now(UTC).timestamp() + 1, UTC)
    sessions.accounts.apply(snapshot("f@x.org", ["finance"], version=2, active=False, sessions_valid_after=cut))
    assert client.get("/organiser/money", headers=old).status_code == 401
    sessions.accounts.apply(snapshot("f@x.org", ["finance"], version=3, sessions_valid_after=cut))
    assert client.get("/organiser/money", headers=old).status_code == 401


def test_a_tombstone_forgets_the_account_and_no_older_snapshot_brings_it_back() -> None:
    sessions, client = service()
    reader = RevocationReader("unused:9092", sessions)
    first, second = snapshot("f@x.org", ["finance"], version=1), snapshot("g@x.org", ["finance"], version=1)
    reader.apply(encode(new_event(first, "/congress/notify")), first.account_id.encode())
    reader.apply(encode(new_event(second, "/congress/notify")), second.account_id.encode())
    session = as_("f@x.org")
    assert client.get("/organiser/money", headers=session).status_code == 200

    reader.apply(None, first.account_id.encode())  # notify erased the account
    assert sessions.accounts.get("f@x.org") is None
    assert client.get("/organiser/money", headers=session).status_code == 401
    assert client.get("/organiser/money", headers=as_("g@x.org")).status_code == 200  # the other one stays

    sessions.accounts.apply(first)  # a snapshot read after the erasure (notify forgets before its reader reads)
    assert sessions.accounts.get("f@x.org") is None
    reader.apply(None, None)  # a tombstone on congress.sessions is no account's
    assert [a.email for a in sessions.accounts.published()] == ["g@x.org"]
