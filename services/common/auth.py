"""Signed tokens and organiser sign-in, shared so one sign-in works across every service.

Every token is signed with the congress secret and a *purpose* (salt), so a magic
link can never pass as a station token. Tokens carry only ids, never personal data.
Organiser passwords are scrypt hashes in the congress configuration. An organiser token
names its session (``jti``) so that sign-out can revoke it; whether a session still holds
is decided per request by ``services.common.organiser_sessions``.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from fastapi import Request
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


def organiser_token(secret: str, email: str, *, session_id: str | None = None) -> str:
    """A signed organiser session: the email and a fresh session id (``jti``), by which sign-out revokes it."""
    return sign(secret, "organiser", {"email": email, "jti": session_id or secrets.token_urlsafe(16)})


@dataclass(frozen=True)
class OrganiserToken:
    """What a valid organiser token says: who, which session, and until when (epoch seconds)."""

    email: str
    session_id: str
    expires_at: float


def bearer_or_cookie(request: Request) -> str | None:
    """The organiser token a request carries: ``Authorization: Bearer`` first, else the cookie."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return request.cookies.get(ORGANISER_COOKIE) or None


def read_organiser_token(secret: str, token: str) -> OrganiserToken | None:
    """The token's claims if it is signed, unexpired and names a session; else None.

    Tokens from before sessions had ids cannot be revoked, so they are refused.
    """
    try:
        payload, signed_at = _serializer(secret, "organiser").loads(
            token, max_age=ORGANISER_MAX_AGE, return_timestamp=True
        )
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(payload, dict):
        return None
    email, session_id = payload.get("email"), payload.get("jti")
    if not isinstance(email, str) or not isinstance(session_id, str) or not session_id:
        return None
    return OrganiserToken(email, session_id, signed_at.timestamp() + ORGANISER_MAX_AGE)
