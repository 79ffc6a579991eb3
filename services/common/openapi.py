"""What every service's OpenAPI says about refusals, and the bounds of numbers that reach a database.

A route lists the refusals it can give with ``refusals(401, 404, ...)``, so a client (and
the schemathesis suite in ``tests/fuzz``) knows every status it may meet and the body that
comes with it. Integers in paths and queries that are looked up in a table are bounded
(``RowId``, ``ROW_ID_MAX``): beyond the column's range a request is refused, not overflowed.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path
from pydantic import BaseModel, Field

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
"""Answered by shared middleware before the route runs: documented, their body not promised."""


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
    """``responses=`` for a route: each status it can refuse with, its meaning and its body."""
    documented: dict[int | str, Any] = {}
    for code in codes:
        if code in _WITHOUT_SCHEMA or (code == 422 and model is Detail):
            # 413/415/429 come from shared middleware; FastAPI documents its own 422 body.
            documented[code] = {"description": _MEANING[code]}
        elif media_type == "application/json":
            documented[code] = {"description": _MEANING[code], "model": model}
        else:
            documented[code] = {
                "description": _MEANING[code],
                "content": {media_type: {"schema": inline_schema(model)}},
            }
    return documented
