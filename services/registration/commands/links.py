"""Links mailed to delegates on request: sign-in links and, when an old one expired, a new view link.

Every link is issued for one registration and opens only that one: an address that holds several
registrations (a group member registered twice, or someone who registered with another person's
address) gets one link per registration, each naming whose registration it opens, instead of one
link to whichever is newest. The link goes to the address *on record*, never to one typed in, and
travels to notify sealed (``MagicLinkRequested`` v2, ``services.common.sealing``): nobody who reads
the topic can use it.

``magic_links_per_hour`` links per registration an hour at most (a form must not flood an inbox);
the answer a person sees is the same in every case, so it does not tell who is registered.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from schemas.registration import LinkKind, MagicLinkRequestedV2
from services.common.auth import InvalidToken, sign, verify
from services.common.sealing import NOTIFY_LINK, seal
from services.registration.commands.records import Deps, ids
from services.registration.domain.registration import Registration
from services.registration.ports import Tx

log = logging.getLogger("congress.registration.links")
SIGN_IN = "magic-link"
VIEW = "registration-view"
"""Signing purposes of the sign-in token and the payer's view token."""


def view_token(deps: Deps, payer_id: str) -> str:
    """A signed token for the payer's status page; it expires after ``view_link_days``."""
    return sign(deps.secret, VIEW, {"payer": payer_id})


def check_view_token(deps: Deps, token: str) -> str:
    """The payer id of a genuine view token that has not expired (``InvalidToken`` otherwise)."""
    claims = verify(deps.secret, VIEW, token, max_age_seconds=deps.config.view_link_days * 86400)
    return str(claims.get("payer", ""))


def check_sign_in_token(deps: Deps, token: str) -> dict[str, str]:
    """The registration id and single-use id of a genuine, unexpired sign-in token (``InvalidToken`` otherwise)."""
    claims = verify(deps.secret, SIGN_IN, token, max_age_seconds=deps.config.magic_link_minutes * 60)
    return {"rid": str(claims.get("rid", "")), "jti": str(claims.get("jti", ""))}


async def request_sign_in(deps: Deps, email: str) -> int:
    """One sign-in link for each active registration held by this address; how many went out (0 if none)."""
    async with deps.units.begin() as tx:
        rows = [r for r in await tx.registrations.by_email(email.strip()) if r.live]
        if not rows:
            log.info("sign-in link asked for an unknown email")
        return sum([await _send(deps, tx, row, LinkKind.SIGN_IN) for row in rows])


async def renew(deps: Deps, kind: LinkKind, expired_token: str) -> bool:
    """A fresh link of ``kind`` to the address on record of the registration an old (expired, spent)
    but genuine token was issued for; False, silently, for a forged token or an ended registration."""
    purpose = SIGN_IN if kind is LinkKind.SIGN_IN else VIEW
    try:
        claims = verify(deps.secret, purpose, expired_token)  # the signature, not the age: it may be old
    except InvalidToken:
        log.info("a new link was asked for with a token that is not genuine")
        return False
    registration_id = str(claims.get("rid") if kind is LinkKind.SIGN_IN else claims.get("payer"))
    async with deps.units.begin() as tx:
        row = await tx.registrations.get(registration_id)
        if row is None or not row.live:
            return False
        return await _send(deps, tx, row, kind)


async def _send(deps: Deps, tx: Tx, row: Registration, kind: LinkKind) -> bool:
    """Stage one link of ``kind`` for ``row``, unless the hourly limit for it is reached."""
    now = deps.clock()
    if await tx.magic_links.sent_since(row.id, now - timedelta(hours=1)) >= deps.config.magic_links_per_hour:
        log.warning("link not sent: enough went out this hour", extra={"registration_id": row.id})
        return False
    jti = uuid.uuid4().hex
    await tx.magic_links.record(jti, row.id, now)
    link, expires = _link(deps, row, kind, jti, now)
    tx.stage(
        MagicLinkRequestedV2(
            **ids(deps, row),
            email=row.email,
            sealed_link=seal(deps.secret, NOTIFY_LINK, link, bound_to=row.id),
            kind=kind,
            expires_at=expires,
            badge_name=row.badge_name,
            registration_number=row.number,
            language=row.language,
        ),
    )
    return True


def _link(deps: Deps, row: Registration, kind: LinkKind, jti: str, now: datetime) -> tuple[str, datetime]:
    if kind is LinkKind.SIGN_IN:
        token = sign(deps.secret, SIGN_IN, {"rid": row.id, "jti": jti})
        return f"{deps.public_url}/me/{token}", now + timedelta(minutes=deps.config.magic_link_minutes)
    payer = row.payer_id
    link = f"{deps.public_url}/registrations/{payer}?t={view_token(deps, payer)}"
    return link, now + timedelta(days=deps.config.view_link_days)


async def sign_in_spent(deps: Deps, jti: str) -> bool:
    """Whether a sign-in link's single use is spent (its page says so before anyone presses its button)."""
    async with deps.units.read() as tx:
        return await tx.registrations.marked(jti)


async def use_sign_in(deps: Deps, jti: str) -> bool:
    """Spend a sign-in link's single use; False if it was used before."""
    async with deps.units.begin() as tx:
        return await tx.registrations.mark_once(jti, deps.clock())
