"""The admins' accounts page (``/organiser/accounts``) and the invited person's set-password page.

The accounts routes are organiser routes like any other (``require_organiser``; the route-access
table lets admins only). Erasing a deactivated account has a form here and a JSON route
(``/api/organiser/accounts/{id}/erase``) for a program; both take the page's CSRF token (the
program sends it as ``X-CSRF-Token``). The invitation page is public: the signed, single-use link is
the key. After a password is set the person signs in at ``/organiser/login`` here (notify is the door
for accounts, docs/ARCHITECTURE.md decision 37).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from services.common.congress import Congress
from services.common.csrf import add_csrf_helpers
from services.common.organiser_sessions import OrganiserSessions, require_organiser
from services.common.roles import DESCRIPTIONS, LABELS, Role, parse_roles
from services.notify.commands.accounts import Accounts
from services.notify.domain.accounts import MIN_PASSWORD, AccountRefused

log = logging.getLogger("congress.notify.accounts")
PAGES_DIR = Path(__file__).resolve().parent.parent / "templates" / "pages"
ROLE_ROWS = [{"code": r.value, "label": LABELS[r], "description": DESCRIPTIONS[r]} for r in Role]
NO_STORE = {"Cache-Control": "no-store"}


def network_names(congress: Congress) -> dict[str, str]:
    """The edition's thematic networks (code → name), from the abstracts section of the congress file."""
    listed = congress.section("abstracts").get("networks", [])
    return {str(n["code"]): str(n.get("name", n["code"])) for n in listed if isinstance(n, dict) and "code" in n}


def accounts_router(congress: Congress, accounts: Accounts, sessions: OrganiserSessions) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    env = add_csrf_helpers(Environment(loader=FileSystemLoader(str(PAGES_DIR)), autoescape=select_autoescape()))
    organiser = Depends(require_organiser(sessions))
    networks = network_names(congress)

    async def page(request: Request, who: str, *, status: int = 200, **extra: Any) -> HTMLResponse:
        context: dict[str, Any] = {
            "congress": congress,
            "organiser": who,
            "roles": ROLE_ROWS,
            "networks": networks,
            "accounts": await accounts.listing(),
            "erased": await accounts.erased(),
            "invitation_hours": round(accounts.invitation_hours),
            "values": {"email": "", "name": "", "roles": [], "networks": []},
            "message": "",
            "error": "",
        }
        html = env.get_template("accounts.html.j2").render(request=request, **(context | extra))
        return HTMLResponse(html, status_code=status, headers=NO_STORE)

    def done(message: str) -> Response:
        return RedirectResponse(f"/organiser/accounts?message={quote(message)}", status_code=303)

    @router.get("/organiser/me", response_class=HTMLResponse)
    async def me(request: Request, who: str = organiser) -> HTMLResponse:
        """Who is signed in, with which roles: where an invited organiser lands after signing in."""
        account = sessions.accounts.get(who)
        held = sorted(LABELS[r] for r in account.roles) if account else []
        html = env.get_template("me.html.j2").render(request=request, congress=congress, who=who, roles=held)
        return HTMLResponse(html, headers=NO_STORE)

    @router.get("/organiser/accounts", response_class=HTMLResponse)
    async def show(request: Request, message: str = "", who: str = organiser) -> HTMLResponse:
        return await page(request, who, message=message[:300])

    @router.post("/organiser/accounts")
    async def invite(request: Request, who: str = organiser) -> Response:
        form = await request.form()
        email, name = str(form.get("email", ""))[:320], str(form.get("name", ""))[:300]
        roles, chosen = _roles_and_networks(form)
        try:
            await accounts.invite(who, email, name, roles, chosen)
        except AccountRefused as exc:
            values = {"email": email, "name": name, "roles": [r.value for r in roles], "networks": sorted(chosen)}
            return await page(request, who, status=422, error=str(exc), values=values)
        return done(f"Invitation sent to {email.strip().lower()}.")

    async def act(request: Request, who: str, call: Any, message: str) -> Response:
        try:
            await call
        except LookupError as exc:
            raise HTTPException(404, "no such account") from exc
        except AccountRefused as exc:
            return await page(request, who, status=409, error=str(exc))
        return done(message)

    @router.post("/organiser/accounts/{account_id}")
    async def regrant(request: Request, account_id: str, who: str = organiser) -> Response:
        roles, chosen = _roles_and_networks(await request.form())
        call = accounts.regrant(who, account_id, roles, chosen)
        return await act(request, who, call, "Roles saved; they apply in every service at once.")

    @router.post("/organiser/accounts/{account_id}/deactivate")
    async def deactivate(request: Request, account_id: str, who: str = organiser) -> Response:
        return await act(request, who, accounts.deactivate(who, account_id), "Deactivated; their sessions are over.")

    @router.post("/organiser/accounts/{account_id}/reactivate")
    async def reactivate(request: Request, account_id: str, who: str = organiser) -> Response:
        return await act(request, who, accounts.reactivate(who, account_id), "Reactivated; they sign in again.")

    @router.post("/organiser/accounts/{account_id}/invite")
    async def reinvite(request: Request, account_id: str, who: str = organiser) -> Response:
        return await act(request, who, accounts.reinvite(who, account_id), "A new invitation is on its way.")

    @router.post("/organiser/accounts/{account_id}/erase")
    async def erase(request: Request, account_id: str, who: str = organiser) -> Response:
        if (await request.form()).get("confirm") != "yes":
            return await page(
                request, who, status=422, error="Tick the box to confirm the erasure; it cannot be undone."
            )
        return await act(request, who, accounts.erase(who, account_id), "Erased; every service forgets the account.")

    @router.post("/api/organiser/accounts/{account_id}/erase")
    async def erase_api(account_id: str, who: str = organiser) -> JSONResponse:
        """The same erasure for a program: 404 unknown, 409 refused (with why), 200 erased."""
        try:
            await accounts.erase(who, account_id)
        except LookupError:
            return JSONResponse({"error": "no such account"}, status_code=404, headers=NO_STORE)
        except AccountRefused as exc:
            return JSONResponse({"error": str(exc)}, status_code=409, headers=NO_STORE)
        return JSONResponse({"account_id": account_id, "erased": True}, headers=NO_STORE)

    invitation_pages(router, congress, accounts, env)
    return router


def invitation_pages(router: APIRouter, congress: Congress, accounts: Accounts, env: Environment) -> None:
    def render(request: Request, *, status: int = 200, **context: Any) -> HTMLResponse:
        html = env.get_template("invitation.html.j2").render(
            request=request, congress=congress, min_password=MIN_PASSWORD, **({"error": ""} | context)
        )
        return HTMLResponse(html, status_code=status, headers=NO_STORE | {"Referrer-Policy": "no-referrer"})

    @router.get("/organiser/invitation", response_class=HTMLResponse)
    async def show(request: Request, token: str = "") -> HTMLResponse:
        try:
            account = await accounts.invited(token[:2000])
        except AccountRefused as exc:
            return render(request, status=410, error=str(exc))
        return render(request, account=account, token=token)

    @router.post("/organiser/invitation")
    async def accept(
        request: Request,
        token: str = Form("", max_length=2000),
        password: str = Form("", max_length=1000),
        again: str = Form("", max_length=1000),
    ) -> Response:
        try:
            email = await accounts.accept(token, password, again)
        except AccountRefused as exc:
            try:
                account = await accounts.invited(token)
            except AccountRefused:
                return render(request, status=410, error=str(exc))
            return render(request, status=422, error=str(exc), account=account, token=token)
        log.info("organiser set their password", extra={"organiser": email})
        return RedirectResponse("/organiser/login?next=/organiser/me", status_code=303)


def _roles_and_networks(form: Any) -> tuple[frozenset[Role], frozenset[str]]:
    roles = parse_roles(str(v) for v in form.getlist("roles"))
    return roles, frozenset(str(v)[:40] for v in form.getlist("networks"))
