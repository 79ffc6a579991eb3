"""Issue 13: a delegate's own history for organisers. Registration keeps every audit record that names a
delegate, from every service (``congress.audit`` through real Kafka), and answers one registration's
history newest first, as JSON and through the ``_audit_history.html`` partial."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from schemas import topics
from schemas.audit import ActorKind, OrganiserActed, SubjectKind
from services.common.accounts import AccountDirectory, seeded_account_id
from services.common.auth import organiser_token
from services.common.organiser_sessions import ConfiguredOrganisers
from services.registration.commands import history
from services.registration.web.history import history_rows
from services.registration.web.pages import templates_for
from tests.integration.registration.conftest import (
    EARLY,
    Service,
    close_service,
    congress_file,
    delegate,
    open_service,
    settings_for,
)
from tests.integration.registration.test_audit import delegate_of
from tests.kafka_helpers import eventually, publish

SEEDED = "organiser@icsei.example.org"
AUTH = {"authorization": f"Bearer {organiser_token('test-secret', SEEDED)}"}


def reprint(delegate_id: str, n: int = 1) -> OrganiserActed:
    """A record another service (badges) published about the delegate."""
    return OrganiserActed(
        audit_id=f"badges-{n}",
        at=EARLY + timedelta(hours=n),
        service="badges",
        actor_kind=ActorKind.STATION,
        actor="st-desk1",
        action="badges.reprint",
        subject_kind=SubjectKind.DELEGATE,
        subject_id=delegate_id,
        delegate_id=delegate_id,
        details={"print_count": 2},
    )


async def history_of(client: httpx.AsyncClient, rid: str) -> list[dict[str, Any]]:
    answer = await client.get(f"/api/organiser/registrations/{rid}/audit", headers=AUTH)
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()
    return found


async def test_records_from_every_service_reach_the_delegates_history(
    db_url: str, stripe_mock_url: str, kafka_bootstrap: str, topic_prefix: str, tmp_path: Path
) -> None:
    settings = settings_for(
        db_url, stripe_mock_url, congress_file(tmp_path), kafka=kafka_bootstrap, prefix=topic_prefix
    )
    service = await open_service(settings, kafka=True)
    try:
        created = await service.client.post("/api/registrations", json={"delegates": [delegate(1)]})
        rid = created.json()["payer_id"]
        delegate_id = await delegate_of(service, rid)
        cancel = {"reason": "visa refused"}
        assert (
            await service.client.post(f"/api/organiser/registrations/{rid}/cancel", json=cancel, headers=AUTH)
        ).is_success
        other = reprint(delegate_id)
        nobody = other.model_copy(update={"audit_id": "abstracts-1", "delegate_id": None, "subject_id": "abs_1"})
        await publish(kafka_bootstrap, topic_prefix + topics.AUDIT, [other, nobody], key=delegate_id.encode())

        async def both() -> list[dict[str, Any]] | None:
            found = await history_of(service.client, rid)
            return found if len(found) == 2 else None

        found = await eventually(both, timeout=60)
        assert [r["action"] for r in found] == ["badges.reprint", "registration.cancel"]  # newest first
        assert found[1]["reason"] == "visa refused" and found[1]["actor"] == seeded_account_id("test-secret", SEEDED)
        assert found[0]["details"] == {"print_count": 2} and found[0]["actor_kind"] == "station"
        async with service.deps.units.read() as tx:
            assert len(await tx.history.of_delegate("abs_1", limit=10)) == 0  # a record naming no delegate: not kept
    finally:
        await close_service(service, kafka=True)


async def test_history_is_kept_once_answers_404_for_no_registration_and_renders(offline: Service) -> None:
    created = await offline.client.post("/api/registrations", json={"delegates": [delegate(2)]})
    rid = created.json()["payer_id"]
    delegate_id = await delegate_of(offline, rid)
    async with offline.deps.units.begin() as tx:
        assert await history.keep(tx, reprint(delegate_id, 1))
        assert not await history.keep(tx, reprint(delegate_id, 1))  # redelivered: kept once
        assert await history.keep(tx, reprint(delegate_id, 2).model_copy(update={"reason": "<b>torn</b>"}))
    assert [r["audit_id"] for r in await history_of(offline.client, rid)] == ["badges-2", "badges-1"]
    assert (await offline.client.get(f"/api/organiser/registrations/{rid}/audit")).status_code == 401
    assert (await offline.client.get("/api/organiser/registrations/nope/audit", headers=AUTH)).status_code == 404

    records = await history.of_registration(offline.deps, rid)
    partial = templates_for(offline.deps).env.get_template("_audit_history.html")
    accounts = AccountDirectory(ConfiguredOrganisers(offline.deps.congress), lambda e: seeded_account_id("s", e))
    html = partial.render(history=history_rows(records, offline.deps.congress.tz, accounts))
    assert html.count("<tr>") == 3 and "badges.reprint" in html and "print_count=2" in html
    assert "&lt;b&gt;torn&lt;/b&gt;" in html and "<b>torn" not in html  # escaped
    assert "No organiser or automatic action" in partial.render(history=[])
