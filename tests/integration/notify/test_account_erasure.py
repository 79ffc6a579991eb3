"""Erasing an organiser account in notify's database, on SQLite and PostgreSQL: afterwards no row holds the
organiser's address or name — not even the audit records of what they did themselves (their own password set,
an invitation they sent), which name their account by id (decision 75); the account's id and when stay; its
snapshots and invitations leave the outbox, a tombstone for the account (and each invitation) is staged on
``congress.organisers``, the invitations' data keys are shredded; mail to the same address for another cause
is left for that person's own erasure."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from sqlalchemy import insert, select

from schemas import topics
from schemas.audit import OrganiserActed
from schemas.base import decode
from schemas.organisers import OrganiserInvited
from services.common.db import create_tables, make_engine, make_sessionmaker
from services.common.key_table import person_keys_table
from services.common.keyring import Keyring
from services.common.outbox import Outbox, outbox_table
from services.common.roles import Role
from services.common.sealing import NOTIFY_LINK, unseal
from services.notify.adapters.accounts import SqlAccountUnits, erased_accounts, organiser_accounts
from services.notify.adapters.db import messages, notify_metadata, pending
from services.notify.commands.accounts import Accounts
from services.notify.domain.links import ACCESS_TEMPLATE
from tests.integration.privacy_search import rows_naming

SECRET = "erasure-secret"
ADMIN = "organiser@icsei.example.org"
EMAIL, NAME = "zelda.quist@example.org", "Zelda Quist"
PASSWORD = "a long desk password"
NOW = datetime(2026, 12, 1, tzinfo=UTC)


def mail(table: Any, message_id: str, recipient_id: str, to: str, template: str = ACCESS_TEMPLATE) -> dict[str, Any]:
    """A ledger (or queue) row as notify's sender leaves one."""
    row: dict[str, Any] = {
        "message_id": message_id,
        "cause_event_id": f"cause-{message_id}",
        "template": template,
        "recipient_id": recipient_id,
        "to": to,
        "subject": f"ICSEI 2027: for {NAME}",
        "attempts": 1,
    }
    if table is messages:
        return row | {"status": "sent", "detail": f"250 OK {to}", "recorded_at": NOW}
    return row | {
        "sender": "s@icsei.example.org",
        "message": f"To: {NAME} <{to}>\r\n\r\nHello {NAME}".encode(),
        "smtputf8": False,
        "cause_event": b"{}",
        "cause_topic": topics.ORGANISERS,
        "next_attempt_at": NOW,
        "last_error": "",
    }


def accounts_on(units: SqlAccountUnits, **options: Any) -> Accounts:
    """notify's accounts over ``units``, at ``NOW``, publishing snapshots nowhere (``options``: ``listed``, …)."""
    return Accounts(units, SECRET, "icsei-2027", frozenset(), "http://notify", lambda: NOW, lambda _s: None, **options)


async def test_erasing_an_account_leaves_nothing_of_the_person_in_notifys_database(db_url: str) -> None:
    engine = make_engine(db_url)
    await create_tables(engine, notify_metadata)
    sessions = make_sessionmaker(engine)
    keyring = Keyring(SECRET, "notify")
    outbox = Outbox("/congress/notify", keyring)
    invited: list[OrganiserInvited] = []
    forgotten: list[str] = []
    accounts = accounts_on(
        SqlAccountUnits(sessions, outbox), listed=lambda: frozenset({ADMIN}), forgotten=forgotten.append
    )
    try:
        account_id = await accounts.invite(ADMIN, EMAIL, NAME, frozenset({Role.DESK}), frozenset())
        await accounts.reinvite(ADMIN, account_id)  # two invitations: the first one's record stays in the outbox
        async with sessions() as session:
            for row in (await session.execute(select(outbox_table.c.value))).scalars():
                data = decode(outbox.open_value(row)).data if row else None
                if isinstance(data, OrganiserInvited):
                    invited.append(data)
        assert [i.email for i in invited] == [EMAIL, EMAIL]
        link = unseal(SECRET, NOTIFY_LINK, invited[-1].sealed_link, bound_to=invited[-1].subject_id)
        await accounts.accept(unquote(link.split("token=", 1)[1]), PASSWORD, PASSWORD)
        colleague = await accounts.invite(
            EMAIL, "colleague@example.org", "A Colleague", frozenset({Role.DESK}), frozenset()
        )
        first, second = (i.subject_id for i in invited)
        async with sessions.begin() as session:  # the invitations as notify's sender mailed them, one queued again
            await session.execute(
                insert(messages), [mail(messages, "m1", first, EMAIL), mail(messages, "m2", second, EMAIL)]
            )
            await session.execute(insert(pending), [mail(pending, "m2", second, EMAIL)])
        await accounts.deactivate(ADMIN, account_id)
        assert await rows_naming(db_url, [EMAIL, NAME])  # the search finds them before

        await accounts.erase(ADMIN, account_id)

        assert forgotten == [account_id]
        async with sessions() as session:
            left = (await session.execute(select(organiser_accounts.c.account_id))).scalars().all()
            assert left == [colleague]  # the account she invited is not hers
            kept = (await session.execute(select(erased_accounts))).one()
            at = kept.erased_at if kept.erased_at.tzinfo else kept.erased_at.replace(tzinfo=UTC)  # SQLite: naive
            assert (kept.account_id, at) == (account_id, NOW)
            rows = (await session.execute(select(outbox_table).order_by(outbox_table.c.id))).all()
            ledger = (await session.execute(select(messages.c.message_id, messages.c.to, messages.c.status))).all()
            queued = (await session.execute(select(pending.c.message_id))).scalars().all()
            keys = (await session.execute(select(person_keys_table))).all()
        organisers = [(bytes(r.key).decode(), r.value) for r in rows if r.topic == topics.ORGANISERS]
        hers = [(key, value) for key, value in organisers if key in (account_id, first, second)]
        assert len(hers) == 3 and set(hers) == {(account_id, None), (first, None), (second, None)}
        shredded = {bytes(r.key).decode() for r in rows if r.topic == topics.KEYS and r.value is None}
        assert shredded  # the invitations' keys: a tombstone each on congress.keys, only erasure marks left
        assert sorted((k.subject, bytes(k.wrapped_key)) for k in keys if k.subject in (first, second)) == sorted(
            [(first, b""), (second, b"")]
        )
        assert sorted(tuple(r) for r in ledger) == [("m1", "", "sent"), ("m2", "", "sent")] and queued == []
        audit = [decode(outbox.open_value(r.value)).data for r in rows if r.topic == topics.AUDIT]
        assert isinstance(audit[-1], OrganiserActed) and audit[-1].action == "notify.account.erase"
        by_her = [(a.action, a.subject_id) for a in audit if isinstance(a, OrganiserActed) and a.actor == account_id]
        assert by_her == [("notify.account.password", account_id), ("notify.account.invite", colleague)]  # by id

        assert await rows_naming(db_url, [EMAIL, NAME]) == []  # nowhere: no row, no outbox record, no audit actor
        assert [r.id for r in rows if r.value and EMAIL.encode() in r.value] == []
    finally:
        await engine.dispose()


async def test_mail_to_the_same_address_for_another_cause_is_not_the_accounts(db_url: str) -> None:
    engine = make_engine(db_url)
    await create_tables(engine, notify_metadata)
    sessions = make_sessionmaker(engine)
    accounts = accounts_on(SqlAccountUnits(sessions, Outbox("/congress/notify", Keyring(SECRET, "notify"))))
    try:
        account_id = await accounts.invite(ADMIN, EMAIL, NAME, frozenset({Role.DESK}), frozenset())
        async with sessions.begin() as session:  # the same person registered as a delegate: their confirmation
            await session.execute(
                insert(messages), [mail(messages, "d1", "delegate-7", EMAIL, "registration_confirmed")]
            )
        await accounts.deactivate(ADMIN, account_id)
        await accounts.erase(ADMIN, account_id)
        async with sessions() as session:
            ledger = (await session.execute(select(messages.c.message_id, messages.c.to))).all()
        assert [tuple(r) for r in ledger] == [("d1", EMAIL)]
    finally:
        await engine.dispose()


async def test_two_erasures_of_one_account_at_once_erase_it_once(db_url: str) -> None:
    """Two admins press Erase together: both passed the checks before either committed; the second's erasure
    waits for the first's commit and then does nothing (the command refuses it), never a database error."""
    engine = make_engine(db_url)
    await create_tables(engine, notify_metadata)
    sessions = make_sessionmaker(engine)
    outbox = Outbox("/congress/notify", Keyring(SECRET, "notify"))
    units = SqlAccountUnits(sessions, outbox)
    accounts = accounts_on(units)

    async def second_erasure(record: Any) -> bool:
        async with units() as unit:
            return await unit.erase(record, NOW)

    try:
        account_id = await accounts.invite(ADMIN, EMAIL, NAME, frozenset({Role.DESK}), frozenset())
        await accounts.deactivate(ADMIN, account_id)
        async with units() as first:
            record = await first.accounts.by_id(account_id)
            assert record is not None
            assert await first.erase(record, NOW)
            second = asyncio.create_task(second_erasure(record))
            await asyncio.sleep(0.3)
            assert not second.done()  # it waits for the first transaction
        assert await second is False
        async with sessions() as session:
            assert (await session.execute(select(erased_accounts.c.account_id))).scalars().all() == [account_id]
    finally:
        await engine.dispose()
