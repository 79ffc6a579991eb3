"""The link a delegate uses to ask for a visa invitation letter: signed, expiring, renewable.

The link carries only the delegate id. It works ``visa_link_days`` (badges settings); an expired one
shows "this link has expired" with a "send me a new link" button, which mails a fresh link to the
address in badges' replica of the registration (never one typed in; the same answer whatever
happened) through ``LinkSent`` on ``congress.badges``, sealed for notify.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from fastapi import FastAPI, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from schemas.access import AccessKind
from schemas.badges import BadgesLinkSent
from services.badges.adapters import db
from services.badges.commands.registration import BadgeDeps
from services.badges.web.station import PAGES, LinkMonitor
from services.common.auth import InvalidToken, sign, verify
from services.common.outbox import Outbox
from services.common.sealing import NOTIFY_LINK, seal

log = logging.getLogger("congress.badges.visa_links")
VISA_PURPOSE = "visa-request"


class VisaLinkExpired(Exception):
    """A genuine visa-request link that is older than ``visa_link_days``."""

    def __init__(self, token: str) -> None:
        super().__init__("this link has expired")
        self.token = token


def visa_request_token(secret: str, delegate_id: str) -> str:
    """The token of the link a delegate uses to ask for a visa letter (no sign-in needed; carries only the id)."""
    return sign(secret, VISA_PURPOSE, {"d": delegate_id})


def delegate_of(deps: BadgeDeps, token: str) -> str:
    """The delegate a genuine, unexpired link is for; ``VisaLinkExpired`` or 403 otherwise."""
    try:
        return str(verify(deps.secret, VISA_PURPOSE, token, max_age_seconds=deps.visa_link_days * 86400)["d"])
    except InvalidToken as exc:
        if exc.reason == "expired":
            raise VisaLinkExpired(token) from exc
        raise HTTPException(403, "this link is not valid") from None
    except KeyError:
        raise HTTPException(403, "this link is not valid") from None


async def renew(deps: BadgeDeps, sm: async_sessionmaker[AsyncSession], outbox: Outbox, token: str) -> bool:
    """Stage a fresh link for the delegate a genuine (expired) token names, if still registered."""
    try:
        delegate_id = str(verify(deps.secret, VISA_PURPOSE, token)["d"])  # the signature only: it is old
    except (InvalidToken, KeyError):
        log.info("a new visa link was asked for with a token that is not genuine")
        return False
    async with sm.begin() as session:
        row = await db.get_delegate(session, delegate_id)
        if row is None or row.status == "cancelled":
            return False
        link = f"{deps.public_url}/visa/{visa_request_token(deps.secret, delegate_id)}"
        outbox.add(
            session,
            BadgesLinkSent(
                congress_id=deps.congress.id,
                subject_id=delegate_id,
                kind=AccessKind.VISA,
                email=row.email,
                recipient_name=row.badge_name,
                language=row.language,
                sealed_link=seal(deps.secret, NOTIFY_LINK, link, bound_to=delegate_id),
                expires_at=deps.clock.now() + timedelta(days=deps.visa_link_days),
            ),
        )
    return True


def install(
    app: FastAPI, deps: BadgeDeps, sm: async_sessionmaker[AsyncSession], outbox: Outbox, monitor: LinkMonitor
) -> None:
    """The expired-link page (JSON under ``/api/``) and the route that mails a new link."""

    async def page(request: Request, message: str, token: str | None, status: int) -> HTMLResponse:
        html = PAGES.get_template("visa_expired.html").render(
            request=request,
            congress=deps.congress.short_name,
            link=await monitor.status(),
            message=message,
            token=token,
        )
        return HTMLResponse(html, status_code=status, headers={"cache-control": "no-store"})

    async def expired(request: Request, exc: Exception) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": "this link has expired; ask for a new one at its page"}, status_code=410)
        return await page(request, "This link has expired.", getattr(exc, "token", None), 410)

    app.add_exception_handler(VisaLinkExpired, expired)

    @app.post("/visa-link/new", include_in_schema=False)
    async def new_link(request: Request, t: str = Form("", max_length=2000)) -> HTMLResponse:
        await renew(deps, sm, outbox, t)
        message = "If this link is still on record, a new one is on its way to the email address you registered with."
        return await page(request, message, None, 200)
