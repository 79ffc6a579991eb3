"""Authors' commands: submit, revise, withdraw. Each changes the database and stages its event in one transaction."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from schemas.abstracts import AbstractRevised, AbstractSubmitted, AbstractWithdrawn
from services.abstracts.adapters import db
from services.abstracts.commands.context import (
    Closed,
    Deps,
    NotAllowed,
    NotFound,
    Rejected,
    Row,
    content_fields,
    edit_link,
    found,
    new_id,
    stored_content,
)
from services.abstracts.domain import submission as domain
from services.common.text import clean_for_display

log = logging.getLogger("congress.abstracts")


@dataclass(frozen=True)
class Submitted:
    abstract_id: str
    reference: str
    edit_link: str


def _checked(deps: Deps, draft: domain.Draft) -> None:
    if not domain.is_open(deps.clock(), deps.config.deadline):
        raise Closed
    errors = domain.validate(draft, deps.rules, deps.is_email)
    if errors:
        raise Rejected(errors)


async def submit(deps: Deps, draft: domain.Draft) -> Submitted:
    """Store a new abstract with the next gap-free reference and stage AbstractSubmitted."""
    _checked(deps, draft)
    now = deps.clock()
    abstract_id = new_id("abs")
    async with deps.sessionmaker() as session, session.begin():
        reference = domain.reference(deps.congress.number_prefix, await db.next_number(session, deps.counter))
        await db.add_abstract(
            session,
            id=abstract_id,
            reference=reference,
            status="submitted",
            network=draft.network,
            format=draft.format,
            title=draft.title,
            content_version=1,
            content=stored_content(draft),
            submitter_email=draft.submitter_email,
            language=draft.language,
            submitted_at=now,
            updated_at=now,
        )
        row = found(await db.get_abstract(session, abstract_id))
        deps.outbox.add(session, AbstractSubmitted(**content_fields(deps, row), submitted_at=now))
    log.info("abstract submitted", extra={"abstract_id": abstract_id, "reference": reference})
    return Submitted(abstract_id, reference, edit_link(deps, abstract_id))


async def load(deps: Deps, abstract_id: str) -> Row:
    async with deps.sessionmaker() as session:
        row = await db.get_abstract(session, abstract_id)
    if row is None:
        raise NotFound(abstract_id)
    return row


def _refuse_unless_open(row: Row, doing: str) -> None:
    if row["status"] == "withdrawn":
        raise NotAllowed(f"{row['reference']} was withdrawn, so it cannot be {doing}")
    if row["status"] != "submitted":
        raise NotAllowed(f"{row['reference']} has already been decided ({row['status']}), so it cannot be {doing}")


async def revise(deps: Deps, abstract_id: str, draft: domain.Draft) -> Row:
    """Replace the content (before the deadline, while undecided): content_version + 1, AbstractRevised."""
    _checked(deps, draft)
    now = deps.clock()
    async with deps.sessionmaker() as session, session.begin():
        row = await db.get_abstract(session, abstract_id)
        if row is None:
            raise NotFound(abstract_id)
        _refuse_unless_open(row, "revised")
        changed = await db.change_abstract(
            session,
            abstract_id,
            "submitted",
            network=draft.network,
            format=draft.format,
            title=draft.title,
            content_version=row["content_version"] + 1,
            content=stored_content(draft),
            submitter_email=draft.submitter_email,
            language=draft.language,
            updated_at=now,
        )
        if not changed:
            raise NotAllowed(f"{row['reference']} changed meanwhile; reload and try again")
        row = found(await db.get_abstract(session, abstract_id))
        deps.outbox.add(session, AbstractRevised(**content_fields(deps, row), revised_at=now))
    log.info("abstract revised", extra={"abstract_id": abstract_id, "content_version": row["content_version"]})
    return row


async def withdraw(deps: Deps, abstract_id: str, reason: str = "") -> Row:
    """Withdraw an undecided abstract (also after the deadline): its reviews stop, AbstractWithdrawn.
    An accepted abstract may be withdrawn too (its presenters cannot come): updating the programme's
    draft then takes it out of its session; a rejected one may not."""
    now = deps.clock()
    async with deps.sessionmaker() as session, session.begin():
        row = await db.get_abstract(session, abstract_id)
        if row is None:
            raise NotFound(abstract_id)
        if row["status"] != "accepted":
            _refuse_unless_open(row, "withdrawn")
        if not await db.change_abstract(session, abstract_id, row["status"], status="withdrawn", updated_at=now):
            raise NotAllowed(f"{row['reference']} changed meanwhile; reload and try again")
        deps.outbox.add(
            session,
            AbstractWithdrawn(
                congress_id=deps.congress.id,
                abstract_id=abstract_id,
                reference=row["reference"],
                title=row["title"],
                submitter_email=row["submitter_email"],
                language=row["language"],
                reason=clean_for_display(reason)[:1000],
                withdrawn_at=now,
            ),
        )
    log.info("abstract withdrawn", extra={"abstract_id": abstract_id})
    return row | {"status": "withdrawn"}
