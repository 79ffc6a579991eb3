"""Signed tokens and organiser sign-in, shared so one sign-in works across every service.

Every token is signed with the congress secret and a *purpose* (salt), so a magic
link can never pass as a station token. Tokens carry only ids, never personal data.
Organiser passwords are scrypt hashes in the congress configuration.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import HTTPException, Request
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

ORGANISER_COOKIE = "congress_organiser"
ORGANISER_MAX_AGE = 12 * 3600


class InvalidToken(Exception):
    """A token that is tampered with, expired, or made for another purpose."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@functools.lru_cache(maxsize=64)
def _serializer(secret: str, purpose: str) -> URLSafeTimedSerializer:
    """One serializer per (secret, purpose): building one per token was a measurable share of a registration."""
    return URLSafeTimedSerializer(secret, salt=f"congress.{purpose}")


def sign(secret: str, purpose: str, payload: dict[str, Any]) -> str:
    return _serializer(secret, purpose).dumps(payload)


def verify(secret: str, purpose: str, token: str, *, max_age_seconds: int | None = None) -> dict[str, Any]:
    """The payload of a valid token, or ``InvalidToken`` saying whether it expired or was tampered with."""
    serializer = _serializer(secret, purpose)
    try:
        payload = serializer.loads(token, max_age=max_age_seconds)
    except SignatureExpired as exc:
        raise InvalidToken("expired") from exc
    except BadSignature as exc:
        raise InvalidToken("tampered or not for this purpose") from exc
    if not isinstance(payload, dict):
        raise InvalidToken("malformed")
    return payload


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """``scrypt$<salt>$<hash>``, base64; for the organisers list in the congress configuration."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1)
    return f"scrypt${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, salt_b64, digest_b64 = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    expected = base64.b64decode(digest_b64)
    digest = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt_b64), n=2**14, r=8, p=1)
    return hmac.compare_digest(digest, expected)


def organiser_token(secret: str, email: str) -> str:
    return sign(secret, "organiser", {"email": email})


def organiser_from_request(secret: str, request: Request) -> str | None:
    """The signed-in organiser's email from the cookie or an ``Authorization: Bearer`` header."""
    token = request.cookies.get(ORGANISER_COOKIE)
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        token = header[7:].strip()
    if not token:
        return None
    try:
        return str(verify(secret, "organiser", token, max_age_seconds=ORGANISER_MAX_AGE)["email"])
    except InvalidToken:
        return None


def require_organiser(secret: str) -> Callable[[Request], Awaitable[str]]:
    """A FastAPI dependency: the organiser's email, or 401 (API) / redirect to the sign-in page (pages)."""

    async def dependency(request: Request) -> str:
        email = organiser_from_request(secret, request)
        if email is None:
            if "text/html" in request.headers.get("accept", ""):
                raise HTTPException(status_code=303, headers={"Location": f"/organiser/login?next={request.url.path}"})
            raise HTTPException(status_code=401, detail="organiser sign-in required")
        return email

    return dependency
