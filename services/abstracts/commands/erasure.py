"""Erasing a person the call for papers knows by email: an author, a submitter, a reviewer.

Two doors, one effect: the delegate's erasure (registration's ``RegistrationErased`` carries the pseudonym of
their address) and an organiser's erasure of an author who never registered (by email, with a reason, audited).
In one transaction: the person's author entries, submitter addresses and programme presenter entries are erased
as ``domain.erasure`` says (a published programme keeps names and institutions as published), their reviewer
record is erased, the keys abstracts minted for them are shredded (every personal field abstracts ever
published about them reads ``erased``), and ``AuthorErased`` tells notify to drop the mail it keeps for them.
The person is found by pseudonym (``keyring.person_ref``), never by an address on a topic.
"""

from __future__ import annotations

import logging

from schemas.abstracts import AuthorErased
from services.abstracts.commands import audited
from services.abstracts.commands.context import Deps
from services.abstracts.domain.erasure import Erased
from services.abstracts.ports import Unit
from services.common.audit import Actor
from services.common.keyring import person_ref

log = logging.getLogger("congress.abstracts.erasure")


async def erase_in(deps: Deps, unit: Unit, ref: str, erased_by: str) -> Erased:
    """Erase the person with pseudonym ``ref`` in ``unit`` (the caller commits)."""
    erased = await unit.people.erase(lambda email: person_ref(deps.secret, email) == ref)
    await unit.shred([ref])
    unit.scrub_after_commit()
    unit.stage(
        AuthorErased(
            congress_id=deps.congress.id,
            person_ref=ref,
            abstracts=erased.abstracts,
            reviewer=erased.reviewers > 0,
            submitted=erased.submitted,
            erased_at=deps.clock(),
            erased_by=erased_by,
        )
    )
    return erased


async def preview(deps: Deps, email: str) -> Erased:
    """What erasing this address would change (for the confirmation page); nothing is written."""
    ref = person_ref(deps.secret, email)
    async with deps.units.reading() as unit:
        return await unit.people.count(lambda other: person_ref(deps.secret, other) == ref)


async def erase_by_email(deps: Deps, email: str, actor: Actor, reason: str) -> Erased:
    """An organiser erases an author (or reviewer) by address: audited, with the reason."""
    ref = person_ref(deps.secret, email)
    async with deps.units() as unit:
        erased = await erase_in(deps, unit, ref, actor.name)
        audited.note(
            deps,
            unit,
            "abstracts.person.erase",
            actor,
            ref,
            reason=reason,
            abstracts=erased.abstracts,
            reviewer=erased.reviewers > 0,
        )
    await deps.units.scrub()  # at once as well, so the answer comes after the scrub
    log.info("person erased", extra={"person_ref": ref, "abstracts": erased.abstracts})
    return erased
