"""The internal export of what one service holds about one person (issue 16, docs/privacy.md "Export").

Registration assembles a delegate's archive from every service's own answer. It asks each one
``GET /internal/export`` with a bearer token it signs with the congress secret (purpose
``personal-export``, valid ``TOKEN_SECONDS``) naming the person: their delegate id and email address. A
service answers only for the person the token names — the token is the whole question — as JSON
``{"service": ..., "data": {...}}``; a missing, forged or stale token is a 401.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, HTTPException, Request

from services.common.auth import InvalidToken, sign, verify

PURPOSE = "personal-export"
TOKEN_SECONDS = 300
PATH = "/internal/export"


@dataclass(frozen=True)
class Person:
    """Whom an export is about."""

    delegate_id: str
    email: str


def export_token(secret: str, person: Person) -> str:
    """The bearer token that asks a service for what it holds about ``person``."""
    return sign(secret, PURPOSE, {"delegate_id": person.delegate_id, "email": person.email})


def person_of(secret: str, request: Request) -> Person:
    """The person a request's bearer token names, or 401."""
    header = request.headers.get("authorization", "")
    token = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
    try:
        claims = verify(secret, PURPOSE, token, max_age_seconds=TOKEN_SECONDS)
    except InvalidToken as exc:
        raise HTTPException(status_code=401, detail=f"export token {exc.reason}") from exc
    return Person(str(claims["delegate_id"]), str(claims["email"]))


Answer = Callable[[Person], Awaitable[dict[str, Any]]]
"""What one service holds about a person, as plain JSON values."""


def export_router(service: str, secret: str, answer: Answer) -> APIRouter:
    """``GET /internal/export`` for one service (not in the public OpenAPI document)."""
    router = APIRouter(include_in_schema=False)

    @router.get(PATH)
    async def export(request: Request) -> dict[str, Any]:
        return {"service": service, "data": await answer(person_of(secret, request))}

    return router
