"""A publication's books in another page language, made on demand.

The edition's book speaks ``badges.book_language``; a visitor may ask ``/book?lang=fr`` for the same
publication's books in another of the pages' languages. The wish is recorded (one row per publication and
language, whichever copy of badges or however many visitors asked), and the job ``badges.book`` makes it after
the edition's books, under the same lease, backoff and single settlement. Pure.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Translation:
    """One publication's books in one other language: asked for, made, or failing."""

    version: int
    language: str
    attempts: int = 0
    """Renders that failed so far."""
    retry_at: datetime | None = None
    failure: str = ""
    made: bool = False

    def due(self, now: datetime) -> bool:
        """Whether the job should make it now: not made, and not waiting out a failure's backoff."""
        return not self.made and (self.retry_at is None or self.retry_at <= now)
