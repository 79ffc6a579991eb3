"""The body-level parts of ``web_guard``: bounded reading, JSON depth, the form's token, short errors.

Kept apart from the middleware so each piece is small and testable on its own.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any
from urllib.parse import parse_qsl

from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Message, Receive, Scope, Send

from services.common import csrf, guard_wording

ECHO_CHARS = 100
"""At most this much of a rejected value comes back in a validation error."""
MAX_ERRORS = 50
"""At most this many validation errors are listed."""
_JSON_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


class BodyTooLarge(Exception):
    """The body is (or says it will be) larger than the route accepts."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"The request body is larger than this endpoint accepts ({limit // 1024} KiB); send less, "
            "or split it into several requests."
        )


async def read_body(receive: Receive, headers: Headers, limit: int) -> bytes:
    """The whole body, read as it streams and abandoned as soon as it passes ``limit``."""
    declared = headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(limit)
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands the app the body already read, then waits on the real one (disconnect)."""
    pending = True

    async def replayed() -> Message:
        nonlocal pending
        if pending:
            pending = False
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed


def media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def is_json(content_type: str) -> bool:
    kind = media_type(content_type)
    return kind == "application/json" or (kind.startswith("application/") and kind.endswith("+json"))


def json_too_deep(body: bytes, max_depth: int) -> bool:
    """Whether arrays/objects nest deeper than ``max_depth`` (brackets inside strings do not count)."""
    if body.count(b"[") + body.count(b"{") <= max_depth:
        return False
    depth = 0
    for token in _JSON_TOKENS.finditer(body):
        mark = token.group()
        if mark in (b"[", b"{"):
            depth += 1
            if depth > max_depth:
                return True
        elif mark in (b"]", b"}"):
            depth -= 1
    return False


async def sent_token(scope: Scope, headers: Headers, body: bytes) -> str | None:
    """The CSRF token the request carries: the ``X-CSRF-Token`` header, else the form's field."""
    if header := headers.get(csrf.HEADER):
        return header
    kind = media_type(headers.get("content-type", ""))
    if kind == "application/x-www-form-urlencoded":
        for name, text in parse_qsl(body.decode("latin-1"), keep_blank_values=True):
            if name == csrf.FIELD:
                return text
        return None
    if kind == "multipart/form-data":
        request = Request(scope, receive=replay(body, _nothing_more))
        try:
            form = await request.form()
        except Exception:  # noqa: BLE001 -- a malformed form simply carries no token
            return None
        field = form.get(csrf.FIELD)
        await form.close()
        return field if isinstance(field, str) else None
    return None


async def _nothing_more() -> Message:
    return {"type": "http.disconnect"}


async def refusal(status: int, message: str, headers: Headers, send: Send, *, language: str = "en") -> None:
    """Answer with ``message``: a small page for a browser, in ``language`` when the guard's catalog has it
    (``guard_wording``); ``{"detail": …}`` in English for everything else."""
    if "text/html" in headers.get("accept", ""):
        heading, said = guard_wording.say_refusal(message, language)
        page = (
            f'<!doctype html><html lang="{html.escape(language)}"><head><meta charset="utf-8">'
            f"<title>{status}</title></head><body><main><h1>{html.escape(heading)}</h1>"
            f'<p role="alert">{html.escape(said)}</p></main></body></html>'
        )
        body, kind = page.encode(), b"text/html; charset=utf-8"
    else:
        body, kind = json.dumps({"detail": message}).encode(), b"application/json"
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", kind), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def validation_error_handler(request: Request, exc: Exception) -> Response:
    """FastAPI's 422, with each rejected value cut to a short prefix and at most ``MAX_ERRORS`` errors."""
    errors = exc.errors() if isinstance(exc, RequestValidationError) else []
    return JSONResponse(status_code=422, content={"detail": short_errors(errors)})


NEVER_ECHOED = frozenset({"passport_number", "password", "token", "csrf_token", "date_of_birth"})
"""Fields whose value a refusal never repeats, not even a prefix: a secret, or personal data a
bystander (a shared screen, a proxy's log of responses) must not see."""


def short_errors(errors: Any) -> list[dict[str, Any]]:
    """Validation errors safe to send back: no value longer than ``ECHO_CHARS``, no more than ``MAX_ERRORS``,
    and no value at all of a field in ``NEVER_ECHOED``."""
    shortened = []
    for error in list(errors)[:MAX_ERRORS]:
        secret = any(part in NEVER_ECHOED for part in error.get("loc", ()))
        entry = {
            key: _short(value) for key, value in dict(error).items() if key != "ctx" and not (secret and key == "input")
        }
        if isinstance(error.get("ctx"), dict):
            entry["ctx"] = {key: _short(value) for key, value in error["ctx"].items()}
        entry["loc"] = [_short(part) for part in error.get("loc", ())]
        entry["msg"] = _short(str(error.get("msg", "")), 300)
        shortened.append(entry)
    return shortened


def _short(value: Any, limit: int = ECHO_CHARS) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return value if len(value) <= limit else value[:limit] + "…"
    text = json.dumps(jsonable_encoder(value), ensure_ascii=False, default=str)
    if len(text) <= limit:
        return jsonable_encoder(value)
    return text[:limit] + "…"
