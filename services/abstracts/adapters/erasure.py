"""Erasing a person known by email from abstracts' tables: author entries, submitter addresses, the draft and
published programme's presenters, session chairs named by address, and reviewer records (the rules:
``domain.erasure``)."""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from schemas.personal import ERASED
from services.abstracts.adapters.db import abstracts, reviewers
from services.abstracts.adapters.profiles import bids, reviewer_profiles
from services.abstracts.adapters.programme_db import published, sessions
from services.abstracts.domain import erasure
from services.abstracts.domain.erasure import Erased, IsPerson


class SqlPersonEraser:
    """Finds the person's rows by comparing every stored address's pseudonym (a few thousand at most)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def erase(self, is_person: IsPerson) -> Erased:
        in_programme = await self._published_abstracts()
        changed, submitted = await self._abstracts(is_person, in_programme)
        await self._programme(is_person, in_programme)
        await self._chairs(is_person)
        return Erased(abstracts=changed, reviewers=await self._reviewers(is_person), submitted=submitted)

    async def count(self, is_person: IsPerson) -> Erased:
        a, r = abstracts.c, reviewers.c
        rows = (await self.session.execute(select(a.content, a.submitter_email))).all()
        mine = sum(
            1
            for row in rows
            if is_person(row.submitter_email) or any(is_person(str(x.get("email", ""))) for x in row.content["authors"])
        )
        found = sum(1 for email in (await self.session.execute(select(r.email))).scalars() if is_person(email))
        return Erased(abstracts=mine, reviewers=found)

    async def _published_abstracts(self) -> set[str]:
        payloads = (await self.session.execute(select(published.c.payload))).scalars()
        return {p["abstract_id"] for payload in payloads for p in payload.get("presentations", [])}

    async def _abstracts(self, is_person: IsPerson, in_programme: set[str]) -> tuple[int, tuple[str, ...]]:
        a = abstracts.c
        changed, submitted = 0, []
        for row in (await self.session.execute(select(a.id, a.content, a.submitter_email))).all():
            content, hit = erasure.erased_content(row.content, is_person, published=row.id in in_programme)
            submitter = ERASED if is_person(row.submitter_email) else row.submitter_email
            if submitter != row.submitter_email:
                submitted.append(row.id)
            if hit or submitter != row.submitter_email:
                values = {"content": content, "submitter_email": submitter}
                await self.session.execute(update(abstracts).where(a.id == row.id).values(**values))
                changed += 1
        return changed, tuple(sorted(submitted))

    async def _programme(self, is_person: IsPerson, in_programme: set[str]) -> None:
        for row in (await self.session.execute(select(sessions.c.id, sessions.c.talks))).all():
            talks, hit = erasure.erased_presenters(row.talks, is_person, published=in_programme)
            if hit:
                await self.session.execute(update(sessions).where(sessions.c.id == row.id).values(talks=talks))
        p = published.c
        for row in (await self.session.execute(select(p.session_id, p.payload))).all():
            items, hit = erasure.erased_presenters(
                row.payload.get("presentations", []), is_person, published=in_programme
            )
            if hit:
                payload = {**row.payload, "presentations": items}
                await self.session.execute(
                    update(published).where(p.session_id == row.session_id).values(payload=payload)
                )

    async def _chairs(self, is_person: IsPerson) -> None:
        """A session chair named with the person's address: the address goes; the name stays only where the
        session is published (as printed), otherwise it goes too."""
        c, p = sessions.c, published.c
        in_print = set((await self.session.execute(select(p.session_id))).scalars())
        for row in (await self.session.execute(select(c.id, c.chair_email).where(c.chair_email.is_not(None)))).all():
            if is_person(row.chair_email):
                values: dict[str, str | None] = {"chair_email": None, "chair_language": None}
                if row.id not in in_print:
                    values["chair"] = None
                await self.session.execute(update(sessions).where(c.id == row.id).values(**values))
        for row in (await self.session.execute(select(p.session_id, p.payload))).all():
            if row.payload.get("chair_email") and is_person(str(row.payload["chair_email"])):
                payload = {**row.payload, "chair_email": None}
                where = p.session_id == row.session_id
                await self.session.execute(update(published).where(where).values(payload=payload))

    async def _reviewers(self, is_person: IsPerson) -> int:
        r = reviewers.c
        found = [row.id for row in (await self.session.execute(select(r.id, r.email))).all() if is_person(row.email)]
        for reviewer_id in found:
            await self.session.execute(
                update(reviewers).where(r.id == reviewer_id).values(**erasure.erased_reviewer(reviewer_id))
            )
            await self.session.execute(delete(reviewer_profiles).where(reviewer_profiles.c.reviewer_id == reviewer_id))
            await self.session.execute(delete(bids).where(bids.c.reviewer_id == reviewer_id))
        return len(found)
