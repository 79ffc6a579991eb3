"""The expired visa-link page (JSON under ``/api/``) and the route that mails a new link.

An expired link shows "this link has expired" with a "send me a new link" button; the answer is the same
whatever happened (``commands.visa.renew_link``).
"""

from __future__ import annotations

from fastapi import FastAPI, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from services.badges.commands import visa
from services.badges.ports import BadgeDeps, LinkState
from services.badges.web.pages import render


def delegate_of(deps: BadgeDeps, token: str) -> str:
    """The delegate of a valid visa link; 403 for a forged one, 410 (``VisaLinkExpired``) for an old one."""
    try:
        return visa.delegate_of(deps, token)
    except visa.VisaLinkInvalid as exc:
        raise HTTPException(403, str(exc)) from None


def install(app: FastAPI, deps: BadgeDeps, link: LinkState) -> None:
    """The expired-link page (JSON under ``/api/``) and the route that mails a new link."""

    async def page(request: Request, message: str, token: str | None, status: int) -> HTMLResponse:
        response = await render(request, deps, link, "visa_expired.html", status, message=message, token=token)
        response.headers["cache-control"] = "no-store"
        return response

    async def expired(request: Request, exc: Exception) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": "this link has expired; ask for a new one at its page"}, status_code=410)
        return await page(request, "This link has expired.", getattr(exc, "token", None), 410)

    app.add_exception_handler(visa.VisaLinkExpired, expired)

    @app.post("/visa-link/new", include_in_schema=False)
    async def new_link(request: Request, t: str = Form("", max_length=2000)) -> HTMLResponse:
        await visa.renew_link(deps, t)
        message = "If this link is still on record, a new one is on its way to the email address you registered with."
        return await page(request, message, None, 200)
