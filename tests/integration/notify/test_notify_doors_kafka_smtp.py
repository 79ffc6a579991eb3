"""notify and issue 12's registration-abuse events end to end: real Kafka in, a real SMTP server out, on SQLite
and PostgreSQL. An invoice payer is reminded before the hold ends and told when the place is released; an
address someone tried to register again gets a notice with no sign-in link -- each once, in the delegate's
language, also when the same events are published again."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from schemas import topics
from schemas.base import CloudEvent, EventData, new_event
from schemas.registration import (
    InvoiceHoldEnding,
    RegistrationAttemptedForExistingAddress,
    RegistrationCancelled,
    RegistrationConfirmed,
)
from schemas.values import Money, PaymentMethod
from services.notify.app import CONSUMER, build
from services.notify.config import NotifySettings
from tests.integration.notify.sink import RecordingSink
from tests.integration.notify.test_notify_abstracts_kafka_smtp import consumed_everything, key, text
from tests.integration.notify.test_notify_kafka_smtp import delegate, ids
from tests.kafka_helpers import eventually, publish

WHEN = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
FEE = Money(amount_minor=42000, currency="EUR")
ELODIE = delegate(1, "Élodie", "Durand", "elodie@example.org", "fr")
JONAS = delegate(2, "Jonas", "Weber", "jonas@example.org", "de")
LUCIA = delegate(3, "Lucía", "García", "lucia@example.org", "es")
EXPECTED = Counter(
    {
        ("elodie@example.org", "invoice_hold_ending"): 1,
        ("elodie@example.org", "registration_released"): 1,
        ("jonas@example.org", "registration_attempted"): 1,
        ("lucia@example.org", "registration_attempted"): 1,
    }
)


def events() -> list[CloudEvent[EventData]]:
    confirmed = [
        RegistrationConfirmed(
            **ids(d), registration_version=1, delegate=d, total=FEE, payment_method=PaymentMethod.INVOICE
        )
        for d in (ELODIE, JONAS, LUCIA)
    ]
    ending = InvoiceHoldEnding(
        **ids(ELODIE),
        invoice_number="ICSEI27-INV-0007",
        hold_until=WHEN + timedelta(days=7),
        amount_due=FEE,
        registration_numbers=(ELODIE.registration_number,),
        email=ELODIE.email,
        language="fr",
    )
    released = RegistrationCancelled(
        **ids(ELODIE), registration_version=2, reason="invoice_unpaid", cancelled_by="system"
    )
    attempts = [
        RegistrationAttemptedForExistingAddress(
            **ids(d),
            registration_number=d.registration_number,
            email=d.email,
            language=d.language,
            attempted_at=WHEN,
            sign_in_url="https://reg.example.org/sign-in",
        )
        for d in (JONAS, LUCIA)
    ]
    return [new_event(data, "/registration") for data in (*confirmed, ending, released, *attempts)]


async def test_invoice_holds_and_repeat_registrations_are_told_once_in_the_delegates_language(
    kafka_bootstrap: str, topic_prefix: str, db_url: str, tmp_path: Path
) -> None:
    topic = topic_prefix + topics.REGISTRATION
    published = events()
    with RecordingSink() as sink:
        settings = NotifySettings(
            kafka_bootstrap_servers=kafka_bootstrap,
            kafka_topic_prefix=topic_prefix,
            database_url=db_url,
            smtp_host="127.0.0.1",
            smtp_port=sink.port,
            embedded_sink=False,
            mail_dir=str(tmp_path / "mail"),
        )
        _, app = build(settings)

        def ours() -> Counter[tuple[str, str]]:
            return Counter(k for k in map(key, sink.handler.snapshot()) if k in EXPECTED)

        async with app.router.lifespan_context(app):
            await publish(kafka_bootstrap, topic, published)
            await eventually(lambda: ours() == EXPECTED, timeout=90)
            await eventually(lambda: consumed_everything(kafka_bootstrap, topic, topic_prefix + CONSUMER), timeout=60)
            await publish(kafka_bootstrap, topic, published)  # the same CloudEvents again
            await eventually(lambda: consumed_everything(kafka_bootstrap, topic, topic_prefix + CONSUMER), timeout=60)
            got = sink.handler.snapshot()
    assert ours() == EXPECTED, "a redelivered event sent mail again"
    by_key = {key(m): m for m in got}
    reminder = by_key[("elodie@example.org", "invoice_hold_ending")]
    assert "ICSEI27-INV-0007" in str(reminder["Subject"]) and "n’est pas encore payée" in str(reminder["Subject"])
    assert "27 novembre 2026" in text(reminder) and "420,00" in text(reminder)
    released = by_key[("elodie@example.org", "registration_released")]
    assert "votre place a été libérée" in str(released["Subject"])
    german = by_key[("jonas@example.org", "registration_attempted")]
    assert "mit Ihrer Adresse anzumelden" in str(german["Subject"]) and "ICSEI27-00002" in text(german)
    spanish = text(by_key[("lucia@example.org", "registration_attempted")])
    assert "https://reg.example.org/sign-in" in spanish and "/me/" not in spanish  # how to sign in, not a way in
