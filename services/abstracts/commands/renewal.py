"""A new link in place of an expired one: a reviewer's portal link or an abstract's edit link.

Asked for from the "this link has expired" page with the old link itself, so the new one goes to the
address on record (the reviewer's, the submitter's), never to one typed in, and the answer is the same
whatever happened. It is mailed by notify from ``LinkSent`` (``congress.abstracts``), sealed for notify.
A revoked reviewer link (an older link version) gets no new one: the organisers replaced it.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from schemas.abstracts import AbstractsLinkSent
from schemas.access import AccessKind
from services.abstracts.commands.context import Deps, Row
from services.abstracts.commands.links import EDIT, REVIEWER, edit_link, portal_link
from services.abstracts.domain.abstract import Abstract
from services.common.auth import InvalidToken, verify
from services.common.sealing import NOTIFY_LINK, seal

log = logging.getLogger("congress.abstracts.renewal")


async def renew(deps: Deps, kind: AccessKind, old_token: str) -> bool:
    """Stage a fresh link of ``kind`` for what a genuine (expired) token was issued for; False otherwise."""
    purpose = REVIEWER if kind is AccessKind.REVIEWER else EDIT
    try:
        claims = verify(deps.secret, purpose, old_token)  # the signature only: it is expected to be old
    except InvalidToken:
        log.info("a new link was asked for with a token that is not genuine")
        return False
    if claims.get("c") != deps.congress.id:
        return False
    async with deps.units() as unit:
        if kind is AccessKind.REVIEWER:
            reviewer = await unit.abstracts.reviewer(str(claims.get("r")))
            if reviewer is None or reviewer["link_version"] != claims.get("v"):
                return False
            event = _reviewer_link(deps, reviewer)
        else:
            abstract = await unit.abstracts.get(str(claims.get("a")))
            if abstract is None:
                return False
            event = _edit_link(deps, abstract)
        unit.stage(event)
    return True


def _reviewer_link(deps: Deps, reviewer: Row) -> AbstractsLinkSent:
    return AbstractsLinkSent(
        congress_id=deps.congress.id,
        subject_id=reviewer["id"],
        kind=AccessKind.REVIEWER,
        email=reviewer["email"],
        recipient_name=reviewer["name"],
        language=reviewer["language"],
        sealed_link=seal(deps.secret, NOTIFY_LINK, portal_link(deps, reviewer), bound_to=reviewer["id"]),
        expires_at=deps.clock() + timedelta(days=deps.config.reviewer_link_days),
    )


def _edit_link(deps: Deps, abstract: Abstract) -> AbstractsLinkSent:
    return AbstractsLinkSent(
        congress_id=deps.congress.id,
        subject_id=abstract.id,
        kind=AccessKind.ABSTRACT_EDIT,
        email=abstract.submitter_email,
        language=abstract.language,
        about=abstract.reference,
        sealed_link=seal(deps.secret, NOTIFY_LINK, edit_link(deps, abstract.id), bound_to=abstract.id),
        expires_at=deps.clock() + timedelta(days=deps.config.edit_link_days),
    )
