"""The walk: every organiser route of every service, called by every role, checked against its table.

Every service runs in-process on real Kafka, SQLite and SMTP (``harness.every_service``); the accounts
are made through notify's accounts and reach the other services over ``congress.organisers``. For each
route the running app has behind ``require_organiser`` and each persona — anonymous, each role alone,
a convener of another network and a deactivated account — the answer must be what the route-access
table says: allowed → neither 401 nor 403; refused → 403; anonymous or deactivated → 401 (the
station's routes answer 403: a device without a station token is refused as such).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import httpx

from services.cli.roles_doc import TABLES
from services.common.auth import organiser_token
from services.common.organiser_sessions import organiser_routes
from services.common.roles import Role, decide
from tests.integration.notify.sink import RecordingSink
from tests.integration.organisers.harness import ADMIN, SECRET, SERVICES, World, every_service
from tests.kafka_helpers import eventually

STREAMS = {("console", "/api/stream")}
"""Server-sent events never end: walked for refusals only (an allowed call would stream forever)."""
PARAM = re.compile(r"\{(\w+)\}")
NUMBERS = {"seq": "1", "index": "0"}


@dataclass(frozen=True)
class Persona:
    name: str
    roles: frozenset[Role]
    networks: frozenset[str] = frozenset()
    active: bool = True

    @property
    def email(self) -> str:
        return f"{self.name}@walk.example.org"


PERSONAS = (
    *(
        Persona(role.value, frozenset({role}), frozenset({"DU"}) if role is Role.CONVENER else frozenset())
        for role in Role
    ),
    Persona("convener-el", frozenset({Role.CONVENER}), frozenset({"EL"})),
    Persona("deactivated", frozenset(Role), frozenset({"DU"}), active=False),
)


def filled(path: str) -> str:
    return PARAM.sub(lambda m: NUMBERS.get(m.group(1), "x0"), path)


def station(path: str) -> bool:
    return path.startswith("/station")


async def make_accounts(world: World) -> dict[str, str]:
    """The personas' accounts, made by the seeded admin; their session tokens by persona name."""
    for persona in PERSONAS:
        account_id = await world.accounts.invite(ADMIN, persona.email, persona.name, persona.roles, persona.networks)
        if not persona.active:
            await world.accounts.deactivate(ADMIN, account_id)
    return {p.name: organiser_token(SECRET, p.email) for p in PERSONAS}


async def known_everywhere(world: World, tokens: dict[str, str]) -> bool:
    """Every service has read every active persona's account (401 means not yet)."""
    for service in SERVICES:
        path = next(p for m, p in organiser_routes(world.apps[service].routes) if m == "GET" and not station(p))
        for persona in PERSONAS:
            if persona.active:
                headers = {"authorization": f"Bearer {tokens[persona.name]}", "accept": "application/json"}
                if (await world.clients[service].get(filled(path), headers=headers)).status_code == 401:
                    return False
    return True


PAGE_TOKEN = "p" * 43
"""A page's CSRF token and its cookie: the web guard lets every call through to the access check."""


async def call(client: httpx.AsyncClient, method: str, path: str, token: str | None) -> int:
    headers = {"accept": "application/json"} | ({"authorization": f"Bearer {token}"} if token else {})
    headers |= {"x-csrf-token": PAGE_TOKEN, "cookie": f"congress_csrf={PAGE_TOKEN}"}  # as a script on a page sends
    body = {"json": {}} if method != "GET" else {}
    return (await client.request(method, filled(path), headers=headers, **body)).status_code


def expected(service: str, method: str, path: str, persona: Persona | None) -> str:
    if persona is None or not persona.active:
        return "403" if station(path) else "401"
    rule = TABLES[service][1].get((method, path))
    grant = decide(rule, persona.email, persona.roles, persona.networks)
    return "allowed" if grant is not None else "403"


async def test_every_organiser_route_with_every_role_answers_as_its_table_says(
    tmp_path: Path, kafka_bootstrap: str, topic_prefix: str, stripe_mock_url: str
) -> None:
    with RecordingSink() as sink:
        async with every_service(tmp_path, kafka_bootstrap, topic_prefix, stripe_mock_url, sink.port) as world:
            tokens = await make_accounts(world)
            await eventually(lambda: known_everywhere(world, tokens), timeout=90)
            wrong: list[str] = []
            walked = 0
            for service in SERVICES:
                routes = organiser_routes(world.apps[service].routes)
                assert routes, service
                for method, path in routes:
                    for persona in (None, *PERSONAS):
                        want = expected(service, method, path, persona)
                        if want == "allowed" and (service, path) in STREAMS:
                            continue
                        token = tokens[persona.name] if persona else None
                        got = await call(world.clients[service], method, path, token)
                        walked += 1
                        ok = got not in (401, 403) if want == "allowed" else str(got) == want
                        if not ok:
                            who = persona.name if persona else "anonymous"
                            wrong.append(f"{service} {method} {path} as {who}: {got}, expected {want}")
            assert not wrong, "\n".join(wrong)
            assert walked > 500
