"""notify's own events about mail (``NotificationSent``, ``NotificationFailed``) are sealed with the key of the
recipient's person (their address's pseudonym), not the event subject's (an abstract or reviewer id): an author's
erasure (``AuthorErased``) shreds notify's keys for them, so the mail sent to them reads ``erased`` in the topic's
history, and mail to others stays readable. Real SQL on each database, notify's unit and the kernel's keyring."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from schemas import topics
from schemas.abstracts import AuthorErased
from schemas.base import decode, new_event
from schemas.notify import NotificationFailed, NotificationSent
from schemas.personal import ERASED
from schemas.registration import RegistrationErased
from services.common.db import create_tables, make_engine, make_sessionmaker
from services.common.key_follower import KeyFollower
from services.common.keyring import Keyring, person_keys_table, person_ref
from services.common.outbox import Outbox, outbox_table
from services.common.unit_of_work import transaction
from services.notify.adapters.db import notify_metadata
from services.notify.adapters.unit import SqlUnitFor
from services.notify.subscriptions import Subscriptions

SECRET = "notify-seal-secret"


def sent(to: str, abstract_id: str) -> NotificationSent:
    return NotificationSent(
        recipient_id=abstract_id,
        template="abstract_decided",
        cause_event_id=f"cause-{len(to)}",
        message_id=f"<{abstract_id}.{len(to)}@congress>",
        to=to,
        subject="Your abstract Erinsurname et al.",
        abstract_id=abstract_id,
    )


async def test_mail_sent_to_an_author_is_shredded_by_their_erasure(db_url: str) -> None:
    engine = make_engine(db_url)
    await create_tables(engine, notify_metadata)
    sessions = make_sessionmaker(engine)
    keyring = Keyring(SECRET, "notify")
    outbox = Outbox("/congress/notify", keyring)
    try:
        async with transaction(sessions, outbox) as uow:
            uow.stage(sent("erin@x.example", "a-1"))
            uow.stage(sent("carla@x.example", "a-1"))  # a co-author of the same abstract: the same event subject
            uow.stage(sent("dana@x.example", "d-1"))  # a delegate
            failed = NotificationFailed(
                recipient_id="a-1",
                template="abstract_decided",
                cause_event_id="c",
                message_id="<m@congress>",
                to="erin@x.example",
                reason="550 no mailbox erin@x.example",
                permanent=True,
                abstract_id="a-1",
            )
            uow.stage(failed)
        async with sessions() as session:
            subjects = set((await session.execute(select(person_keys_table.c.subject))).scalars())
        erin, carla = person_ref(SECRET, "erin@x.example"), person_ref(SECRET, "carla@x.example")
        dana = person_ref(SECRET, "dana@x.example")
        assert subjects == {erin, carla, dana}  # each recipient's own key, none for the abstract or delegate id

        erased = AuthorErased(
            congress_id="icsei-2027",
            person_ref=erin,
            abstracts=1,
            reviewer=False,
            erased_at=datetime(2027, 1, 5, tzinfo=UTC),
            erased_by="chair@x.example",
        )
        delegate_erased = RegistrationErased(
            congress_id="icsei-2027",
            registration_id="r-1",
            delegate_id="d-1",
            registration_version=2,
            erased_at=datetime(2027, 1, 5, tzinfo=UTC),
            erased_by="delegate",
            person_ref=dana,
        )
        table = Subscriptions(None, SqlUnitFor(outbox), None, SECRET).handlers()  # type: ignore[arg-type]
        for event in (erased, delegate_erased):
            async with transaction(sessions, outbox) as uow:
                await table[type(event)](new_event(event, "/test"), uow.session)

        reader = Keyring(SECRET, "console")
        follower = KeyFollower("unused:9092", reader)
        async with sessions() as session:
            rows = (await session.execute(select(outbox_table).order_by(outbox_table.c.id))).all()
        for row in rows:
            if row.topic == topics.KEYS:
                follower.apply(row.key, row.value)
        events = [decode(r.value, reader.opener(final=False)).data for r in rows if r.topic == topics.NOTIFY]
        to_erin, to_carla, to_dana, failure = events
        assert isinstance(to_dana, NotificationSent) and (to_dana.to, to_dana.subject) == (ERASED, ERASED)
        assert isinstance(to_erin, NotificationSent) and isinstance(to_carla, NotificationSent)
        assert (to_erin.to, to_erin.subject) == (ERASED, ERASED)
        assert isinstance(failure, NotificationFailed) and (failure.to, failure.reason) == (ERASED, ERASED)
        assert (to_carla.to, to_carla.subject) == ("carla@x.example", "Your abstract Erinsurname et al.")
        assert all(b"erin@x.example" not in r.value and b"dana@" not in r.value for r in rows if r.value)
    finally:
        await engine.dispose()
