"""What watchers of the stream (``congress tail``, the console) never show: links that let a person in.

Current event versions carry such links only sealed for notify, but older versions still on a topic
(``MagicLinkRequested`` v1, ``RegistrationCreated.payment_url``, ``WaitingListOffered.accept_url``,
``ReviewerAssigned.portal_link``) and dead letters carry them in clear. ``redact`` replaces the
value of every field named in ``SECRET_FIELDS`` and, in any other text, every signed token, so a
watcher sees that a link was sent but cannot use it. Pure: standard library only.
"""

from __future__ import annotations

import re
from typing import Any

REDACTED = "[redacted]"
SECRET_FIELDS = frozenset(
    {
        "link",
        "sealed_link",
        "payment_url",
        "accept_url",
        "portal_link",
        "edit_link",
        "view_link",
        "visa_link",
        "wrapped_key",
    }
)
"""Event fields whose value is (or seals) a link that lets a person in, or a person's wrapped data key."""
_TOKEN = re.compile(r"(?<![\w.-])(?:\.?[\w-]{8,}\.[\w-]{4,8}\.[\w-]{27,}|s1\.[\w-]{24,})")
"""A signed token (itsdangerous: payload, timestamp, signature; compressed ones start with a dot) or a
sealed value (``services.common.sealing``), wherever it appears in text (a URL, a dead letter's value).
It starts only where a run of token characters starts, so hostile text cannot make it backtrack
quadratically."""


def redact_text(text: str) -> str:
    """``text`` with every signed token and sealed value replaced."""
    return _TOKEN.sub(REDACTED, text)


def redact(value: Any) -> Any:
    """A copy of a JSON-like value with secret fields and tokens replaced (dicts, lists, strings)."""
    if isinstance(value, dict):
        return {
            k: (REDACTED if k in SECRET_FIELDS and isinstance(v, str) and v else redact(v)) for k, v in value.items()
        }
    if isinstance(value, list):
        return [redact(v) for v in value]
    if isinstance(value, str):
        return redact_text(value)
    return value
