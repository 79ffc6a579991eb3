"""What the abstracts JSON API answers, as published in its OpenAPI: bodies and refusals per kind of route.

Refusals of this service are RFC 9457 problem details (``application/problem+json``); those
raised before a route runs (sign-in, an unreadable or invalid body) are FastAPI's JSON.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from schemas.abstracts import AbstractFormat
from services.abstracts.domain.abstract import Status
from services.common.openapi import JSON_BODY, refusals

PROBLEM_JSON = "application/problem+json"


class FieldProblem(BaseModel):
    field: str = Field(description="Path of the field, e.g. authors.0.email.")
    detail: str = Field(description="What is wrong with it, in words.")


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[FieldProblem] | None = Field(default=None, description="One entry per field with a mistake.")


def _merged(*docs: dict[int | str, Any]) -> dict[int | str, Any]:
    """Responses documented by several calls, each status keeping every body it may have."""
    out: dict[int | str, Any] = {}
    for doc in docs:
        for code, response in doc.items():
            if code in out and "content" in response:
                out[code].setdefault("content", {}).update(response["content"])
            else:
                out[code] = {**response, "content": dict(response.get("content", {}))}
            if not out[code]["content"]:
                del out[code]["content"]
    return out


def problems(*codes: int) -> dict[int | str, Any]:
    return refusals(*codes, model=Problem, media_type=PROBLEM_JSON)


AUTHOR_LINK = _merged(refusals(*JSON_BODY), problems(400, 403, 404, 409, 410, 422))
"""A route of an author's edit link: a damaged (400), foreign (403) link, a closed call (403), a state (409)."""
SUBMIT = _merged(refusals(413, 415), problems(400, 403, 422))
REVIEWER_LINK = _merged(refusals(*JSON_BODY), problems(400, 403, 404, 409, 410, 422))
ORGANISER = _merged(refusals(401, *JSON_BODY), problems(404, 409, 422))
ORGANISER_READ = _merged(refusals(401, 422))


class Submitted(BaseModel):
    abstract_id: str
    reference: str = Field(description="e.g. ICSEI27-A-0042.")
    edit_link: str = Field(description="The signed link to revise or withdraw it.")
    token: str = Field(description="The edit token alone (``?t=`` of the edit link).")


class Revised(BaseModel):
    abstract_id: str
    reference: str
    content_version: int


class Withdrawn(BaseModel):
    abstract_id: str
    reference: str
    status: Status


class AbstractRow(BaseModel):
    """One abstract as the organisers see it."""

    abstract_id: str
    reference: str
    network: str
    format: AbstractFormat
    title: str
    status: Status
    reviews: int
    mean_score: float | None
    decided_format: AbstractFormat | None
    calibrated: float | None = Field(
        default=None, description="The mean adjusted for each reviewer's severity (issue 14); none before reviews."
    )
    calibrated_sd: float | None = Field(default=None, description="Uncertainty (posterior sd) of ``calibrated``.")
    reviewers_disagree: bool = Field(default=False, description="Severity-adjusted scores 2 points or more apart.")


class ReviewerRow(BaseModel):
    reviewer_id: str
    name: str
    email: str
    affiliation: str
    networks: list[str]
    language: str
    load: int = Field(description="Active assignments of abstracts not withdrawn.")
    reviews_done: int
    portal_link: str


class ReviewerAdded(BaseModel):
    reviewer_id: str
    portal_link: str


class ReviewerRevoked(BaseModel):
    reviewer_id: str
    status: str


class Pair(BaseModel):
    abstract_id: str
    reviewer_id: str
    other_network: bool = Field(
        default=False, description="The reviewer is from another network (only with ``network_fallback``)."
    )


class Shortfall(BaseModel):
    abstract_id: str
    reference: str
    reason: str


class Assignment(BaseModel):
    assigned: list[Pair]
    shortfalls: list[Shortfall] = Field(description="Abstracts that could not get enough reviewers, and why.")


class Unassigned(BaseModel):
    abstract_id: str
    reviewer_id: str
    status: str


class Decided(BaseModel):
    abstract_id: str
    reference: str
    status: Status
    decided_format: AbstractFormat | None
    mean_score: float | None


class MyReview(BaseModel):
    scores: dict[str, int | None]
    recommendation: str
    comments_to_authors: str
    comments_to_committee: str


class AssignedAbstract(BaseModel):
    """An abstract in a reviewer's list: no author identities."""

    abstract_id: str
    reference: str
    status: Status
    format: AbstractFormat
    network: str
    network_name: str
    title: str
    keywords: list[str]
    language: str
    content_version: int
    reviewed: bool


class BlindPaper(BaseModel):
    """A symposium's paper as a reviewer sees it: no author, chair or discussant."""

    title: str
    text: str


class BlindAbstract(AssignedAbstract):
    """What a reviewer may see of an abstract (no author identities), with their own review if any."""

    text: str
    papers: list[BlindPaper] = Field(default_factory=list, description="A symposium's papers in running order.")
    rubric: list[str] = Field(default_factory=list, description="The criteria codes this abstract is scored on.")
    my_review: MyReview | None


class ReviewerPortal(BaseModel):
    reviewer_id: str
    abstracts: list[AssignedAbstract]


class ReviewSaved(BaseModel):
    abstract_id: str
    reviewer_id: str
    status: str
