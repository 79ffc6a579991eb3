"""Organiser sign-in pages every service can mount: GET/POST /organiser/login and /organiser/logout.

Checks the email and password against the organisers in the congress configuration
(scrypt ``password_hash``). For the demo, an organiser configured without a hash may
sign in with the password in ``CONGRESS_ORGANISER_PASSWORD``. Success sets the
organiser cookie (HttpOnly, SameSite=Lax) that ``require_organiser`` accepts in every
service, since cookies on 127.0.0.1 are shared across ports.
"""

from __future__ import annotations

import hmac
import logging

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment
from pydantic import SecretStr

from services.common.auth import ORGANISER_COOKIE, ORGANISER_MAX_AGE, organiser_token, verify_password
from services.common.congress import Congress
from services.common.csrf import add_csrf_helpers

log = logging.getLogger("congress.organiser_login")

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
{% if error %}<p role="alert" id="login-error">{{ error }}</p>{% endif %}
<form method="post" action="/organiser/login">{{ csrf_field() }}
<input type="hidden" name="next" value="{{ next }}">
<p><label for="email">Email</label><br><input id="email" name="email" type="email" autocomplete="username"
 required value="{{ email }}"{% if not email %} autofocus{% endif %}></p>
<p><label for="password">Password</label><br><input id="password" name="password" type="password"
 autocomplete="current-password" required{% if email %} autofocus{% endif %}
{%- if error %} aria-describedby="login-error"{% endif %}></p>
<p><button type="submit">Sign in</button></p></form></main></body></html>""")


def check_organiser(congress: Congress, email: str, password: str, demo_password: SecretStr | None) -> str | None:
    """The organiser's configured email if the password is right, else None."""
    wanted = email.strip().lower()
    for organiser in congress.organisers:
        if str(organiser.email).lower() != wanted:
            continue
        if organiser.password_hash:
            return str(organiser.email) if verify_password(password, organiser.password_hash) else None
        demo = demo_password.get_secret_value() if demo_password else ""
        if demo and hmac.compare_digest(password.encode(), demo.encode()):
            return str(organiser.email)
        return None
    return None


def _safe_next(target: str) -> str:
    """Only same-site paths, so the sign-in page cannot be used to redirect elsewhere."""
    return target if target.startswith("/") and not target.startswith("//") else "/"


def organiser_login_router(congress: Congress, secret: str, demo_password: SecretStr | None = None) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/organiser/login")
    async def login_page(request: Request, next: str = "/") -> HTMLResponse:
        return HTMLResponse(
            _PAGE.render(
                request=request,
                congress=congress.short_name,
                colour=congress.branding.primary_colour,
                next=_safe_next(next),
                email="",
                error="",
            )
        )

    @router.post("/organiser/login")
    async def login(
        request: Request,
        email: str = Form(""),
        password: str = Form(""),
        next: str = Form("/"),
    ) -> Response:
        who = check_organiser(congress, email, password, demo_password)
        if who is None:
            log.warning("organiser sign-in refused", extra={"email": email[:100]})
            page = _PAGE.render(
                request=request,
                congress=congress.short_name,
                colour=congress.branding.primary_colour,
                next=_safe_next(next),
                email=email,
                error="That email and password do not match an organiser account.",
            )
            return HTMLResponse(page, status_code=401)
        response = RedirectResponse(_safe_next(next), status_code=303)
        response.set_cookie(
            ORGANISER_COOKIE,
            organiser_token(secret, who),
            max_age=ORGANISER_MAX_AGE,
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
        )
        log.info("organiser signed in", extra={"organiser": who})
        return response

    @router.get("/organiser/logout")
    async def logout() -> Response:
        response = RedirectResponse("/organiser/login", status_code=303)
        response.delete_cookie(ORGANISER_COOKIE)
        return response

    return router
