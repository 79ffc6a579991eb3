"""The organisers' changes to a symposium's chair, discussant and papers, until the programme is published.

Authors change their symposium like any abstract (``authors.revise``: until the deadline, while undecided);
an organiser may change it after that too, also once it is accepted (its presenting authors, chair and
discussant included: the ``AbstractRevised`` says the accepted format, and registration moves the roles),
until the first publication of the programme: after it, delegates and presenters have been told what the
session holds.
"""

from __future__ import annotations

import logging

from services.abstracts.commands import audited
from services.abstracts.commands.context import Deps
from services.abstracts.commands.planning import VERSION
from services.abstracts.domain import symposium
from services.abstracts.domain.abstract import Abstract, people_of
from services.abstracts.domain.errors import NotAllowed, NotFound, Rejected
from services.abstracts.domain.submission import SymposiumDraft
from services.common.audit import Actor

log = logging.getLogger("congress.abstracts")


async def amend(deps: Deps, abstract_id: str, draft: SymposiumDraft, actor: Actor) -> Abstract:
    """Replace a symposium's chair, discussant and papers (validated as on submission): AbstractRevised."""
    errors = symposium.symposium_errors(draft, deps.rules, deps.is_email)
    if errors:
        raise Rejected(errors)
    async with deps.units() as unit:
        if await unit.programme.counter_value(VERSION) > 0:
            raise NotAllowed("The programme is published, so a symposium's papers can no longer change here")
        abstract = await unit.abstracts.get(abstract_id)
        if abstract is None:
            raise NotFound(abstract_id)
        made = symposium.of_draft(draft, abstract.language)
        amended, event = abstract.amend_symposium(made, deps.clock(), deps.congress.id)
        if not await unit.abstracts.save(amended, was=abstract.status):
            raise NotAllowed(f"{abstract.reference} changed meanwhile; reload and try again")
        unit.stage(event)
        audited.note(
            deps,
            unit,
            "abstracts.symposium.amend",
            actor,
            abstract_id,
            papers=len(made.papers),
            discussant=made.discussant is not None,
            people_changed=abstract.symposium is not None and people_of(made) != people_of(abstract.symposium),
            content_version=amended.content_version,
        )
    log.info("symposium amended", extra={"abstract_id": abstract_id, "content_version": amended.content_version})
    return amended
