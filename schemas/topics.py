"""Topic names and how each is keyed. One topic per bounded context.

Keys keep order where it matters: every event about one delegate (registration,
badges, notify) is keyed by delegate id, every event about an abstract by the
abstract id, so one partition sees them in the order they happened.
"""

from __future__ import annotations

from typing import Final

REGISTRATION: Final = "congress.registration"
ABSTRACTS: Final = "congress.abstracts"
PROGRAMME: Final = "congress.programme"
BADGES: Final = "congress.badges"
NOTIFY: Final = "congress.notify"
DELEGATES: Final = "congress.delegates"
"""Compacted snapshot topic: the latest state of each delegate, keyed by delegate id; a tombstone erases."""
KEYS: Final = "congress.keys"
"""Compacted: each person's data key, wrapped, keyed by key id; a tombstone erases it (crypto-shredding)."""
SESSIONS: Final = "congress.sessions"
"""Organiser sign-outs, keyed by session id; every service reads it whole from the start (no group)."""
ORGANISERS: Final = "congress.organisers"
"""Compacted: the latest snapshot of each organiser account (no password hash), and the invitations."""
AUDIT: Final = "congress.audit"
"""Who did what, keyed by the subject acted on; kept forever."""
DEADLETTER: Final = "congress.deadletter"
"""Messages a consumer could not handle, with the reason in the ``dlq.*`` headers."""

_BY_CONTEXT: Final = {
    "registration": REGISTRATION,
    "abstracts": ABSTRACTS,
    "programme": PROGRAMME,
    "badges": BADGES,
    "notify": NOTIFY,
    "delegates": DELEGATES,
    "sessions": SESSIONS,
    "keys": KEYS,
    "organisers": ORGANISERS,
    "audit": AUDIT,
}

EVENT_TOPICS: Final = (REGISTRATION, ABSTRACTS, PROGRAMME, BADGES, NOTIFY, SESSIONS, AUDIT)
"""Topics that carry CloudEvents (the snapshot and dead-letter topics are separate)."""
ALL_TOPICS: Final = (*EVENT_TOPICS, DELEGATES, KEYS, ORGANISERS, DEADLETTER)
COMPACTED_TOPICS: Final = frozenset({DELEGATES, KEYS, ORGANISERS})


def topic_for_context(context: str) -> str:
    try:
        return _BY_CONTEXT[context]
    except KeyError:
        raise ValueError(f"no topic for context {context!r}") from None
