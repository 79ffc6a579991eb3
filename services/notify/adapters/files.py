"""PDFs produced by badges, read from the filesystem path their event names."""

from __future__ import annotations

from pathlib import Path

from services.notify.domain.delivery import Undeliverable


class MissingDocument(Undeliverable, FileNotFoundError):
    """The event names a document that is not there (a permanent failure for that message)."""


class FileDocuments:
    def read(self, location: str, max_bytes: int) -> bytes | None:
        path = Path(location)
        try:
            if path.stat().st_size > max_bytes:
                return None
            return path.read_bytes()
        except FileNotFoundError:
            raise MissingDocument(f"document not found at {location}") from None
