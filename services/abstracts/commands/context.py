"""What every abstracts command is given: the ports, the congress and its rules, the clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.abstracts.config import AbstractsConfig
from services.abstracts.domain.submission import SubmissionRules
from services.abstracts.ports import Units
from services.common.congress import Congress
from services.common.db import utcnow
from services.common.privacy import DEFAULT_PRIVACY, Privacy

Row = dict[str, Any]


@dataclass
class Deps:
    """Everything an abstracts command needs, built once by the composition root (``app.py``)."""

    units: Units
    congress: Congress
    config: AbstractsConfig
    rules: SubmissionRules
    secret: str
    public_url: str
    is_email: Callable[[str], bool]
    clock: Callable[[], datetime] = field(default=utcnow)
    privacy: Privacy = field(default=DEFAULT_PRIVACY)
    """The edition's privacy notice (shown on the submission form; its version recorded per abstract)."""

    @property
    def counter(self) -> str:
        """The counter the abstracts' references are numbered by."""
        return f"abstracts:{self.congress.id}"
