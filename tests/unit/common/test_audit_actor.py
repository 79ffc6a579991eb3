"""Decision 75: the audit trail names an organiser by their account's id, never their address, and a page shows
who that is from the account directory at read time — the account's current name and address, "erased account"
once it is erased, and an address recorded before ids as it is."""

from __future__ import annotations

import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient

from schemas.audit import ActorKind
from schemas.base import encode, new_event
from schemas.organisers import OrganiserAccountChanged
from services.common import audit
from services.common.accounts import ERASED_ACCOUNT, seeded_account_id, shown_actor
from services.common.auth import organiser_token
from services.common.congress import load_congress
from services.common.organiser_sessions import ConfiguredOrganisers, OrganiserSessions, organiser_actor
from services.common.roles import Role, allow
from services.common.session_events import RevocationReader

SECRET = "s"
SEEDED = "organiser@icsei.example.org"  # the example edition file's organiser
TABLE = {("POST", "/organiser/act"): allow(Role.FINANCE)}


def account(account_id: str, email: str, name: str, *, version: int = 1) -> OrganiserAccountChanged:
    return OrganiserAccountChanged(
        account_id=account_id, email=email, full_name=name, roles=["finance"], active=True, account_version=version
    )


def service() -> tuple[OrganiserSessions, TestClient]:
    sessions = OrganiserSessions(SECRET, ConfiguredOrganisers(load_congress()), access=TABLE)
    app = FastAPI()
    acting = Depends(organiser_actor(sessions))

    @app.post("/organiser/act")
    async def act(actor: audit.Actor = acting) -> dict[str, str]:
        return {"kind": actor.kind.value, "name": actor.name}

    return sessions, TestClient(app)


def as_(email: str) -> dict[str, str]:
    return {"authorization": f"Bearer {organiser_token(SECRET, email)}", "accept": "application/json"}


def test_a_signed_in_organiser_is_recorded_by_their_account_id_never_their_address() -> None:
    sessions, client = service()
    seeded = client.post("/organiser/act", headers=as_(SEEDED)).json()
    assert seeded == {"kind": "organiser", "name": seeded_account_id(SECRET, SEEDED)}  # before notify published it

    sessions.accounts.apply(account(seeded["name"], SEEDED, "Olga Organiser"))  # notify seeded it with that id
    assert client.post("/organiser/act", headers=as_(SEEDED)).json()["name"] == seeded["name"]

    sessions.accounts.apply(account("acc-zelda", "zelda@x.org", "Zelda Quist"))  # an invited organiser
    assert client.post("/organiser/act", headers=as_("zelda@x.org")).json() == {
        "kind": "organiser",
        "name": "acc-zelda",
    }
    assert client.post("/organiser/act", headers=as_("nobody@x.org")).status_code == 401


def test_recording_an_organiser_by_address_is_refused() -> None:
    with pytest.raises(ValueError, match="account id"):
        audit.organiser("chair@icsei.example.org")
    assert audit.organiser(" acc-1 ") == audit.Actor(ActorKind.ORGANISER, "acc-1")


def test_a_seeded_organisers_id_is_the_same_everywhere_keyed_by_the_secret_and_holds_no_address() -> None:
    made = seeded_account_id(SECRET, SEEDED)
    assert made == seeded_account_id(SECRET, " Organiser@ICSEI.example.org ") and made.startswith("seeded-")
    assert made != seeded_account_id("another secret", SEEDED) and "@" not in made and "icsei" not in made


def test_a_page_shows_the_account_as_it_is_now_an_erased_one_as_erased_and_an_old_address_as_it_is() -> None:
    sessions, _ = service()
    directory = sessions.accounts
    reader = RevocationReader("unused:9092", sessions)
    zelda = account("acc-zelda", "zelda@x.org", "Zelda Quist")
    reader.apply(encode(new_event(zelda, "/congress/notify")), b"acc-zelda")
    organiser = ActorKind.ORGANISER

    assert shown_actor(directory, organiser, "acc-zelda") == "Zelda Quist <zelda@x.org>"
    assert shown_actor(directory, organiser, seeded_account_id(SECRET, SEEDED)).endswith(f"<{SEEDED}>")
    assert shown_actor(directory, organiser, "Old.Chair@icsei.example.org") == "Old.Chair@icsei.example.org"
    assert shown_actor(directory, ActorKind.SYSTEM, "registration.payment-holds") == "registration.payment-holds"
    assert shown_actor(directory, ActorKind.STATION, "organiser:acc-zelda") == "organiser:acc-zelda"

    directory.apply(account("acc-zelda", "zq@x.org", "Zelda Q.", version=2))  # she changed her address
    assert shown_actor(directory, organiser, "acc-zelda") == "Zelda Q. <zq@x.org>"

    reader.apply(None, b"acc-zelda")  # notify erased the account
    assert shown_actor(directory, organiser, "acc-zelda") == ERASED_ACCOUNT
    assert shown_actor(directory, organiser, "acc-never-seen") == ERASED_ACCOUNT


def test_the_person_filter_finds_an_accounts_ids_by_address_or_name_and_an_erased_one_not_at_all() -> None:
    sessions, _ = service()
    directory = sessions.accounts
    directory.apply(account("acc-zelda", "zelda@x.org", "Zelda Quist"))
    directory.apply(account("random-id", SEEDED, "Olga Organiser"))  # seeded before ids were derived
    assert directory.ids_matching("ZELDA@") == {"acc-zelda", seeded_account_id(SECRET, "zelda@x.org")}
    assert "acc-zelda" in directory.ids_matching("quist") and directory.ids_matching("  ") == frozenset()
    assert directory.ids_matching("organiser@") == {"random-id", seeded_account_id(SECRET, SEEDED)}
    found = directory.by_id(seeded_account_id(SECRET, SEEDED))  # a record made before the snapshot was read
    assert found is not None and found.account_id == "random-id"

    directory.forget("acc-zelda")
    assert directory.ids_matching("zelda") == frozenset() and directory.by_id("acc-zelda") is None
