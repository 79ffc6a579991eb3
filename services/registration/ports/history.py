"""A delegate's audit history as registration keeps it: the records of ``congress.audit`` that name them."""

from __future__ import annotations

from typing import Protocol

from schemas.audit import OrganiserActed


class AuditHistory(Protocol):
    """Every audit record (from any service) that carries a delegate id, kept for the organisers' view."""

    async def keep(self, record: OrganiserActed) -> bool:
        """Keep one record (once: False if it was kept already)."""
        ...

    async def of_delegate(self, delegate_id: str, *, limit: int) -> list[OrganiserActed]:
        """The delegate's records, newest first, at most ``limit``."""
        ...
