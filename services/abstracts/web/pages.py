"""The page plumbing every abstracts router shares: the templates, problem details, refusals as answers.

The authors' and the public pages (call for papers, submission, the programme) speak the delegate's
language (``services.common.page_language``: English, French, Spanish, German from ``../locale``);
the organisers' and reviewers' pages stay English.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from babel.dates import format_date
from email_validator import EmailNotValidError, validate_email
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from jinja2.runtime import Context

from services.abstracts.commands.context import Deps
from services.abstracts.commands.links import LinkProblem
from services.abstracts.domain import submission
from services.abstracts.domain.errors import Closed, NotAllowed, NotFound
from services.abstracts.web.forms import PAPER_AUTHOR_ROWS, PAPER_SLOTS
from services.abstracts.web.wording import FORMAT_NAMES
from services.common.countries import country_names
from services.common.csrf import add_csrf_helpers
from services.common.languages import LANGUAGES
from services.common.page_language import install_page_i18n
from services.common.text import shown

PROBLEM_JSON = "application/problem+json"
LOCALE_DIR = Path(__file__).parent.parent / "locale"


def is_email(value: str) -> bool:
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def make_templates(deps: Deps) -> Jinja2Templates:
    """The service's templates and their globals, made once by the composition root and shared by every router."""
    templates = Jinja2Templates(directory=str(Path(__file__).parent.parent / "templates"))
    templates.context_processors.append(install_page_i18n(templates.env, LOCALE_DIR))
    templates.env.finalize = shown  # the one text rule also for rows stored before it
    templates.env.filters["long_day"] = long_day
    add_csrf_helpers(templates.env)
    templates.env.globals.update(
        congress=deps.congress,
        config=deps.config,
        languages=LANGUAGES,
        country_names=country_names,
        format_options=[(f, FORMAT_NAMES[f]) for f in submission.FORMATS],
        format_names=FORMAT_NAMES,
        networks=deps.config.network_names,
        count_words=submission.count_words,
        word_limits={f: [w.min_words, w.max_words] for f, w in deps.config.word_limits.items()},
        privacy=deps.privacy,
        paper_slots=PAPER_SLOTS,
        paper_author_rows=PAPER_AUTHOR_ROWS,
    )
    return templates


@pass_context
def long_day(ctx: Context, day: date) -> str:
    """A programme day in the page's language (``Tuesday 5 January 2027``, ``mardi 5 janvier 2027``)."""
    return str(format_date(day, "EEEE d MMMM y", locale=str(ctx.get("page_lang", "en"))))


def problem(status: int, title: str, errors: dict[str, str] | None = None, detail: str = "") -> JSONResponse:
    """RFC 9457 problem details; ``errors`` lists each field path with its message."""
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status, "detail": detail or title}
    if errors is not None:
        body["errors"] = [{"field": path, "detail": message} for path, message in errors.items()]
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def install_errors(app: FastAPI, deps: Deps, templates: Jinja2Templates) -> None:
    """Refusals become an HTML page, or problem+json under ``/api/``."""

    def answer(
        request: Request, status: int, title: str, message: str, renew: tuple[str, str] | None = None
    ) -> Response:
        if request.url.path.startswith("/api/"):
            return problem(status, title, detail=message)
        context = {"title": title, "message": message, "renew": renew}
        return templates.TemplateResponse(request, "problem.html", context, status_code=status)

    @app.exception_handler(LinkProblem)
    async def _link(request: Request, exc: LinkProblem) -> Response:
        return answer(request, exc.status, exc.title, exc.message, exc.renew)

    @app.exception_handler(NotFound)
    async def _not_found(request: Request, _exc: NotFound) -> Response:
        return answer(request, 404, "Not found", "There is no such abstract here for you.")

    @app.exception_handler(NotAllowed)
    async def _not_allowed(request: Request, exc: NotAllowed) -> Response:
        return answer(request, 409, "That cannot be done", f"Sorry: {exc}.")

    @app.exception_handler(Closed)
    async def _closed(request: Request, _exc: Closed) -> Response:
        end = submission.deadline_end(deps.config.deadline)
        message = (
            f"Submissions closed at the end of {deps.config.deadline:%d %B %Y} Anywhere on Earth "
            f"({end:%d %B %Y %H:%M} UTC). Abstracts can no longer be submitted or changed; "
            "you can still withdraw one with its edit link until it is decided."
        )
        return answer(request, 403, "Abstract submission is closed", message)
