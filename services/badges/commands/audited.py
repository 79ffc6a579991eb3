"""Badges' audited actions (docs/audit.md lists them) and ``note``, which records one on a unit of work."""

from __future__ import annotations

from schemas.audit import DetailValue, SubjectKind
from services.badges.ports import BadgeDeps, BadgeUnit
from services.common import audit
from services.common.audit import Action, Actor

DELEGATE, STATION = SubjectKind.DELEGATE, SubjectKind.STATION
CATALOGUE = audit.Catalogue(
    "badges",
    Action("badges.visa.approve", DELEGATE, "An organiser approved a visa request: the numbered letter was issued."),
    Action("badges.certificate.issue", DELEGATE, "An organiser issued certificates of attendance (one per delegate)."),
    Action("badges.station.issue", STATION, "An organiser issued a station token for a badge-desk device."),
    Action("badges.station.revoke", STATION, "An organiser revoked a station token."),
    Action(
        "badges.reprint",
        DELEGATE,
        "A delegate's badge was printed again at the desk (the print count).",
        by="a badge station, or an organiser signed in at the desk",
    ),
)


def note(
    deps: BadgeDeps,
    unit: BadgeUnit,
    name: str,
    actor: Actor,
    subject_id: str,
    *,
    delegate_id: str | None = None,
    **details: DetailValue,
) -> None:
    """Record ``name`` done by ``actor`` to ``subject_id``, in the caller's unit of work."""
    audit.record(
        unit, CATALOGUE, name, actor, subject_id, at=deps.clock.now(), delegate_id=delegate_id, details=details
    )


def at_the_desk(station_id: str) -> Actor:
    """Who acts at a badge desk: the station its token names, or the organiser signed in there themselves
    (``organiser:`` and their account id, ``web.access.require_station``)."""
    kind, _, account_id = station_id.partition(":")
    return audit.organiser(account_id) if kind == "organiser" and account_id else audit.station(station_id)
