"""Where a registration page reads a delegate's audit trail from (issue 13's audit work implements it).

The registration page has an "Audit" section: when ``Deps.audit`` is set, its entries for the delegate
are handed to the template as ``audit`` and shown by the partial ``_audit_history.html``; until then the
section says the trail is not connected. Nothing here records anything.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol


class AuditHistory(Protocol):
    async def of_delegate(self, delegate_id: str, registration_id: str) -> Sequence[Mapping[str, Any]]:
        """What organisers (and jobs that changed money or personal data) did to this delegate, oldest first."""
        ...
