"""notify's audited actions: what admins do to organiser accounts (docs/audit.md lists them)."""

from __future__ import annotations

from schemas.audit import SubjectKind
from services.common import audit
from services.common.audit import Action

ACCOUNT = SubjectKind.ACCOUNT
CATALOGUE = audit.Catalogue(
    "notify",
    Action("notify.account.invite", ACCOUNT, "An admin invited an organiser (a new account, or a new link); roles."),
    Action("notify.account.roles", ACCOUNT, "An admin changed an organiser's roles or networks (the new ones)."),
    Action("notify.account.deactivate", ACCOUNT, "An admin deactivated an organiser: their sessions ended."),
    Action("notify.account.reactivate", ACCOUNT, "An admin reactivated an organiser's account."),
    Action("notify.account.erase", ACCOUNT, "An admin erased a deactivated organiser's account (its id; no details)."),
    Action(
        "notify.account.password",
        ACCOUNT,
        "An invited organiser set their password through the invitation link.",
        by="the invited organiser",
    ),
)
