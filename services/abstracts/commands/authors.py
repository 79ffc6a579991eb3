"""Authors' commands: submit, revise, withdraw. Each loads the abstract, lets it decide, saves it and stages
its event in one unit of work."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from services.abstracts.commands.context import Deps
from services.abstracts.commands.links import edit_link
from services.abstracts.domain import submission
from services.abstracts.domain.abstract import Abstract
from services.abstracts.domain.errors import Closed, NotAllowed, NotFound, Rejected
from services.common.db import new_id

log = logging.getLogger("congress.abstracts")


@dataclass(frozen=True)
class Submitted:
    abstract_id: str
    reference: str
    edit_link: str


def _checked(deps: Deps, draft: submission.Draft) -> None:
    if not submission.is_open(deps.clock(), deps.config.deadline):
        raise Closed
    errors = submission.validate(draft, deps.rules, deps.is_email)
    if draft.notice_version is not None and not deps.privacy.known(draft.notice_version):
        errors["notice_version"] = "This privacy notice is not one of this congress's; reload the form."
    if errors:
        raise Rejected(errors)


async def submit(deps: Deps, draft: submission.Draft) -> Submitted:
    """Store a new abstract with the next gap-free reference and stage AbstractSubmitted."""
    _checked(deps, draft)
    now = deps.clock()
    abstract_id = new_id("abs")
    async with deps.units() as unit:
        number = await unit.abstracts.next_number(deps.counter)
        reference = submission.reference(deps.congress.number_prefix, number)
        abstract, event = Abstract.submit(abstract_id, reference, draft, now, deps.congress.id)
        await unit.abstracts.add(abstract)
        shown = deps.privacy.notice_for(draft.language, deps.congress.default_language)
        await unit.notices.record(abstract_id, draft.notice_version or shown.version, shown.language, now)
        unit.stage(event)
    log.info("abstract submitted", extra={"abstract_id": abstract_id, "reference": reference})
    return Submitted(abstract_id, reference, edit_link(deps, abstract_id))


async def load(deps: Deps, abstract_id: str) -> Abstract:
    async with deps.units.reading() as unit:
        abstract = await unit.abstracts.get(abstract_id)
    if abstract is None:
        raise NotFound(abstract_id)
    return abstract


async def revise(deps: Deps, abstract_id: str, draft: submission.Draft) -> Abstract:
    """Replace the content (before the deadline, while undecided): content_version + 1, AbstractRevised."""
    _checked(deps, draft)
    async with deps.units() as unit:
        abstract = await unit.abstracts.get(abstract_id)
        if abstract is None:
            raise NotFound(abstract_id)
        revised, event = abstract.revise(draft, deps.clock(), deps.congress.id)
        if not await unit.abstracts.save(revised, was=abstract.status):
            raise NotAllowed(f"{abstract.reference} changed meanwhile; reload and try again")
        unit.stage(event)
    log.info("abstract revised", extra={"abstract_id": abstract_id, "content_version": revised.content_version})
    return revised


async def withdraw(deps: Deps, abstract_id: str, reason: str = "") -> Abstract:
    """Withdraw an undecided or accepted abstract (also after the deadline): AbstractWithdrawn."""
    async with deps.units() as unit:
        abstract = await unit.abstracts.get(abstract_id)
        if abstract is None:
            raise NotFound(abstract_id)
        withdrawn, event = abstract.withdraw(reason, deps.clock(), deps.congress.id)
        if not await unit.abstracts.save(withdrawn, was=abstract.status):
            raise NotAllowed(f"{abstract.reference} changed meanwhile; reload and try again")
        unit.stage(event)
    log.info("abstract withdrawn", extra={"abstract_id": abstract_id})
    return withdrawn
