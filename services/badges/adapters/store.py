"""Content-addressed PDF storage on disk: ``<root>/<sha256[:2]>/<sha256>.pdf``, written atomically."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from services.badges.ports import StoredPdf


class DiskPdfStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError("not a sha256 hex digest")
        return self.root / sha256[:2] / f"{sha256}.pdf"

    def put(self, pdf: bytes) -> StoredPdf:
        """Store once; the same bytes always land at the same path (idempotent, safe to repeat)."""
        sha = hashlib.sha256(pdf).hexdigest()
        path = self.path_for(sha)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".part")
            with os.fdopen(fd, "wb") as out:
                out.write(pdf)
            os.replace(tmp, path)
        return StoredPdf(sha256=sha, location=str(path))

    def delete(self, sha256: str) -> None:
        """Remove a PDF for good (erasure). Content-addressed, so the caller checks nothing else refers to it."""
        self.path_for(sha256).unlink(missing_ok=True)

    def get(self, sha256: str) -> bytes:
        return self.path_for(sha256).read_bytes()

    def remove(self, sha256: str) -> bool:
        path = self.path_for(sha256)
        existed = path.exists()
        path.unlink(missing_ok=True)
        return existed
