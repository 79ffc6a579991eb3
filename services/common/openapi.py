"""What every service's OpenAPI says about refusals, and the bounds of numbers that reach a database.

A route lists the refusals it can give with ``refusals(401, 404, ...)``, so a client (and
the schemathesis suite in ``tests/fuzz``) knows every status it may meet and the body that
comes with it. Integers in paths and queries that are looked up in a table are bounded
(``RowId``, ``ROW_ID_MAX``): beyond the column's range a request is refused, not overflowed.
And a 405 names every method its path allows (``answer_405_with_every_method``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import FastAPI, Path, Request
from fastapi.responses import JSONResponse, Response
from fastapi.routing import iter_route_contexts
from pydantic import AfterValidator, BaseModel, Field, PlainSerializer, WithJsonSchema

ROW_ID_MAX = 2**31 - 1
"""The largest value of an ``Integer`` column on PostgreSQL (and so on every database we support)."""

RowId = Annotated[int, Path(ge=1, le=ROW_ID_MAX, description="Row number, 1 to 2³¹−1.")]
"""An integer row id in a path; outside the range the request gets 422, never a database overflow."""


class Detail(BaseModel):
    """A refusal with one message (FastAPI's ``HTTPException`` shape)."""

    detail: str = Field(description="What went wrong, in words.")


class ErrorMessage(BaseModel):
    """A business refusal with one message."""

    error: str = Field(description="Why the request was refused, in words.")


_MEANING = {
    400: "The request or its link cannot be read (damaged, foreign or malformed).",
    401: "Organiser sign-in required (cookie or `Authorization: Bearer`).",
    403: "Not allowed: the link, station or sign-in does not give access to this.",
    404: "No such resource.",
    409: "Refused in the resource's present state.",
    410: "The link has expired.",
    413: "The request body is too large.",
    415: "The request body must be `application/json`.",
    422: "The request is not valid; the body says which field and why.",
    429: "Too many requests from this client or for this address; retry after `Retry-After` seconds.",
    502: "The payment provider did not answer as expected.",
}
_WITHOUT_SCHEMA = {413, 415, 429}


def inline_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON Schema with its ``$defs`` written in place, for an OpenAPI body FastAPI does not generate.

    (``#/$defs/...`` would point at the OpenAPI document's root, where nothing is.)
    """
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return resolve(defs[ref.removeprefix("#/$defs/")])
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    resolved: dict[str, Any] = resolve(schema)
    return resolved


def refusals(
    *codes: int, model: type[BaseModel] = Detail, media_type: str = "application/json"
) -> dict[int | str, Any]:
    """``responses=`` for a route: each status it can refuse with, its meaning and its body.

    The body is written out (not left to FastAPI's ``model``), so a CSV or calendar route's
    refusals are still documented as the JSON they are.
    """
    documented: dict[int | str, Any] = {}
    for code in codes:
        if code in _WITHOUT_SCHEMA:
            # Answered by shared middleware before the route runs: documented, the body not promised.
            documented[code] = {"description": _MEANING[code]}
            continue
        content = {media_type: {"schema": inline_schema(model)}}
        if code == 422:
            # Request validation (FastAPI's, or the shared error handler's shortened form) is JSON with a detail.
            content = (content if model is not Detail else {}) | {"application/json": {"schema": _VALIDATION}}
        documented[code] = {"description": _MEANING[code], "content": content}
    return documented


_VALIDATION = {
    "type": "object",
    "properties": {"detail": {"description": "Each field path with what is wrong (FastAPI's `loc`, `msg`, `type`)."}},
    "required": ["detail"],
}


JSON_BODY = (400, 413, 415, 422)
"""What any route reading a JSON body can answer before it runs: unreadable JSON, too large, not JSON, invalid."""


def _as_utc(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


UtcDatetime = Annotated[
    datetime,
    AfterValidator(_as_utc),
    PlainSerializer(lambda value: value.isoformat(), return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
"""A stored time as RFC 3339 with its offset, ``+00:00`` as ``isoformat`` writes it (SQLite hands back UTC
times without one)."""


def answer_405_with_every_method(app: FastAPI) -> None:
    """A 405's ``Allow`` lists every method the path has (Starlette names only the first route's)."""

    async def method_not_allowed(request: Request, exc: Exception) -> Response:
        methods = _allowed(app, request)
        headers = {"Allow": ", ".join(methods)} if methods else dict(getattr(exc, "headers", None) or {})
        return JSONResponse({"detail": "Method Not Allowed"}, status_code=405, headers=headers)

    app.add_exception_handler(405, method_not_allowed)


_METHODS = ("DELETE", "GET", "HEAD", "PATCH", "POST", "PUT")


def _allowed(app: FastAPI, request: Request) -> list[str]:
    """The methods of the resource at this path: of the routes whose path matches it, those with the fewest
    path parameters. ``/decisions/release`` is the release, not the abstract called "release" that
    ``/decisions/{abstract_id}`` would also match, so its ``Allow`` is what its documentation says (POST),
    not POST and that route's DELETE."""
    path = request.url.path
    found: dict[str, int] = {}
    for context in iter_route_contexts(app.routes):
        regex = getattr(context, "path_regex", None)
        if regex is None or not regex.match(path):
            continue
        params = len(getattr(context, "param_convertors", None) or {})
        for method in context.methods or ():
            if method in _METHODS:
                found[method] = min(params, found.get(method, params))
    if not found:
        return []
    fewest = min(found.values())
    return sorted(m for m, params in found.items() if params == fewest)
