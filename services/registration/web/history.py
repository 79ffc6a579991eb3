"""A registration's audit history for organisers: ``GET /api/organiser/registrations/{rid}/audit`` (JSON),
and ``history_rows`` for the ``_audit_history.html`` partial a registration's page includes.

The records come from every service (``congress.audit``, kept by ``subscriptions/audit.py``), newest first.
The page names an organiser by their account as it is now (``shown_actor``: name and address, or "erased
account"); the JSON answer is the records as they were published (the account id, decision 75).
"""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from fastapi import APIRouter, Depends, HTTPException

from schemas.audit import OrganiserActed
from services.common.accounts import AccountDirectory, shown_actor
from services.common.openapi import refusals
from services.common.organiser_sessions import OrganiserSessions, require_organiser
from services.registration.commands import history
from services.registration.commands.records import Deps, NotAllowed


def history_rows(records: list[OrganiserActed], tz: tzinfo, accounts: AccountDirectory) -> list[dict[str, Any]]:
    """What the partial shows of each record: the local time, who (an organiser's account as it is now), what,
    why and the figures as text."""
    return [
        {
            "at": r.at.isoformat(),
            "local": f"{r.at.astimezone(tz):%d %b %Y %H:%M}",
            "actor_kind": r.actor_kind.value,
            "actor": shown_actor(accounts, r.actor_kind, r.actor),
            "action": r.action,
            "service": r.service,
            "subject": f"{r.subject_kind.value} {r.subject_id}",
            "reason": r.reason or "",
            "details": " ".join(f"{k}={_text(v)}" for k, v in sorted(r.details.items())),
        }
        for r in records
    ]


def _text(value: object) -> str:
    """A detail's value as JSON writes it (``true``, ``false``, empty for null)."""
    if value is None:
        return ""
    return str(value).lower() if isinstance(value, bool) else str(value)


def history_router(deps: Deps, sessions: OrganiserSessions) -> APIRouter:
    router = APIRouter(tags=["organisers"])

    @router.get(
        "/api/organiser/registrations/{rid}/audit",
        response_model=list[OrganiserActed],
        responses=refusals(401, 404),
        operation_id="registrationAuditHistory",
    )
    async def audit_history(rid: str, who: str = Depends(require_organiser(sessions))) -> list[OrganiserActed]:
        """What organisers and the system did about this registration's delegate, in every service, newest first."""
        try:
            return await history.of_registration(deps, rid)
        except NotAllowed as exc:
            raise HTTPException(404, str(exc)) from None

    return router
