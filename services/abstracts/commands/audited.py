"""Abstracts' audited actions (docs/audit.md lists them) and ``note``, which records one on a unit of work."""

from __future__ import annotations

from collections.abc import Mapping

from schemas.audit import DetailValue, SubjectKind
from services.abstracts.commands.context import Deps
from services.abstracts.ports import Unit
from services.common import audit
from services.common.audit import Action, Actor

ABSTRACT, REVIEWER, PROGRAMME = SubjectKind.ABSTRACT, SubjectKind.REVIEWER, SubjectKind.PROGRAMME
CATALOGUE = audit.Catalogue(
    "abstracts",
    Action("abstracts.assign", ABSTRACT, "An organiser's assignment run gave an abstract a reviewer (one per pair)."),
    Action("abstracts.unassign", ABSTRACT, "An organiser took a reviewer off an abstract (the reason as given)."),
    Action(
        "abstracts.ask-another", ABSTRACT, "An organiser asked one reviewer more for an abstract (the engine's pick)."
    ),
    Action("abstracts.decide", ABSTRACT, "An organiser accepted (in a format) or rejected an abstract."),
    Action(
        "abstracts.decision.stage", ABSTRACT, "An organiser staged a decision (accept, reject, move); nobody is told."
    ),
    Action("abstracts.decision.unstage", ABSTRACT, "An organiser withdrew a staged decision."),
    Action("abstracts.decision.release", ABSTRACT, "An organiser released a staged decision (outcome, release id)."),
    Action(
        "abstracts.symposium.amend",
        ABSTRACT,
        "An organiser changed a symposium's chair, discussant or papers (their count, not their names).",
    ),
    Action("abstracts.reviewer.add", REVIEWER, "An organiser added a reviewer (their networks)."),
    Action("abstracts.reviewer.revoke-link", REVIEWER, "An organiser made a reviewer's portal link stop working."),
    Action("abstracts.programme.generate", PROGRAMME, "An organiser replaced the draft programme with a new one."),
    Action("abstracts.programme.update", PROGRAMME, "An organiser brought the draft up to date with the decisions."),
    Action("abstracts.programme.move-session", PROGRAMME, "An organiser moved a session (day, slot, room)."),
    Action("abstracts.programme.move-presentation", ABSTRACT, "An organiser moved a presentation to another session."),
    Action("abstracts.programme.chair", PROGRAMME, "An organiser named or cleared a session's chair (not the name)."),
    Action("abstracts.programme.publish", PROGRAMME, "An organiser published the programme (its version, counts)."),
    Action(
        "abstracts.person.erase",
        SubjectKind.PERSON,
        "An organiser erased an author or reviewer by email (the reason, abstracts touched; a pseudonym, no address).",
    ),
)


def note(
    deps: Deps,
    unit: Unit,
    name: str,
    actor: Actor,
    subject_id: str,
    *,
    reason: str | None = None,
    details: Mapping[str, DetailValue] | None = None,
    **more: DetailValue,
) -> None:
    """Record ``name`` done by ``actor`` to ``subject_id``, in the caller's unit of work."""
    figures = {**(details or {}), **more}
    audit.record(unit, CATALOGUE, name, actor, subject_id, at=deps.clock(), reason=reason, details=figures)
