"""Pages of a long list: which rows, of how many, and the links to the neighbours.

A list an organiser reads is never cut off silently: it shows ``Showing 501–1,000 of 1,560``
with previous/next links, and its JSON carries ``total`` and the ``next``/``previous`` URLs.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

MAX_PAGE_SIZE = 1000
MAX_PAGE = 1_000_000
"""The highest page number a list's ``page`` parameter takes (past the end shows the last page)."""


@dataclass(frozen=True)
class Paging:
    """Page ``page`` (1-based) of ``size`` rows out of ``total``; ``query`` are the other parameters to keep."""

    page: int
    size: int
    total: int
    path: str
    query: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, page: int, size: int, total: int, path: str, **query: str) -> Paging:
        """Sizes and pages outside the sensible range are brought into it (a past-the-end page shows the last)."""
        size = max(1, min(size, MAX_PAGE_SIZE))
        last = max(1, -(-total // size))
        kept = tuple((k, v) for k, v in query.items() if v)
        return cls(max(1, min(page, last)), size, total, path, kept)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size

    @property
    def last_page(self) -> int:
        return max(1, -(-self.total // self.size))

    def url(self, page: int) -> str:
        return f"{self.path}?{urlencode((*self.query, ('page', str(page)), ('size', str(self.size))))}"

    @property
    def next(self) -> str | None:
        return self.url(self.page + 1) if self.page < self.last_page else None

    @property
    def previous(self) -> str | None:
        return self.url(self.page - 1) if self.page > 1 else None

    def summary(self, shown: int) -> str:
        """``Showing 501–1,000 of 1,560`` (or ``Nothing to show``)."""
        if not shown:
            return "Nothing to show" if not self.total else f"Nothing on this page of {self.total:,}"
        return f"Showing {self.offset + 1:,}–{self.offset + shown:,} of {self.total:,}"
