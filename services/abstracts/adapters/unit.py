"""The concrete unit of work: the kernel's transaction (``services.common.unit_of_work``) with this
service's stores on its session. Commands see it only as ``ports.Unit``/``ports.Units``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from schemas.base import EventData
from services.abstracts.adapters.audience_db import SqlAudience
from services.abstracts.adapters.notices import SqlNoticesShown
from services.abstracts.adapters.presenter_marks import SqlPresenterMarks
from services.abstracts.adapters.profiles import SqlReviewerProfiles
from services.abstracts.adapters.programme_db import SqlProgrammeStore
from services.abstracts.adapters.staged import SqlStagedDecisions
from services.abstracts.adapters.store import SqlAbstractStore
from services.common.outbox import Outbox
from services.common.unit_of_work import UnitOfWork, transaction


class SqlUnit:
    """The stores of one transaction, and its staged events (written to the outbox before the commit)."""

    def __init__(self, uow: UnitOfWork, *, read_only: bool = False) -> None:
        self.uow, self.read_only = uow, read_only
        self.abstracts = SqlAbstractStore(uow.session)
        self.programme = SqlProgrammeStore(uow.session)
        self.marks = SqlPresenterMarks(uow.session)
        self.audience = SqlAudience(uow.session)
        self.staged = SqlStagedDecisions(uow.session)
        self.profiles = SqlReviewerProfiles(uow.session)
        self.notices = SqlNoticesShown(uow.session)

    def stage(self, event: EventData) -> None:
        if self.read_only:  # nothing would write or commit it: refuse instead of losing it
            raise RuntimeError(f"{type(event).__name__} staged in a unit that only reads")
        self.uow.stage(event)


class SqlUnits:
    """Opens units of work on the service's database."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], outbox: Outbox) -> None:
        self.sessionmaker = sessionmaker
        self.outbox = outbox

    @asynccontextmanager
    async def __call__(self) -> AsyncIterator[SqlUnit]:
        async with transaction(self.sessionmaker, self.outbox) as uow:
            yield SqlUnit(uow)

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[SqlUnit]:
        async with self.sessionmaker() as session:
            yield SqlUnit(UnitOfWork(session, self.outbox), read_only=True)

    def on(self, session: AsyncSession) -> SqlUnit:
        """A unit on a session a kernel consumer gives its handler (the consumer writes staged events and commits)."""
        return SqlUnit(UnitOfWork(session, self.outbox))
