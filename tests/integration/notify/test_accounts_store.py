"""notify's organiser accounts on SQLite and PostgreSQL: two copies seeding the edition file's organisers at
once make each account once; an invitation link works once, and a new invitation ends the old link; an
expired link is refused; a deactivated account cannot sign in at the door."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote

import pytest

from schemas.audit import OrganiserActed
from schemas.organisers import OrganiserAccountChanged, OrganiserInvited
from services.common.accounts import seeded_account_id
from services.common.congress import load_congress
from services.common.db import create_tables, make_engine, make_sessionmaker
from services.common.outbox import Outbox
from services.common.roles import Role
from services.common.sealing import NOTIFY_LINK, unseal
from services.notify.adapters.accounts import SqlAccountUnits
from services.notify.adapters.db import notify_metadata
from services.notify.commands.accounts import Accounts
from services.notify.domain.accounts import AccountRefused

SECRET = "store-secret"


class Staged(Outbox):
    """The real outbox, remembering what each transaction staged (to read the invitation's sealed link)."""

    def __init__(self) -> None:
        super().__init__("/congress/notify")
        self.events: list[object] = []

    def add(self, session, data, **kwargs):  # type: ignore[no-untyped-def]  # the kernel's signature
        self.events.append(data)
        return super().add(session, data, **kwargs)


async def test_accounts_on_each_database(db_url: str) -> None:
    engine = make_engine(db_url)
    await create_tables(engine, notify_metadata)
    outbox, now = Staged(), [datetime(2026, 12, 1, tzinfo=UTC)]
    published: list[OrganiserAccountChanged] = []

    def accounts() -> Accounts:
        return Accounts(
            SqlAccountUnits(make_sessionmaker(engine), outbox),
            SECRET,
            "icsei-2027",
            frozenset({"DU"}),
            "http://notify",
            lambda: now[0],
            published.append,
            invitation_hours=1,
        )

    try:
        organisers = load_congress().organisers
        made = await asyncio.gather(accounts().seed(organisers), accounts().seed(organisers))
        assert sorted(made) == [0, len(organisers)] and len(await accounts().listing()) == len(organisers)

        one = accounts()
        account_id = await one.invite(
            "organiser@icsei.example.org", "desk@x.org", "Desk", frozenset({Role.DESK}), frozenset()
        )
        with pytest.raises(AccountRefused, match="already has an account"):
            await one.invite("organiser@icsei.example.org", "DESK@x.org", "Desk", frozenset({Role.DESK}), frozenset())

        def last_link() -> str:
            invited = [e for e in outbox.events if isinstance(e, OrganiserInvited)][-1]
            link = unseal(SECRET, NOTIFY_LINK, invited.sealed_link, bound_to=invited.subject_id)
            return unquote(link.split("token=", 1)[1])

        first = last_link()
        assert (await one.invited(first)).email == "desk@x.org"
        await one.reinvite("organiser@icsei.example.org", account_id)
        second = last_link()
        with pytest.raises(AccountRefused, match="expired or was used"):
            await one.accept(first, "a long desk password", "a long desk password")
        now[0] += timedelta(hours=2)
        with pytest.raises(AccountRefused, match="expired or was used"):
            await one.accept(second, "a long desk password", "a long desk password")
        now[0] -= timedelta(hours=2)
        await one.reinvite("organiser@icsei.example.org", account_id)
        third = last_link()
        assert await one.accept(third, "a long desk password", "a long desk password") == "desk@x.org"
        with pytest.raises(AccountRefused):
            await one.accept(third, "another long password", "another long password")
        assert await one.check_password("desk@x.org", "a long desk password") == "desk@x.org"
        assert await one.check_password("desk@x.org", "wrong password!!") is None
        await one.deactivate("organiser@icsei.example.org", account_id)
        assert await one.check_password("desk@x.org", "a long desk password") is None
        assert published[-1].active is False and published[-1].sessions_valid_after == now[0]
        recorded = [(e.action, e.actor) for e in outbox.events if isinstance(e, OrganiserActed)]
        admin = seeded_account_id(SECRET, "organiser@icsei.example.org")  # by account id (decision 75)
        assert recorded == [
            ("notify.account.invite", admin),
            ("notify.account.invite", admin),
            ("notify.account.invite", admin),
            ("notify.account.password", account_id),
            ("notify.account.deactivate", admin),
        ]
    finally:
        await engine.dispose()
