"""The waiting-list offer link: a page that shows the offer, and the two forms that answer it.

``GET /waiting-list/accept?t=…`` (the link in the offer email) only shows what is offered, at what
price and until when: mail scanners and link previews open links, so opening one must not take a
seat or start a payment clock. ``POST /waiting-list/accept`` takes the offer (free: at once; priced:
off to pay) and ``POST /waiting-list/decline`` passes the seat to the next in line; both are rate limited
per client and per offer (``rate_limits.Door.OFFER``: 429 with ``Retry-After``). Both posts carry
the link's token in the form body (never in a URL of ours) and, like every form post, the page's
CSRF token (the web guard refuses a post without it, with or without a session). An expired, taken
or broken offer is a clear page, never a 5xx.
"""

from __future__ import annotations

from babel.dates import format_datetime
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from services.common.auth import InvalidToken, verify
from services.common.page_language import N_, page_language
from services.registration.commands import addons, offers
from services.registration.commands.links import view_token
from services.registration.commands.offers import OfferState
from services.registration.commands.records import Deps, NotAllowed
from services.registration.config import RegistrationSettings
from services.registration.web.pages import PageProblem, templates_for, token_problem
from services.registration.web.rate_limits import Door, RateLimits, knock

STATUS = {OfferState.OPEN: 200, OfferState.TAKEN: 409, OfferState.LAPSED: 410}
"""The confirm page's HTTP status for each state of the offer."""


def entry_of_link(deps: Deps, token: str) -> int:
    """The waiting-list entry a link's token is for, or the page for a broken link."""
    try:
        return int(verify(deps.secret, "waitlist", token)["entry"])
    except InvalidToken as exc:
        raise token_problem(exc, "waiting-list link") from exc
    except (KeyError, TypeError, ValueError) as exc:  # signed by us, but not an offer's claims
        broken = N_("This waiting-list link does not work")
        raise PageProblem(400, broken, N_("This link is damaged or incomplete.")) from exc


def offer_router(deps: Deps, settings: RegistrationSettings, doors: RateLimits | None) -> APIRouter:
    pages = APIRouter(include_in_schema=False)
    templates = templates_for(deps)

    async def offer_page(request: Request, token: str, *, declined: bool = False) -> Response:
        found = await offers.offer(deps, entry_of_link(deps, token))
        if found is None:
            raise PageProblem(404, N_("This waiting-list link does not work"), N_("This offer no longer exists."))
        until = ""
        if found.expires_at is not None:
            local = found.expires_at.astimezone(deps.congress.tz)
            shown = format_datetime(local, "d MMMM y HH:mm", locale=page_language(request))
            until = f"{shown} ({deps.congress.timezone})"
        context = {"offer": found, "t": token, "until": until, "declined": declined}
        status = 200 if declined else STATUS[found.state]
        return templates.TemplateResponse(request, "offer.html", context, status_code=status)

    async def posted_token(request: Request) -> str:
        form = await request.form()
        token = str(form.get("t", ""))[:2000]
        await knock(doors, Door.OFFER, request, offer_subject(token))
        return token

    def offer_subject(token: str) -> list[str]:
        """What the per-address limit counts: the waiting-list entry (one address) a genuine offer is for."""
        try:
            return [f"waiting-list entry {entry_of_link(deps, token)}"]
        except PageProblem:
            return []  # counted per client only; the page says what is wrong with the link

    @pages.get("/waiting-list/accept")
    async def show(request: Request, t: str = "") -> Response:
        return await offer_page(request, t[:2000])

    @pages.post("/waiting-list/accept")
    async def accept(request: Request) -> Response:
        token = await posted_token(request)
        try:
            done = await addons.accept_offer(deps, entry_of_link(deps, token))
        except NotAllowed:  # taken already, lapsed, declined: the page says which
            return await offer_page(request, token)
        payer = done.row.payer_id
        view = view_token(deps, payer)
        if done.pay_url is None:
            return RedirectResponse(f"/registrations/{payer}?t={view}", 303)
        if settings.uses_test_checkout:
            query = f"t={view}&session_id={done.checkout_session_id}&charge={done.charge_id}"
            return RedirectResponse(f"/test-checkout/{payer}?{query}", 303)
        return RedirectResponse(done.pay_url, 303)

    @pages.post("/waiting-list/decline")
    async def decline(request: Request) -> Response:
        token = await posted_token(request)
        was = await offers.decline(deps, entry_of_link(deps, token))
        return await offer_page(request, token, declined=was is OfferState.OPEN)

    return pages
