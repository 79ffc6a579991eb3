"""Server-rendered pages for delegates: register (self or group), check the price, pay, come back.

Also what every page module shares: HTML problem pages, the templates with their filters,
the payer's view link (``links.py`` signs it). A delegate's own pages after registering (sign in, change
the badge, cancel, take a waiting-list offer) are in ``self_service.py``.

No JavaScript needed. Every field has a label, errors are shown beside their field,
text is autoescaped (names are never HTML) and carries its ``lang``. Delegate pages speak
the delegate's language (``services.common.page_language``: English, French, Spanish,
German from ``../locale``); the organisers' pages stay English.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from babel.dates import format_datetime
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError
from starlette.datastructures import FormData

from schemas.registration import LinkKind
from schemas.values import PaymentMethod
from services.common.auth import InvalidToken
from services.common.countries import country_names
from services.common.csrf import add_csrf_helpers
from services.common.languages import LANGUAGES
from services.common.page_language import N_, install_page_i18n, page_language
from services.common.printable import print_warning
from services.common.sentence import Sentence
from services.common.text import shown
from services.registration.commands import payments, queries
from services.registration.commands.links import check_view_token
from services.registration.commands.records import Deps, NotAllowed, RegistrationRejected
from services.registration.commands.register import price_all, register
from services.registration.commands.requests import RegistrationIn
from services.registration.config import RegistrationSettings
from services.registration.domain.privacy import ACCESS_LABELS, DIET_LABELS
from services.registration.domain.registration import Status
from services.registration.ports import PaymentError
from services.registration.web.api import GROUP_BODY_LIMIT
from services.registration.web.page_filters import install_filters
from services.registration.web.rate_limits import Door, RateLimits, TooManyRequests, knock

FIELDS = ("given_name", "family_name", "badge_name", "affiliation", "country", "email", "language", "category", "code")
INVOICE_FIELDS = ("institution_name", "institution_address", "email", "vat_id", "purchase_order")
LOCALE_DIR = Path(__file__).parent.parent / "locale"


class PageProblem(Exception):
    """Something a person must be told on a page (not as JSON): a bad or spent link, no session.

    ``new_link``: offer the sign-in form; ``renew``: offer "send me a new link" for this (kind, old token),
    which mails a fresh link to the address on record.
    """

    def __init__(
        self, status: int, title: str, message: str, *, new_link: bool = False, renew: tuple[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.title, self.message, self.new_link, self.renew = status, title, message, new_link, renew


TOKEN_TITLES: dict[str, tuple[str, str]] = {
    "registration link": (N_("This registration link has expired"), N_("This registration link does not work")),
    "sign-in link": (N_("This sign-in link has expired"), N_("This sign-in link does not work")),
    "waiting-list link": (N_("This waiting-list link has expired"), N_("This waiting-list link does not work")),
}
"""Each kind of link's two titles, whole sentences so that each language can word them its own way."""


def token_problem(
    exc: InvalidToken, what: str, *, new_link: bool = False, renew: tuple[str, str] | None = None
) -> PageProblem:
    """410 for an expired link (it was good once: a new one can be sent), 400 for a tampered or foreign one."""
    expired, broken = TOKEN_TITLES[what]
    if exc.reason == "expired":
        return PageProblem(410, expired, N_("This link is too old to use."), new_link=new_link, renew=renew)
    return PageProblem(400, broken, N_("This link is damaged or incomplete."), new_link=new_link)


def check_payer(deps: Deps, token: str, payer_id: str) -> None:
    """The signed view token must be for this payer and not expired (a ``PageProblem`` otherwise)."""
    try:
        payer = check_view_token(deps, token)
    except InvalidToken as exc:
        raise token_problem(exc, "registration link", new_link=True, renew=(LinkKind.VIEW.value, token)) from exc
    if payer != payer_id:
        raise PageProblem(403, N_("This link is for another registration"), N_("Use the link you were sent."))


def install_page_errors(app: FastAPI, deps: Deps) -> None:
    """Pages answer problems with an HTML page; the JSON API (``/api/``, ``/stripe/``) keeps its JSON."""
    templates = templates_for(deps)

    def page(request: Request, problem: PageProblem) -> Response:
        context = {"title": problem.title, "message": problem.message, "new_link": problem.new_link}
        context["renew"] = problem.renew
        return templates.TemplateResponse(request, "problem.html", context, status_code=problem.status)

    @app.exception_handler(PageProblem)
    async def _problem(request: Request, exc: PageProblem) -> Response:
        return page(request, exc)

    @app.exception_handler(NotAllowed)
    async def _not_allowed(request: Request, exc: NotAllowed) -> Response:
        if request.url.path.startswith(("/api/", "/stripe/")):
            return JSONResponse({"detail": str(exc)}, status_code=409)
        return page(request, PageProblem(409, N_("That cannot be done"), f"Sorry: {exc}."))

    @app.exception_handler(TooManyRequests)
    async def _too_many(request: Request, exc: TooManyRequests) -> Response:
        headers = {"Retry-After": str(exc.retry_after)}
        if request.url.path.startswith(("/api/", "/stripe/")):
            return JSONResponse({"detail": str(exc)}, status_code=429, headers=headers)
        response = page(request, PageProblem(429, N_("Please wait a little"), exc.sentence))
        response.headers.update(headers)
        return response

    @app.exception_handler(PaymentError)
    async def _payment_error(request: Request, exc: PaymentError) -> Response:
        if request.url.path.startswith(("/api/", "/stripe/")):
            return JSONResponse({"detail": str(exc)}, status_code=502)
        return page(request, PageProblem(502, N_("The payment provider did not answer as expected"), str(exc)))


def templates_for(deps: Deps) -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
    templates.context_processors.append(install_page_i18n(templates.env, LOCALE_DIR))
    install_filters(templates.env, deps)
    templates.env.filters["unprintable"] = print_warning  # issue 17: the review page warns of a name no font prints
    templates.env.finalize = shown  # the one text rule also for rows stored before it
    add_csrf_helpers(templates.env)
    templates.env.globals.update(congress=deps.congress, config=deps.config, languages=LANGUAGES)
    templates.env.globals["countries"] = country_names
    templates.env.globals.update(privacy=deps.privacy, diet_labels=DIET_LABELS, access_labels=ACCESS_LABELS)
    return templates


def friendly(err: Any) -> str:
    """A message a person understands for one pydantic error (pages translate it: the ``wording`` filter)."""
    kind, loc = err["type"], err["loc"]
    if kind in ("missing", "string_too_short"):
        return N_("Please fill this in.")
    if loc and loc[-1] == "country":
        return N_("Choose the country from the list.")
    if loc and loc[-1] == "email":
        return N_("Enter an email address like name@example.org.")
    if loc and loc[-1] == "language":
        return N_("Choose a language from the list.")
    if kind == "string_too_long":
        return N_("This is too long.")
    if kind == "text_character" and isinstance(said := err.get("ctx", {}).get("said"), Sentence):
        return said  # a hidden character, named: the page says it in its language
    return str(err["msg"])


def form_body(form: FormData, n: int) -> dict[str, Any]:
    delegates = []
    for i in range(n):
        p = f"delegates.{i}."
        item: dict[str, Any] = {k: str(form.get(p + k, "")) for k in FIELDS}
        item.update(
            country=item["country"].strip().upper(),
            code=item["code"].strip() or None,
            language=item["language"] or "en",
            add_ons=[str(v) for v in form.getlist(p + "add_ons")],
            waitlist_if_full=bool(form.get(p + "waitlist_if_full")),
        )
        item.update(privacy_fields(form, p))
        delegates.append(item)
    body: dict[str, Any] = {"delegates": delegates, "payment_method": str(form.get("payment_method", "card"))}
    if body["payment_method"] == "invoice":
        body["invoice"] = {k: str(form.get("invoice." + k, "")).strip() for k in INVOICE_FIELDS}
    return body


def privacy_fields(form: FormData, p: str) -> dict[str, Any]:
    """The notice version the form showed, the optional consents (unticked: False) and the special needs."""
    version = str(form.get("notice_version", "")).strip()
    return {
        "notice_version": version or None,
        "consent_listed": bool(form.get(p + "consent_listed")),
        "consent_photos": bool(form.get(p + "consent_photos")),
        "consent_sponsors": bool(form.get(p + "consent_sponsors")),
        "special_needs_consent": bool(form.get(p + "special_needs_consent")),
        "diets": [str(v) for v in form.getlist(p + "diets")],
        "diet_other": str(form.get(p + "diet_other", "")),
        "access": [str(v) for v in form.getlist(p + "access")],
        "access_other": str(form.get(p + "access_other", "")),
    }


def delegates_in(form: FormData, most: int) -> int:
    """How many delegates the form has (``n``, 1 by default), or a clear 422 page if it is not a small whole number."""
    raw = str(form.get("n") or "1").strip()
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 3):
        raise PageProblem(
            422, "This form could not be read", f"The number of delegates must be a whole number from 1 to {most}."
        )
    return max(1, min(int(raw), most))


def pages_router(deps: Deps, settings: RegistrationSettings, doors: RateLimits | None) -> APIRouter:
    pages = APIRouter(include_in_schema=False)
    templates = templates_for(deps)

    async def seats() -> dict[str, int]:
        return await queries.seats_left(deps)

    async def form_page(request: Request, n: int, values: Any, errors: dict[str, str], status: int = 200) -> Response:
        until = format_datetime(deps.rules.early_bird_until, "d MMMM y HH:mm", locale=page_language(request))
        return templates.TemplateResponse(
            request,
            "register.html",
            {"n": n, "values": values, "errors": errors, "seats": await seats(), "early_bird_until": until},
            status_code=status,
        )

    @pages.get("/")
    async def home(request: Request) -> Response:
        return await form_page(request, 1, FormData(), {})

    @pages.get("/privacy")
    async def privacy_notice(request: Request, lang: str = "") -> Response:
        wanted = lang[:20] or page_language(request)  # the page's language when the notice is written in it
        shown = deps.privacy.notice_for(wanted, deps.congress.default_language)
        return templates.TemplateResponse(request, "privacy.html", {"shown": shown, "lang": shown.language})

    @pages.get("/group")
    async def group(request: Request, n: int = 5) -> Response:
        return await form_page(request, max(2, min(n, deps.config.group.max_size)), FormData(), {})

    @pages.post("/register", max_body_size=GROUP_BODY_LIMIT)
    async def submit(request: Request) -> Response:
        form = await request.form()
        n = delegates_in(form, deps.config.group.max_size)
        action = form.get("action")
        if action != "edit":  # "See the price" is a quote; "Confirm" registers
            door = Door.REGISTER if action == "confirm" else Door.QUOTE
            await knock(doors, door, request, [str(form.get(f"delegates.{i}.email", "")) for i in range(n)])
        try:
            body = RegistrationIn.model_validate(form_body(form, n))
        except ValidationError as exc:
            errors = {".".join(str(p) for p in e["loc"]): friendly(e) for e in exc.errors()}
            return await form_page(request, n, form, errors, 422)
        forms = [d.normalised() for d in body.delegates]
        try:
            if action == "edit":
                return await form_page(request, n, form, {})
            if action != "confirm":
                quotes = price_all(deps, forms, deps.clock())
                hidden = [(k, str(v)) for k, v in form.multi_items() if k != "action"]
                return templates.TemplateResponse(
                    request,
                    "review.html",
                    {
                        "delegates": list(zip(forms, quotes, strict=True)),
                        "total": sum(q.total for q in quotes),
                        "method": body.payment_method,
                        "hidden": hidden,
                    },
                )
            done = await register(deps, body)
        except RegistrationRejected as exc:
            return await form_page(request, n, form, exc.errors, 422)
        target = done.payment_url or f"/registrations/{done.payer_id}?t={done.view_token}"
        return RedirectResponse(target, status_code=303)

    def payer_from(token: str, payer_id: str) -> None:
        check_payer(deps, token, payer_id)

    @pages.get("/registrations/{payer_id}")
    async def status(request: Request, payer_id: str, t: str = "", cancelled: int = 0) -> Response:
        payer_from(t, payer_id)
        rows = await queries.payer_registrations(deps, payer_id)
        due = sum(r.total_minor for r in rows if r.status is Status.PENDING)
        pay_url = f"/pay/{payer_id}?t={t}" if due and rows[0].payment_method is PaymentMethod.CARD else None
        return templates.TemplateResponse(
            request,
            "status.html",
            {
                "rows": rows,
                "due": due,
                "pay_url": pay_url,
                "cancelled": bool(cancelled),
                "lang": rows[0].language if rows else "en",
            },
        )

    @pages.get("/pay/{payer_id}")
    async def pay(payer_id: str, t: str = "") -> Response:
        payer_from(t, payer_id)
        checkout = await payments.start_checkout(deps, payer_id)
        if settings.uses_test_checkout:
            return RedirectResponse(f"/test-checkout/{payer_id}?t={t}&session_id={checkout.session_id}", 303)
        return RedirectResponse(checkout.url, status_code=303)

    return pages
