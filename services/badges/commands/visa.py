"""Visa invitation letters: a delegate asks (by a signed, expiring link), an organiser approves.

The link carries only the delegate id. It works ``visa_link_days``; an expired one can be renewed: a fresh
link goes to the address in the replica (never one typed in) through ``LinkSent``, sealed for notify.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from schemas.access import AccessKind
from schemas.badges import BadgesLinkSent, DocumentKind
from services.badges.commands import CommandRefused, audited
from services.badges.commands.documents import record_document
from services.badges.domain import Status, VisaRequest, VisaStatus
from services.badges.domain.documents import visa_context
from services.badges.ports import BadgeDeps
from services.common.audit import Actor
from services.common.auth import InvalidToken, sign, verify
from services.common.sealing import NOTIFY_LINK, seal

log = logging.getLogger("congress.badges.visa")
VISA_PURPOSE = "visa-request"


class VisaLinkExpired(Exception):
    """A genuine visa-request link that is older than ``visa_link_days``."""

    def __init__(self, token: str) -> None:
        super().__init__("this link has expired")
        self.token = token


class VisaLinkInvalid(Exception):
    """A visa-request link that badges did not sign."""


def visa_request_token(secret: str, delegate_id: str) -> str:
    """The token of the link a delegate uses to ask for a visa letter (no sign-in needed; carries only the id)."""
    return sign(secret, VISA_PURPOSE, {"d": delegate_id})


def delegate_of(deps: BadgeDeps, token: str) -> str:
    """The delegate a genuine, unexpired link is for; ``VisaLinkExpired`` or ``VisaLinkInvalid`` otherwise."""
    try:
        return str(verify(deps.secret, VISA_PURPOSE, token, max_age_seconds=deps.visa_link_days * 86400)["d"])
    except InvalidToken as exc:
        if exc.reason == "expired":
            raise VisaLinkExpired(token) from exc
        raise VisaLinkInvalid("this link is not valid") from None
    except KeyError:
        raise VisaLinkInvalid("this link is not valid") from None


async def renew_link(deps: BadgeDeps, token: str) -> bool:
    """Stage a fresh link for the delegate a genuine (expired) token names, if still registered."""
    try:
        delegate_id = str(verify(deps.secret, VISA_PURPOSE, token)["d"])  # the signature only: it is old
    except (InvalidToken, KeyError):
        log.info("a new visa link was asked for with a token that is not genuine")
        return False
    async with deps.units.begin() as unit:
        record = await unit.store.delegate(delegate_id)
        if record is None or record.status is Status.CANCELLED:
            return False
        link = f"{deps.public_url}/visa/{visa_request_token(deps.secret, delegate_id)}"
        unit.stage(
            BadgesLinkSent(
                congress_id=deps.congress.id,
                subject_id=delegate_id,
                kind=AccessKind.VISA,
                email=record.email,
                recipient_name=record.badge_name,
                language=record.language,
                sealed_link=seal(deps.secret, NOTIFY_LINK, link, bound_to=delegate_id),
                expires_at=deps.clock.now() + timedelta(days=deps.visa_link_days),
            )
        )
    return True


async def request_visa(deps: BadgeDeps, *, delegate_id: str, form: VisaRequest) -> int:
    """Record a delegate's request; the organisers approve it. Returns the request's number."""
    async with deps.units.begin() as unit:
        if await unit.store.delegate(delegate_id) is None:
            raise CommandRefused("unknown delegate")
        if form.departure < form.arrival:
            raise CommandRefused("departure is before arrival")
        return await unit.store.add_visa_request(delegate_id, form, now=deps.clock.now())


async def approve_visa(deps: BadgeDeps, *, request_id: int, actor: Actor, today: date) -> str:
    """Issue the numbered, dated letter — only for a confirmed, paid registration; twice issues once."""
    async with deps.units.begin() as unit:
        request = await unit.store.visa_request(request_id)
        if request is None:
            raise CommandRefused("no such request")
        if request.status is VisaStatus.ISSUED:
            return str(request.document_number)
        record = await unit.store.delegate(request.delegate_id)
        if record is None or record.status is not Status.CONFIRMED or not record.paid:
            raise CommandRefused("a visa letter needs a confirmed and paid registration")
        number = await unit.store.next_number(DocumentKind.VISA_LETTER, f"{deps.congress.number_prefix}-VISA")
        pdf = await deps.renderer.render_document(
            "visa_letter", visa_context(deps.congress, record, request, number, today)
        )
        cause = f"visa:{request_id}"
        unit.stage(await record_document(unit, deps, record, DocumentKind.VISA_LETTER, number, cause, pdf))
        await unit.store.mark_visa_issued(request_id, organiser=actor.name, number=number)
        delegate_id = request.delegate_id
        audited.note(
            deps,
            unit,
            "badges.visa.approve",
            actor,
            delegate_id,
            delegate_id=delegate_id,
            request=request_id,
            document=number,
        )
        return number
