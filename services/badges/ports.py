"""What the handlers need from the outside world; adapters implement these, tests use fakes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from services.badges.adapters.pdf import BadgeContent


@dataclass(frozen=True)
class StoredPdf:
    sha256: str
    location: str


class Renderer(Protocol):
    """Renders PDFs without blocking the event loop (a process pool in production)."""

    async def render_badge(self, content: BadgeContent) -> bytes: ...

    async def render_badges(self, contents: list[BadgeContent]) -> list[bytes | Exception]:
        """One PDF per delegate, in order; a delegate whose badge cannot be drawn gets the error instead."""
        ...

    async def render_document(self, template: str, context: dict[str, Any]) -> bytes: ...

    async def render_sheets(self, contents: list[BadgeContent]) -> bytes: ...


class PdfStore(Protocol):
    def put(self, pdf: bytes) -> StoredPdf: ...

    def get(self, sha256: str) -> bytes: ...


class Clock(Protocol):
    def now(self) -> datetime: ...
