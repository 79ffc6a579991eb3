"""One scenario against real Kafka: the events on the topics, decoded through the schema models."""

from __future__ import annotations

import re
from pathlib import Path

from schemas import decode, topics
from schemas.delegates import DelegateSnapshot
from schemas.registration import (
    InvoiceIssued,
    MagicLinkRequestedV2,
    PaymentSucceeded,
    RegistrationConfirmed,
    RegistrationCreatedV2,
    RegistrationErased,
)
from services.common.accounts import seeded_account_id
from services.common.auth import organiser_token
from services.common.sealing import NOTIFY_LINK, unseal
from services.registration.adapters.stripe import checkout_event, sign_webhook
from services.registration.commands import links
from tests.integration.registration.conftest import (
    WEBHOOK_SECRET,
    close_service,
    congress_file,
    delegate,
    open_service,
    settings_for,
)
from tests.kafka_helpers import read_records

SIGNED_TOKEN = re.compile(rb"eyJ[\w-]+\.[\w-]+\.[\w-]+")
"""A signed token (itsdangerous, a JSON payload) as a link carries it."""

INVOICE = {
    "institution_name": "Universidade de São Paulo",
    "institution_address": "Rua 1\nSão Paulo",
    "email": "billing@example.org",
    "vat_id": "BR123",
}


async def test_events_reach_kafka(
    db_url: str, stripe_mock_url: str, kafka_bootstrap: str, topic_prefix: str, tmp_path: Path
) -> None:
    settings = settings_for(
        db_url, stripe_mock_url, congress_file(tmp_path), kafka=kafka_bootstrap, prefix=topic_prefix
    )
    service = await open_service(settings, kafka=True)
    try:
        card = (
            await service.client.post(
                "/api/registrations",
                json={"delegates": [delegate(0, given_name="محمد", family_name="العلي", country="EG", language="ar")]},
            )
        ).json()
        event = checkout_event(
            "checkout.session.completed",
            session_id="cs_k",
            payer_id=card["payer_id"],
            amount_minor=card["total"],
            currency="EUR",
            payment_status="paid",
            payment_intent="pi_k",
        )
        await service.client.post(
            "/stripe/webhook", content=event, headers={"stripe-signature": sign_webhook(event, WEBHOOK_SECRET)}
        )
        invoice = (
            await service.client.post(
                "/api/registrations",
                json={
                    "delegates": [delegate(1, country="BR", language="pt")],
                    "payment_method": "invoice",
                    "invoice": INVOICE,
                },
            )
        ).json()
        assert await links.request_sign_in(service.deps, "aiko1@example.org") == 1
        auth = {"authorization": f"Bearer {organiser_token('test-secret', 'organiser@icsei.example.org')}"}
        erase = f"/api/organiser/registrations/{invoice['payer_id']}/erase"
        assert (await service.client.post(erase, headers=auth)).status_code == 409  # the invoice is unpaid
        cancel = f"/api/organiser/registrations/{invoice['payer_id']}/cancel"
        assert (await service.client.post(cancel, json={"reason": "GDPR request"}, headers=auth)).status_code == 200
        assert (await service.client.post(erase, headers=auth)).status_code == 200

        records = await read_records(kafka_bootstrap, topic_prefix + topics.REGISTRATION, until=lambda rs: len(rs) >= 9)
        opener = service.runtime.keyring.opener(final=True)  # personal fields open with the service's own keys
        events = [decode(r.value, opener).data for r in records]
        kinds = sorted(type(e).__name__ for e in events)
        assert kinds == sorted(
            [
                "RegistrationCreatedV2",
                "PaymentSucceeded",
                "RegistrationConfirmed",
                "RegistrationCreatedV2",
                "RegistrationConfirmed",
                "InvoiceIssued",
                "MagicLinkRequestedV2",
                "RegistrationCancelled",
                "RegistrationErased",
            ]
        )
        confirmed = [e for e in events if isinstance(e, RegistrationConfirmed)]
        arabic = next(e for e in confirmed if e.delegate.language == "ar")
        assert arabic.delegate.given_name == "محمد" and arabic.delegate.country == "EG"
        assert arabic.total.amount_minor == 26000 and arabic.payment_method.value == "card"
        assert all(r.key == e.delegate_id.encode() for r, e in zip(records, events, strict=True))
        assert next(e for e in events if isinstance(e, InvoiceIssued)).total.amount_minor == 52000 * 75 // 100
        sign_in = next(e for e in events if isinstance(e, MagicLinkRequestedV2))
        link = unseal("test-secret", NOTIFY_LINK, sign_in.sealed_link, bound_to=sign_in.registration_id)
        assert link.startswith("http://testserver/me/")  # notify opens it; on the topic it is sealed
        assert not any(SIGNED_TOKEN.search(r.value or b"") for r in records)  # no pay, view or sign-in token
        assert len([e for e in events if isinstance(e, RegistrationCreatedV2)]) == 2
        assert len([e for e in events if isinstance(e, PaymentSucceeded)]) == 1

        # Both delegates' snapshots and the erased one's tombstone (they are on different partitions).
        snaps = await read_records(
            kafka_bootstrap,
            topic_prefix + topics.DELEGATES,
            until=lambda rs: any(r.value is None for r in rs) and len({r.key for r in rs}) >= 2,
        )
        tombstones = [r for r in snaps if r.value is None]
        assert len(tombstones) == 1
        live = [decode(r.value, opener).data for r in snaps if r.value is not None]
        assert all(isinstance(s, DelegateSnapshot) for s in live)
        erased = next(e for e in events if isinstance(e, InvoiceIssued)).delegate_id
        assert tombstones[0].key == erased.encode()  # the erased delegate
        assert [r for r in snaps if r.key == erased.encode()][-1].value is None  # last for its key
        gone = next(e for e in events if isinstance(e, RegistrationErased))
        assert gone.delegate_id == erased and gone.erased_by == seeded_account_id(
            "test-secret", "organiser@icsei.example.org"
        )
        assert {s.delegate_id for s in live} == {e.delegate_id for e in events}
    finally:
        await close_service(service, kafka=True)
