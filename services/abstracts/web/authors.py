"""Authors' pages and JSON API: submit, then revise or withdraw with the signed edit link.

No JavaScript needed: every field has a label, its error is shown beside it, and a page
with mistakes comes back with 422 and what was typed. The JSON API answers mistakes with
``application/problem+json`` listing each field.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field, ValidationError
from starlette.datastructures import FormData

from services.abstracts.commands import authors as author_commands
from services.abstracts.commands.context import Deps
from services.abstracts.commands.links import check_edit_token
from services.abstracts.domain import submission, symposium
from services.abstracts.domain.errors import Closed, Rejected
from services.abstracts.web.api_docs import AUTHOR_LINK, SUBMIT, Revised, Submitted, Withdrawn
from services.abstracts.web.forms import (
    author_draft,
    draft_from_form,
    first_error_id,
    form_values,
    person_draft,
    row_edit,
    rows_for,
)
from services.abstracts.web.pages import problem
from services.common.openapi import inline_schema
from services.common.page_language import page_language

ABSTRACT_BODY_LIMIT = 1024 * 1024
"""An abstract of 20,000 characters in any script, percent-encoded in a form with its authors, fits."""


class AuthorIn(BaseModel):
    given_name: str = Field(default="", max_length=200)
    family_name: str = Field(default="", max_length=200)
    email: str = Field(default="", max_length=320)
    affiliation: str = Field(default="", max_length=300)
    country: str = Field(default="", max_length=2, description="ISO 3166-1 alpha-2 code, e.g. KE.")
    presenting: bool = False


class PersonIn(BaseModel):
    """A symposium's chair or discussant."""

    given_name: str = Field(default="", max_length=200)
    family_name: str = Field(default="", max_length=200)
    email: str = Field(default="", max_length=320)
    affiliation: str = Field(default="", max_length=300)
    country: str = Field(default="", max_length=2, description="ISO 3166-1 alpha-2 code, e.g. KE.")

    def draft(self) -> submission.PersonDraft:
        return person_draft(self.model_dump())


class PaperIn(BaseModel):
    """One paper of a symposium, in running order."""

    title: str = Field(default="", max_length=1000)
    text: str = Field(default="", max_length=submission.MAX_TEXT_CHARS)
    authors: list[AuthorIn] = Field(default_factory=list, max_length=20)

    def draft(self) -> submission.PaperDraft:
        return submission.PaperDraft(
            title=submission.nfc(self.title),
            text=submission.nfc(self.text, multiline=True),
            authors=tuple(author_draft(a.model_dump()) for a in self.authors),
        )


class SymposiumIn(BaseModel):
    """A symposium's chair, optional discussant and 3-4 papers (only with format ``symposium``; its papers'
    authors are then the abstract's authors, so ``authors`` is left empty)."""

    chair: PersonIn = Field(default_factory=PersonIn)
    discussant: PersonIn | None = None
    papers: list[PaperIn] = Field(
        default_factory=list, max_length=6, description="3 or 4 (up to 6 are read, to say which are too many)."
    )

    def draft(self) -> submission.SymposiumDraft:
        discussant = self.discussant.draft() if self.discussant else None
        return submission.SymposiumDraft(
            chair=self.chair.draft(),
            discussant=None if discussant is None or symposium.is_blank(discussant) else discussant,
            papers=tuple(p.draft() for p in self.papers),
        )


class AbstractIn(BaseModel):
    """An abstract as sent to the JSON API; every rule is checked by the domain with a message per field.

    Every field is bounded (strings, lists), so no body can make the service work without end.
    """

    format: str = Field(max_length=40, description="paper, symposium, poster, workshop or roundtable.")
    network: str = Field(max_length=40, description="Network code from the congress configuration.")
    title: str = Field(default="", max_length=1000)
    text: str = Field(default="", max_length=4 * submission.MAX_TEXT_CHARS)
    keywords: list[Annotated[str, Field(max_length=200)]] = Field(default_factory=list, max_length=50)
    language: str = Field(default="en", max_length=35)
    authors: list[AuthorIn] = Field(default_factory=list, max_length=50)
    submitter_email: str = Field(default="", max_length=320)
    notice_version: str | None = Field(
        default=None, max_length=40, description="The privacy notice version shown (GET /privacy); else the current."
    )
    symposium: SymposiumIn | None = Field(default=None, description="A symposium's chair, discussant and papers.")

    def draft(self) -> submission.Draft:
        return submission.Draft(
            format=self.format.strip(),
            network=self.network.strip(),
            title=submission.nfc(self.title),
            text=submission.nfc(self.text, multiline=True),
            keywords=tuple(k for k in (submission.nfc(k) for k in self.keywords) if k),
            language=self.language.strip(),
            authors=tuple(author_draft(a.model_dump()) for a in self.authors),
            submitter_email=self.submitter_email.strip(),
            notice_version=self.notice_version,
            symposium=self.symposium.draft() if self.symposium else None,
        )


class WithdrawIn(BaseModel):
    reason: str = Field(default="", max_length=1000)


def authors_router(deps: Deps, templates: Jinja2Templates) -> APIRouter:
    router = APIRouter()

    most = deps.config.max_authors

    def form_page(request: Request, context: dict[str, Any], status: int = 200) -> Response:
        base = {"values": {}, "errors": {}, "rows": 3, "action": "/submit", "row": None, "token": "", "message": ""}
        base |= {"is_open": submission.is_open(deps.clock(), deps.config.deadline), "focus": ""}
        return templates.TemplateResponse(request, "submit.html", base | context, status_code=status)

    def with_mistakes(request: Request, draft: submission.Draft, errors: dict[str, str], **extra: Any) -> Response:
        context = {"values": form_values(draft), "errors": errors, "rows": rows_for(draft, most=most)}
        return form_page(request, context | {"focus": first_error_id(errors, draft)} | extra, 422)

    def edited_rows(request: Request, form: FormData, **extra: Any) -> Response | None:
        """An add/remove-author button: the same form back with one row more or less, nothing typed lost."""
        edit = row_edit(form, most)
        if edit is None:
            return None
        draft, rows, focus = edit
        return form_page(request, {"values": form_values(draft), "rows": rows, "focus": focus} | extra)

    @router.get("/", include_in_schema=False)
    async def home() -> Response:
        return RedirectResponse("/submit", status_code=303)

    @router.get("/privacy", include_in_schema=False)
    async def privacy_notice(request: Request, lang: str = "") -> Response:
        default = deps.congress.default_language
        notice = deps.privacy.notice_for(lang[:20] or page_language(request), default)  # the page's, if written
        return templates.TemplateResponse(request, "privacy.html", {"notice": notice, "lang": notice.language})

    @router.get("/submit", include_in_schema=False)
    async def submit_page(request: Request, rows: int = 3) -> Response:
        if not submission.is_open(deps.clock(), deps.config.deadline):
            raise Closed
        return form_page(request, {"rows": max(1, min(rows, most))})

    @router.post("/submit", include_in_schema=False, max_body_size=ABSTRACT_BODY_LIMIT)
    async def submit_form(request: Request) -> Response:
        form = await request.form()
        if (edited := edited_rows(request, form)) is not None:
            return edited
        draft = draft_from_form(form)
        try:
            done = await author_commands.submit(deps, draft)
        except Rejected as exc:
            return with_mistakes(request, draft, exc.errors)
        context = {"reference": done.reference, "edit_link": done.edit_link, "title": draft.title}
        return templates.TemplateResponse(request, "submitted.html", context, status_code=201)

    @router.get("/abstracts/{abstract_id}", include_in_schema=False)
    async def edit_page(request: Request, abstract_id: str, t: str = "", message: str = "") -> Response:
        check_edit_token(deps, t, abstract_id)
        row = await author_commands.load(deps, abstract_id)
        draft = row.draft()
        context = {"values": form_values(draft), "rows": rows_for(draft, most=most), "row": row, "token": t}
        return form_page(request, context | {"message": message, "action": f"/abstracts/{abstract_id}/revise?t={t}"})

    @router.post("/abstracts/{abstract_id}/revise", include_in_schema=False, max_body_size=ABSTRACT_BODY_LIMIT)
    async def revise_form(request: Request, abstract_id: str, t: str = "") -> Response:
        check_edit_token(deps, t, abstract_id)
        form = await request.form()
        editing = {"token": t, "action": f"/abstracts/{abstract_id}/revise?t={t}"}
        if (
            edited := edited_rows(request, form, row=await author_commands.load(deps, abstract_id), **editing)
        ) is not None:
            return edited
        draft = draft_from_form(form)
        try:
            await author_commands.revise(deps, abstract_id, draft)
        except Rejected as exc:
            return with_mistakes(
                request, draft, exc.errors, row=await author_commands.load(deps, abstract_id), **editing
            )
        return RedirectResponse(f"/abstracts/{abstract_id}?t={t}&message=Your+changes+are+saved.", status_code=303)

    @router.post("/abstracts/{abstract_id}/withdraw", include_in_schema=False)
    async def withdraw_form(request: Request, abstract_id: str, t: str = "") -> Response:
        check_edit_token(deps, t, abstract_id)
        reason = str((await request.form()).get("reason", ""))
        await author_commands.withdraw(deps, abstract_id, reason)
        return RedirectResponse(f"/abstracts/{abstract_id}?t={t}&message=Your+abstract+is+withdrawn.", 303)

    api_routes(router, deps)
    return router


def api_routes(router: APIRouter, deps: Deps) -> None:
    async def parsed(request: Request) -> submission.Draft | JSONResponse:
        try:
            return AbstractIn.model_validate_json(await request.body()).draft()
        except ValidationError as exc:
            found = exc.errors(include_input=False, include_url=False)
            if any(e["type"] == "json_invalid" for e in found):
                # Not JSON, or nested deeper than the parser's limit: nothing of it could be read.
                return problem(400, "The abstract could not be read", {"body": "Send the abstract as a JSON object."})
            errors = {".".join(str(p) for p in e["loc"]) or "body": str(e["msg"]) for e in found}
            return problem(422, "The abstract could not be read", errors)

    @router.post(
        "/api/abstracts",
        status_code=201,
        tags=["authors"],
        openapi_extra=_body_schema(deps),
        response_model=Submitted,
        responses=SUBMIT,
        max_body_size=ABSTRACT_BODY_LIMIT,
    )
    async def api_submit(request: Request) -> Any:
        """Submit an abstract; answers its reference and the signed edit link."""
        draft = await parsed(request)
        if isinstance(draft, JSONResponse):
            return draft
        try:
            done = await author_commands.submit(deps, draft)
        except Rejected as exc:
            return problem(422, "Your abstract has problems", exc.errors)
        token = done.edit_link.rsplit("?t=", 1)[1]
        return {
            "abstract_id": done.abstract_id,
            "reference": done.reference,
            "edit_link": done.edit_link,
            "token": token,
        }

    @router.put(
        "/api/abstracts/{abstract_id}",
        tags=["authors"],
        openapi_extra=_body_schema(deps),
        response_model=Revised,
        responses=AUTHOR_LINK,
        max_body_size=ABSTRACT_BODY_LIMIT,
    )
    async def api_revise(request: Request, abstract_id: str, t: str) -> Any:
        """Revise an abstract with its edit token (``?t=``): the full content again, content_version + 1."""
        check_edit_token(deps, t, abstract_id)
        draft = await parsed(request)
        if isinstance(draft, JSONResponse):
            return draft
        try:
            row = await author_commands.revise(deps, abstract_id, draft)
        except Rejected as exc:
            return problem(422, "Your abstract has problems", exc.errors)
        return {"abstract_id": abstract_id, "reference": row.reference, "content_version": row.content_version}

    @router.post(
        "/api/abstracts/{abstract_id}/withdraw", tags=["authors"], response_model=Withdrawn, responses=AUTHOR_LINK
    )
    async def api_withdraw(abstract_id: str, t: str, body: WithdrawIn) -> Any:
        """Withdraw an undecided or accepted abstract with its edit token (also after the deadline)."""
        check_edit_token(deps, t, abstract_id)
        row = await author_commands.withdraw(deps, abstract_id, body.reason)
        return {"abstract_id": abstract_id, "reference": row.reference, "status": row.status.value}


def _body_schema(deps: Deps) -> dict[str, Any]:
    """The abstract's schema, with the formats and this congress's networks as the choices they are.

    Validation stays the domain's (a message per field); the enums tell clients (and the
    fuzzer) which values are accepted.
    """
    schema = inline_schema(AbstractIn)
    schema["properties"]["format"]["enum"] = list(submission.FORMATS)
    schema["properties"]["network"]["enum"] = sorted(deps.config.network_names)
    return {"requestBody": {"content": {"application/json": {"schema": schema}}, "required": True}}
