"""A minimal organiser sign-in, used only until ``services.common.organiser_login`` exists.

Organisers come from the congress configuration: a password hash there, or (for
the demo's organiser, listed without one) the generated demo password from
settings. The cookie is the shared organiser token, so it works on every service.
"""

from __future__ import annotations

from html import escape

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse, RedirectResponse

from services.common.auth import (
    ORGANISER_COOKIE,
    ORGANISER_MAX_AGE,
    organiser_token,
    verify_password,
)
from services.common.congress import Congress

_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Organiser sign-in</title>
<link rel="stylesheet" href="/static/console.css"></head><body class="login"><main>
<h1>{title}</h1><p>Organiser sign-in</p>{error}
<form method="post" action="/organiser/login"><input type="hidden" name="next" value="{next}">
<label>Email <input name="email" type="email" required autofocus></label>
<label>Password <input name="password" type="password" required></label>
<button type="submit">Sign in</button></form></main></body></html>"""


def _safe_next(target: str) -> str:
    return target if target.startswith("/") and not target.startswith("//") else "/"


def login_router(congress: Congress, secret: str, *, demo_password: str | None) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    def page(next_: str, error: str = "") -> HTMLResponse:
        body = _PAGE.format(title=escape(congress.short_name), next=escape(_safe_next(next_)),
                            error=f'<p class="error" role="alert">{escape(error)}</p>' if error else "")
        return HTMLResponse(body, status_code=401 if error else 200)

    def password_ok(email: str, password: str) -> bool:
        for organiser in congress.organisers:
            if organiser.email.lower() != email.strip().lower():
                continue
            if organiser.password_hash:
                return verify_password(password, organiser.password_hash)
            return bool(demo_password) and password == demo_password
        return False

    @router.get("/organiser/login")
    async def login_form(next: str = "/") -> HTMLResponse:
        return page(next)

    @router.post("/organiser/login", response_model=None)
    async def login(email: str = Form(), password: str = Form(), next: str = Form("/")) -> HTMLResponse | RedirectResponse:
        if not password_ok(email, password):
            return page(next, "Unknown organiser or wrong password.")
        response = RedirectResponse(_safe_next(next), status_code=303)
        response.set_cookie(ORGANISER_COOKIE, organiser_token(secret, email.strip().lower()),
                            max_age=ORGANISER_MAX_AGE, httponly=True, samesite="lax")
        return response

    @router.post("/organiser/logout")
    async def logout() -> RedirectResponse:
        response = RedirectResponse("/organiser/login", status_code=303)
        response.delete_cookie(ORGANISER_COOKIE)
        return response

    return router
