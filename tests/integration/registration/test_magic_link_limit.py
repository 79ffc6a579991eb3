"""A sign-in form must not be a way to flood someone's inbox: a few links an hour per registration."""

from __future__ import annotations

from datetime import timedelta

from schemas.registration import MagicLinkRequestedV2
from tests.forms import submit
from tests.integration.registration.conftest import EARLY, Service, delegate
from tests.integration.registration.test_flows import of, published


async def test_sign_in_links_stop_after_the_hourly_limit_and_the_answer_never_changes(offline: Service) -> None:
    client = offline.client
    assert (await client.post("/api/registrations", json={"delegates": [delegate(0)]})).status_code == 201
    limit = offline.deps.config.magic_links_per_hour
    answers = [await client.post("/api/magic-link", json={"email": "aiko0@example.org"}) for _ in range(limit + 3)]
    assert {a.status_code for a in answers} == {202} and len({a.text for a in answers}) == 1
    page = await submit(client, "/sign-in", "/sign-in", {"email": "aiko0@example.org"})
    assert "sign-in link is on its way" in page.text  # the same words as for any address
    assert len(of(await published(offline), MagicLinkRequestedV2)) == limit

    offline.deps.clock = lambda: EARLY + timedelta(minutes=61)  # an hour later, one more may go
    await client.post("/api/magic-link", json={"email": "aiko0@example.org"})
    await client.post("/api/magic-link", json={"email": "aiko0@example.org"})
    sent = of(await published(offline), MagicLinkRequestedV2)
    assert len(sent) == limit + 2 and len({s.sealed_link for s in sent}) == len(sent)
