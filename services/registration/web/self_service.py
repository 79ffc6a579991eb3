"""A delegate's own pages after registering: sign in by magic link (and out), change the badge, cancel
(a waiting-list offer's link: ``offer_pages.py``).

The magic link (single use, expiring; ``links.py``) opens a page "Sign in as <first name>" and changes nothing
(mail scanners and link previews open every link in a mail); its button posts the token in the form, with
the page's CSRF token (which the web guard asks of every form post), spends the link and sets a signed
session cookie for ``SESSION_SECONDS``. Asking for a link (``/sign-in``, ``/new-link``) and pressing its
button are rate limited per client and per address (``rate_limits``: 429 with ``Retry-After``); asking
answers the same whether or not the address has a registration. Every ``/me`` page reads the
registration from the session, so a delegate only ever sees their own.
Problems (an expired, tampered or spent link, no session) are HTML pages (``pages.PageProblem``).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.convertors import Convertor, register_url_convertor

from schemas.registration import LinkKind
from services.common.auth import InvalidToken, sign, verify
from services.common.page_language import N_
from services.common.text import clean_for_display, clean_input
from services.registration.commands import consent, links, manage, queries
from services.registration.commands.records import Deps
from services.registration.config import RegistrationSettings
from services.registration.domain import pricing as domain
from services.registration.domain.registration import Registration, with_badge
from services.registration.web.pages import PageProblem, templates_for, token_problem
from services.registration.web.rate_limits import Door, RateLimits, knock

DELEGATE_COOKIE = "congress_delegate"
SESSION_SECONDS = 2 * 3600


class SignedToken(Convertor[str]):
    """A path segment that can be a signed token: it has a dot (``payload.time.signature``), a page's name never.

    So ``/me/{token:signed}`` cannot shadow a page ``/me/<word>`` declared after it, whatever the order.
    """

    regex = r"[^/]*\.[^/]*"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("signed", SignedToken())


def spent(renew: tuple[str, str]) -> PageProblem:
    """The page of a sign-in link used before, with "send me a new link"."""
    return PageProblem(
        410, N_("This sign-in link was already used"), N_("A sign-in link works once."), new_link=True, renew=renew
    )


def self_service_router(deps: Deps, settings: RegistrationSettings, doors: RateLimits | None) -> APIRouter:
    pages = APIRouter(include_in_schema=False)
    templates = templates_for(deps)

    @pages.get("/sign-in")
    async def sign_in(request: Request) -> Response:
        return templates.TemplateResponse(request, "signin.html", {"sent": False})

    @pages.post("/sign-in")
    async def sign_in_submit(request: Request) -> Response:
        form = await request.form()
        email = str(form.get("email", ""))[:320]
        await knock(doors, Door.SIGN_IN_LINK, request, [email])
        await links.request_sign_in(deps, email)
        return templates.TemplateResponse(request, "signin.html", {"sent": True})

    @pages.post("/new-link")
    async def new_link(request: Request) -> Response:
        """Mail a fresh link in place of an expired or spent one, to the address on record (same answer always)."""
        form = await request.form()
        await knock(doors, Door.SIGN_IN_LINK, request)  # per client, like the sign-in form
        kind = LinkKind.VIEW if form.get("kind") == LinkKind.VIEW.value else LinkKind.SIGN_IN
        await links.renew(deps, kind, str(form.get("t", ""))[:2000])
        return templates.TemplateResponse(request, "link_sent.html", {})

    def link_subject(token: str) -> list[str]:
        """What the button's per-address limit counts: the registration a genuine link was mailed for."""
        try:
            return [f"registration {links.check_sign_in_token(deps, token)['rid']}"]
        except InvalidToken:
            return []  # counted per client only; the page says what is wrong with the link

    async def checked_link(token: str) -> tuple[Registration | None, str, str]:
        """The registration a sign-in link is for and its single-use id, or the page for a link that does not
        work (tampered, expired, erased, spent); nothing is spent here."""
        renew = (LinkKind.SIGN_IN.value, token)
        try:
            claims = links.check_sign_in_token(deps, token)
        except InvalidToken as exc:
            raise token_problem(exc, "sign-in link", new_link=True, renew=renew) from exc
        signed = await queries.registration(deps, claims["rid"])
        if signed is not None and signed.erased:
            raise PageProblem(
                410, N_("This registration was erased"), N_("The personal data of this registration was erased.")
            )
        if await links.sign_in_spent(deps, claims["jti"]):
            raise spent(renew)
        return signed, claims["rid"], claims["jti"]

    @pages.get("/me/{token:signed}")
    async def magic(request: Request, token: str) -> Response:
        """The link in the mail only shows whom it signs in: scanners and previews open links (GET, HEAD)."""
        signed, _rid, _jti = await checked_link(token[:2000])
        name = signed.given_name if signed is not None else ""
        return templates.TemplateResponse(request, "signin_link.html", {"name": name, "t": token[:2000]})

    @pages.post("/me/sign-in")
    async def magic_sign_in(request: Request) -> Response:
        """The link's page's button: spends the link (its token in the form, never in a URL) and opens a session."""
        form = await request.form()
        token = str(form.get("t", ""))[:2000]
        await knock(doors, Door.SIGN_IN, request, link_subject(token))
        _signed, rid, jti = await checked_link(token)
        if not await links.use_sign_in(deps, jti):  # another tab (or a replay) pressed it first
            raise spent((LinkKind.SIGN_IN.value, token))
        response = RedirectResponse("/me", status_code=303)
        response.set_cookie(
            DELEGATE_COOKIE,
            sign(deps.secret, "delegate-session", {"rid": rid}),
            max_age=SESSION_SECONDS,
            httponly=True,
            samesite="lax",
        )
        return response

    @pages.post("/me/sign-out")
    async def sign_out(request: Request) -> Response:
        """End the session; the page deletes this device's offline copies of the agenda (``forget-offline.js``)."""
        response = templates.TemplateResponse(request, "signed_out.html", {})
        response.delete_cookie(DELEGATE_COOKIE)
        return response

    async def me_row(request: Request) -> Registration:
        return await signed_in_row(deps, request)

    async def me_page(
        request: Request, row: Registration, message: str = "", errors: dict[str, str] | None = None
    ) -> Response:
        refund = domain.refund_due(deps.rules, row.total_minor if row.paid else 0, deps.clock())
        on_its_way = await queries.refunds_on_their_way(deps, row.id)
        context = {"r": row, "refund": refund, "on_its_way": on_its_way, "message": message, "errors": errors or {}}
        context["mine"] = await consent.mine(deps, row.id)
        return templates.TemplateResponse(request, "me.html", context | {"lang": row.language})

    @pages.get("/me")
    async def me(request: Request) -> Response:
        return await me_page(request, await me_row(request))

    @pages.post("/me/badge")
    async def me_badge(request: Request) -> Response:
        row = await me_row(request)
        form = await request.form()
        typed = {k: str(form.get(k, "")) for k in manage.BADGE_FIELDS if k in form}
        changes, errors = checked_text(typed)
        if errors:
            return await me_page(request, with_badge(row, typed), errors=errors)
        row = await manage.update_badge(deps, row.id, changes)
        return await me_page(request, row, N_("Badge details saved."))

    @pages.post("/me/cancel")
    async def me_cancel(request: Request) -> Response:
        row = await me_row(request)
        form = await request.form()
        # the refund the policy gives on the card payments is queued with the cancellation (``stripe_tasks``)
        row = await manage.cancel(
            deps, row.id, by="delegate", reason=clean_for_display(str(form.get("reason", "")))[:500]
        )
        return await me_page(request, row, N_("Your registration is cancelled."))

    return pages


async def signed_in_row(deps: Deps, request: Request) -> Registration:
    """The registration of the delegate signed in on this request, or a ``PageProblem`` (401, 404)."""
    try:
        claims = verify(
            deps.secret,
            "delegate-session",
            request.cookies.get(DELEGATE_COOKIE, ""),
            max_age_seconds=SESSION_SECONDS,
        )
    except InvalidToken as exc:
        raise PageProblem(
            401, N_("Please sign in again"), N_("Your session has ended; sign in with a link by email."), new_link=True
        ) from exc
    row = await queries.registration(deps, str(claims["rid"]))
    if row is None:
        raise PageProblem(404, N_("No such registration"), N_("This registration no longer exists."))
    if row.erased:  # after an erasure no link or session opens it (the person's data is gone)
        raise PageProblem(
            410, N_("This registration was erased"), N_("The personal data of this registration was erased.")
        )
    return row


def checked_text(typed: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """Each field as stored (the one text rule), and a message beside each field that breaks it or is empty."""
    changes: dict[str, str] = {}
    errors: dict[str, str] = {}
    for field, value in typed.items():
        try:
            changes[field] = clean_input(value)
        except ValueError as exc:
            errors[field] = str(exc)
        else:
            if not changes[field]:
                errors[field] = N_("Please fill this in.")
    return changes, errors
