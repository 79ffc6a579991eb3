"""An organiser's account from invitation to deactivation, through every service on real Kafka and SMTP.

The seeded admin invites a programme chair; the email reaches the SMTP sink with a link that is not on
the topic in clear; the chair sets a password (the link then stops working), signs in at notify and is
let into what a chair may use and refused the rest; a change of roles takes effect in every service;
deactivation refuses the open session in every service.
"""

from __future__ import annotations

import re
from email.message import EmailMessage
from pathlib import Path

import httpx

from schemas import topics
from services.common.auth import ORGANISER_COOKIE
from tests.forms import submit
from tests.integration.notify.sink import RecordingSink
from tests.integration.organisers.harness import ADMIN, ADMIN_PASSWORD, World, every_service
from tests.kafka_helpers import eventually, read_records

CHAIR = "chidi.okafor@example.org"
CHAIR_PASSWORD = "a long chair password"
LINK = re.compile(r"http://notify(/organiser/invitation\?token=\S+)")


def plain(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


async def sign_in(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    data = {"email": email, "password": password, "next": "/organiser/me"}
    return await submit(client, "/organiser/login", "/organiser/login", data)


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}", "accept": "application/json"}


async def answers(world: World, token: str) -> dict[str, int]:
    """What each service answers the session on one route it has for organisers."""
    probes = {
        "console": "/api/figures",
        "registration": "/api/organiser/registrations",
        "abstracts": "/api/organiser/abstracts",
        "badges": "/organiser/badges",
        "notify": "/organiser/accounts",
    }
    return {
        name: (await world.clients[name].get(path, headers=bearer(token))).status_code for name, path in probes.items()
    }


async def test_invite_set_password_sign_in_change_roles_deactivate(
    tmp_path: Path, kafka_bootstrap: str, topic_prefix: str, stripe_mock_url: str
) -> None:
    with RecordingSink() as sink:
        async with every_service(tmp_path, kafka_bootstrap, topic_prefix, stripe_mock_url, sink.port) as world:
            notify = world.clients["notify"]
            assert (await sign_in(notify, ADMIN, ADMIN_PASSWORD)).status_code == 303
            page = await notify.get("/organiser/accounts")
            assert page.status_code == 200 and "Only their own network" not in page.text
            assert "Abstracts, reviewers and decisions of their own network(s) only" in page.text

            invited = await submit(
                notify,
                "/organiser/accounts",
                "/organiser/accounts",
                {"email": CHAIR, "name": "Chidi Okafor", "roles": ["programme_chair"]},
            )
            assert invited.status_code == 303, invited.text[-500:]

            def invitation() -> EmailMessage | None:
                return next((m for m in sink.handler.snapshot() if m["To"].addresses[0].addr_spec == CHAIR), None)

            await eventually(lambda: invitation() is not None, timeout=60)
            mail = invitation()
            assert mail is not None and "you are invited to organise" in plain(mail)
            assert str(mail["Subject"]) == "ICSEI 2027: you are invited to organise"
            found = LINK.search(plain(mail))
            assert found, plain(mail)
            link = found.group(1)
            token_in_link = link.split("token=", 1)[1]
            on_topic = await read_records(
                kafka_bootstrap,
                topic_prefix + topics.ORGANISERS,
                until=lambda rs: any(b"OrganiserInvited" in (r.value or b"") for r in rs),
            )
            raw = b"".join(r.value or b"" for r in on_topic)
            assert b"/organiser/invitation" not in raw and token_in_link.encode() not in raw
            assert b"scrypt$" not in raw  # no password hash on the topic

            browser = httpx.AsyncClient(
                transport=httpx.ASGITransport(app=world.apps["notify"]), base_url="http://notify"
            )
            async with browser:
                assert (await browser.get(link)).status_code == 200
                too_short = await submit(
                    browser,
                    link,
                    "/organiser/invitation",
                    {"token": token_in_link, "password": "short", "again": "short"},
                )
                assert too_short.status_code == 422 and "at least 12 characters" in too_short.text
                data = {"token": token_in_link, "password": CHAIR_PASSWORD, "again": CHAIR_PASSWORD}
                assert (await submit(browser, link, "/organiser/invitation", data)).status_code == 303
                assert (await browser.get(link)).status_code == 410  # single use
                signed_in = await sign_in(browser, CHAIR, CHAIR_PASSWORD)
                assert signed_in.status_code == 303
                token = signed_in.cookies[ORGANISER_COOKIE]

            chair = {"console": 200, "registration": 403, "abstracts": 200, "badges": 403, "notify": 403}

            async def as_chair() -> bool:
                return await answers(world, token) == chair

            await eventually(as_chair, timeout=60)

            account_id = next(a.account_id for a in await world.accounts.listing() if a.email == CHAIR)
            data = {"roles": ["finance"]}
            changed = await submit(notify, "/organiser/accounts", f"/organiser/accounts/{account_id}", data)
            assert changed.status_code == 303
            finance = {"console": 200, "registration": 200, "abstracts": 403, "badges": 403, "notify": 403}

            async def as_finance() -> bool:
                return await answers(world, token) == finance

            await eventually(as_finance, timeout=60)

            gone = await submit(notify, "/organiser/accounts", f"/organiser/accounts/{account_id}/deactivate")
            assert gone.status_code == 303
            assert (await notify.get("/organiser/me", headers=bearer(token))).status_code == 401  # at once here

            async def refused_everywhere() -> bool:
                return set((await answers(world, token)).values()) == {401}

            await eventually(refused_everywhere, timeout=60)
            again = httpx.AsyncClient(transport=httpx.ASGITransport(app=world.apps["notify"]), base_url="http://notify")
            async with again:
                assert (await sign_in(again, CHAIR, CHAIR_PASSWORD)).status_code == 401
