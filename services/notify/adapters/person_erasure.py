"""Erasing a person notify knows only by their address (an author, submitter or reviewer; ``AuthorErased``).

The message ledger keeps its ids and status (a cause is still mailed once) but not the address, subject line or
detail; queued messages to the address go; the reviewer assignments and programme presenters notify keeps to word
later messages lose the address and name; the submitter's name kept for a withdrawal's greeting goes for the
abstracts the person submitted. Rows are found by comparing each stored address's pseudonym.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from schemas.abstracts import AbstractFormat
from schemas.personal import ERASED
from services.notify.adapters.abstracts import abstracts, assignments, symposium_roles
from services.notify.adapters.db import messages, pending
from services.notify.adapters.programme import presenters

IsPerson = Callable[[str], bool]


async def forget_person(session: AsyncSession, is_person: IsPerson, submitted: Sequence[str]) -> int:
    """Erase the person's traces; returns how many ledger rows lost their address."""
    m = messages.c
    sent = [
        r.message_id
        for r in (await session.execute(select(m.message_id, m.to).where(m.to != ""))).all()
        if is_person(r.to)
    ]
    if sent:
        await session.execute(update(messages).where(m.message_id.in_(sent)).values(to="", subject="", detail=""))
    p = pending.c
    queued = [r.message_id for r in (await session.execute(select(p.message_id, p.to))).all() if is_person(r.to)]
    if queued:
        await session.execute(delete(pending).where(p.message_id.in_(queued)))
    a = assignments.c
    for row in (await session.execute(select(a.abstract_id, a.reviewer_id, a.email))).all():
        if is_person(row.email):
            await session.execute(
                delete(assignments).where(a.abstract_id == row.abstract_id, a.reviewer_id == row.reviewer_id)
            )
    r = symposium_roles.c
    for row in (await session.execute(select(r.abstract_id, r.role, r.email))).all():
        if is_person(row.email):
            await session.execute(delete(symposium_roles).where(r.abstract_id == row.abstract_id, r.role == row.role))
    s = presenters.c
    for row in (await session.execute(select(s.session_id, s.recipient_id, s.email))).all():
        if is_person(row.email):
            where = (s.session_id == row.session_id, s.recipient_id == row.recipient_id)
            await session.execute(update(presenters).where(*where).values(email=ERASED, name=ERASED))
    if submitted:
        names = abstracts.c
        await session.execute(update(abstracts).where(names.abstract_id.in_(list(submitted))).values(submitter_name=""))
        seen = set(
            (await session.execute(select(names.abstract_id).where(names.abstract_id.in_(list(submitted))))).scalars()
        )
        unseen = [
            {"abstract_id": a, "format": AbstractFormat.PAPER.value, "content_version": 0, "submitter_name": ""}
            for a in submitted
            if a not in seen
        ]
        if unseen:  # not heard of yet: a placeholder keeps the name out when the submission arrives late
            await session.execute(insert(abstracts), unseen)
    return len(sent)
