"""Organiser sign-in pages every service can mount: GET/POST /organiser/login and /organiser/logout.

Checks the email and password against the organisers configured now (scrypt
``password_hash``, checked on a worker thread so a burst of sign-ins does not stall the
service). For the demo, an organiser configured without a hash may sign in with the
password in ``CONGRESS_ORGANISER_PASSWORD``. Repeated failures slow and then lock sign-in
per account and per client address (``login_throttle``: 429 with ``Retry-After``).
Success sets the organiser cookie (HttpOnly, SameSite=Lax) that ``require_organiser``
accepts in every service, since cookies on 127.0.0.1 are shared across ports.

Sign-out is a POST (``GET /organiser/logout`` only shows the button): it revokes the
session here at once and announces ``OrganiserSignedOut`` so every other service revokes
it too when it reads the event (``session_events``).
"""

from __future__ import annotations

import asyncio
import functools
import hmac
import logging
from collections.abc import Awaitable, Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import TypeVar

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from jinja2 import Environment
from pydantic import SecretStr

from schemas.sessions import OrganiserSignedOut
from services.common.auth import (
    ORGANISER_COOKIE,
    ORGANISER_MAX_AGE,
    bearer_or_cookie,
    hash_password,
    read_organiser_token,
    verify_password,
)
from services.common.congress import Congress, Organiser
from services.common.csrf import add_csrf_helpers
from services.common.login_throttle import LoginThrottle, Wait
from services.common.organiser_sessions import OrganiserSessions
from services.common.session_events import SignOuts

log = logging.getLogger("congress.organiser_login")
T = TypeVar("T")

_PAGE = add_csrf_helpers(Environment(autoescape=True)).from_string("""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Organiser sign-in · {{ congress }}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font-family:system-ui,"Noto Sans",sans-serif;max-width:26rem;margin:3rem auto;padding:1rem;color:#222}
h1{border-bottom:4px solid {{ colour }};padding-bottom:.5rem} label{font-weight:600}
input{width:100%;box-sizing:border-box;font:inherit;padding:.5rem;margin-top:.25rem}
button{font:inherit;font-weight:600;padding:.6rem 1.4rem;background:{{ colour }};color:#fff;border:0;border-radius:4px}
[role=alert]{color:#a00;font-weight:600;border-left:4px solid #a00;padding-left:.5rem}
</style></head>
<body><main><h1>Organiser sign-in</h1><p>{{ congress }}</p>
{% if notice %}<p role="status">{{ notice }}</p>{% endif %}
{% if error %}<p role="alert" id="login-error">{{ error }}</p>{% endif %}
<form method="post" action="/organiser/login">{{ csrf_field() }}
<input type="hidden" name="next" value="{{ next }}">
<p><label for="email">Email</label><br><input id="email" name="email" type="email" autocomplete="username"
 required value="{{ email }}"{% if not email %} autofocus{% endif %}></p>
<p><label for="password">Password</label><br><input id="password" name="password" type="password"
 autocomplete="current-password" required{% if email %} autofocus{% endif %}
{%- if error %} aria-describedby="login-error"{% endif %}></p>
<p><button type="submit">Sign in</button></p></form>
{% if not door %}<p><small>Invited by email? Sign in on the organiser accounts' page (notify's
<code>/organiser/login</code>); that sign-in holds here too.</small></p>{% endif %}</main></body></html>""")

_SIGN_OUT_PAGE = add_csrf_helpers(Environment(autoescape=True)).from_string("""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign out · {{ congress }}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font-family:system-ui,"Noto Sans",sans-serif;max-width:26rem;margin:3rem auto;padding:1rem;color:#222}
h1{border-bottom:4px solid {{ colour }};padding-bottom:.5rem}
button{font:inherit;font-weight:600;padding:.6rem 1.4rem;background:{{ colour }};color:#fff;border:0;border-radius:4px}
[role=alert]{color:#a00;font-weight:600;border-left:4px solid #a00;padding-left:.5rem}
</style></head>
<body><main><h1>Sign out</h1><p>{{ congress }}</p>
{% if error %}<p role="alert">{{ error }}</p>{% endif %}
{% if organiser %}<p>Signed in as {{ organiser }}. Signing out ends this session in every service.</p>
<form method="post" action="/organiser/logout">{{ csrf_field() }}<p><button type="submit">Sign out</button></p></form>
{% else %}<p>You are not signed in. <a href="/organiser/login">Sign in</a></p>{% endif %}
</main></body></html>""")

_HASHING = ThreadPoolExecutor(max_workers=2, thread_name_prefix="congress-scrypt")
"""scrypt takes ~35 ms of CPU: on these threads, never on the event loop (threads start on first use)."""


async def hashing(call: Callable[[], T]) -> T:
    """Run a password hash or check (scrypt) on the hashing threads, off the event loop."""
    return await asyncio.get_running_loop().run_in_executor(_HASHING, call)


@functools.cache
def _no_such_organiser_hash() -> str:
    return hash_password("no organiser has this password")


def check_organiser(
    organisers: Iterable[Organiser], email: str, password: str, demo_password: SecretStr | None
) -> str | None:
    """The organiser's configured email if the password is right, else None.

    Slow on purpose (scrypt): call it off the event loop. An unknown email is hashed too,
    so the time taken does not tell which addresses are organisers.
    """
    wanted = email.strip().lower()
    for organiser in organisers:
        if str(organiser.email).lower() != wanted:
            continue
        if organiser.password_hash:
            return str(organiser.email) if verify_password(password, organiser.password_hash) else None
        demo = demo_password.get_secret_value() if demo_password else ""
        if demo and hmac.compare_digest(password.encode(), demo.encode()):
            return str(organiser.email)
        return None
    verify_password(password, _no_such_organiser_hash())
    return None


async def check_organiser_off_loop(
    organisers: Iterable[Organiser], email: str, password: str, demo_password: SecretStr | None
) -> str | None:
    """``check_organiser`` on the hashing threads, so the service keeps answering meanwhile."""
    call = functools.partial(check_organiser, tuple(organisers), email, password, demo_password)
    return await asyncio.get_running_loop().run_in_executor(_HASHING, call)


def _safe_next(target: str) -> str:
    """Only same-site paths, so the sign-in page cannot be used to redirect elsewhere."""
    return target if target.startswith("/") and not target.startswith("//") else "/"


def _wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


PasswordCheck = Callable[[str, str], Awaitable[str | None]]
"""(email, password) -> the account's email if the password is right: the accounts owner's door."""


def organiser_login_router(
    congress: Congress,
    sessions: OrganiserSessions,
    sign_outs: SignOuts,
    demo_password: SecretStr | None = None,
    throttle: LoginThrottle | None = None,
    accounts_door: PasswordCheck | None = None,
) -> APIRouter:
    """The sign-in and sign-out routes; ``throttle`` defaults to this router's own counters.

    Every service signs in the edition file's organisers (the seeded admins). The accounts'
    owner (notify) passes ``accounts_door``, which checks the passwords of the accounts it
    keeps; either way the account must be active (``sessions.accounts``) to sign in.
    """
    router = APIRouter(include_in_schema=False)
    throttle = throttle or LoginThrottle()

    def login_page(
        request: Request, *, next: str, email: str = "", error: str = "", notice: str = "", status: int = 200
    ) -> Response:
        page = _PAGE.render(
            request=request,
            congress=congress.short_name,
            colour=congress.branding.primary_colour,
            next=_safe_next(next),
            email=email,
            error=error,
            notice=notice,
            door=accounts_door is not None,
        )
        return HTMLResponse(page, status_code=status)

    def refused(request: Request, wait: Wait, email: str, next: str) -> Response:
        headers = {"Retry-After": str(wait.seconds)}
        if _wants_json(request):
            body = {"detail": wait.message(), "retry_after_seconds": wait.seconds, "locked": wait.locked}
            return JSONResponse(body, status_code=429, headers=headers)
        response = login_page(request, next=next, email=email, error=wait.message(), status=429)
        response.headers.update(headers)
        return response

    @router.get("/organiser/login")
    async def show_login(request: Request, next: str = "/", signed_out: bool = False) -> Response:
        return login_page(request, next=next, notice="You are signed out." if signed_out else "")

    @router.post("/organiser/login")
    async def login(
        request: Request,
        email: str = Form(""),
        password: str = Form(""),
        next: str = Form("/"),
    ) -> Response:
        account = email.strip().lower()[:320]
        client = request.client.host if request.client else "unknown"
        wait = throttle.attempt(account, client)
        if wait is not None:
            log.warning("organiser sign-in throttled", extra={"email": account[:100], "wait": wait.seconds})
            return refused(request, wait, email, next)
        who = await check_organiser_off_loop(sessions.organisers.current(), email, password, demo_password)
        if who is None and accounts_door is not None:
            who = await accounts_door(email, password)
        known = sessions.accounts.get(who) if who is not None else None
        if known is None or not known.active:
            who = None  # a deactivated account: the same answer as a wrong password
        if who is None:
            log.warning("organiser sign-in refused", extra={"email": account[:100]})
            if _wants_json(request):
                return JSONResponse({"detail": "That email and password do not match an organiser account."}, 401)
            error = "That email and password do not match an organiser account."
            return login_page(request, next=next, email=email, error=error, status=401)
        throttle.succeeded(account, client)
        response = RedirectResponse(_safe_next(next), status_code=303)
        response.set_cookie(
            ORGANISER_COOKIE,
            sessions.issue(who),
            max_age=ORGANISER_MAX_AGE,
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
        )
        log.info("organiser signed in", extra={"organiser": who})
        return response

    @router.get("/organiser/logout")
    async def confirm_logout(request: Request) -> HTMLResponse:
        """Harmless on purpose: a link or a forged GET cannot sign anyone out, it only shows the button."""
        return HTMLResponse(
            _SIGN_OUT_PAGE.render(
                request=request,
                congress=congress.short_name,
                colour=congress.branding.primary_colour,
                organiser=sessions.organiser(request),
                error="",
            )
        )

    @router.post("/organiser/logout")
    async def logout(request: Request) -> Response:
        token = bearer_or_cookie(request)
        claims = read_organiser_token(sessions.secret, token) if token else None
        if claims is not None:
            sessions.revoke(claims.session_id, claims.expires_at)
            expires_at = datetime.fromtimestamp(claims.expires_at, UTC)
            try:
                await sign_outs.publish(OrganiserSignedOut(session_id=claims.session_id, expires_at=expires_at))
            except Exception:
                log.exception("could not announce a sign-out; the session is revoked here only")
                page = _SIGN_OUT_PAGE.render(
                    request=request,
                    congress=congress.short_name,
                    colour=congress.branding.primary_colour,
                    organiser=claims.email,
                    error="Signing out of the other services failed. Please try again.",
                )
                return HTMLResponse(page, status_code=503, headers={"Retry-After": "5"})
            log.info("organiser signed out", extra={"organiser": claims.email})
        response = RedirectResponse("/organiser/login?signed_out=1", status_code=303)
        response.delete_cookie(ORGANISER_COOKIE)
        return response

    return router
