"""Registration's audited actions (docs/audit.md lists them) and ``note``, which records one on a ``Tx``."""

from __future__ import annotations

from collections.abc import Mapping

from schemas.audit import DetailValue, SubjectKind
from services.common import audit
from services.common.audit import Action, Actor
from services.registration.commands.records import Deps
from services.registration.domain.registration import Registration
from services.registration.ports import Stages

REG = SubjectKind.REGISTRATION
SYSTEM = "the system"
CATALOGUE = audit.Catalogue(
    "registration",
    Action("registration.mark-paid", REG, "An organiser recorded an invoice's bank transfer (the invoice is paid)."),
    Action("registration.extend-hold", REG, "An organiser gave an unpaid invoice more days before it lets go."),
    Action("registration.refund", REG, "An organiser refunded card money through Stripe (amount, refund ids)."),
    Action(
        "registration.cancel",
        REG,
        "A registration was cancelled (the reason as given).",
        by="an organiser, or the delegate through their link",
    ),
    Action("registration.income-group", REG, "An organiser overrode the income group (old and new, the reason)."),
    Action(
        "registration.erase",
        REG,
        "The delegate's personal data was erased (by an organiser, by the delegate, or by retention when its period "
        "ended).",
        by="an organiser, the delegate on their page, or the system (retention)",
    ),
    Action(
        "registration.personal-export.request",
        REG,
        "A copy of everything held about the delegate was asked for.",
        by="the delegate through their link, or an organiser on their behalf",
    ),
    Action(
        "registration.personal-export.deliver",
        REG,
        "The delegate's archive was handed over (its parts, and which services did not answer).",
        by="the delegate through their link, or an organiser on their behalf",
    ),
    Action("registration.export", SubjectKind.EDITION, "An organiser downloaded the registrations CSV (filters)."),
    Action("registration.export.presenters", SubjectKind.EDITION, "An organiser downloaded the presenters CSV."),
    Action(
        "registration.broadcast.preview",
        SubjectKind.BROADCAST,
        "An organiser previewed a message to delegates (the segment, how many it reaches).",
    ),
    Action(
        "registration.broadcast.send",
        SubjectKind.BROADCAST,
        "An organiser sent a message to delegates (the segment, recipients, languages, parts).",
    ),
    Action(
        "registration.card-hold.release",
        REG,
        "An unpaid card registration's hold ended (or its Checkout expired): places given back.",
        by=SYSTEM,
    ),
    Action(
        "registration.invoice-hold.release",
        REG,
        "An unpaid invoice's hold ended: its registrations were released, places given back.",
        by=SYSTEM,
    ),
    Action(
        "registration.refund.automatic",
        REG,
        "Stripe made a refund the system owed (a delegate's cancellation policy, a late or second payment).",
        by=SYSTEM,
    ),
    Action("registration.waiting-list.offer", REG, "A freed add-on seat was offered to the next in line.", by=SYSTEM),
    Action(
        "registration.waiting-list.lapse",
        REG,
        "A waiting-list offer lapsed unanswered (the seat passed on).",
        by=SYSTEM,
    ),
    Action(
        "registration.waiting-list.decline",
        REG,
        "The delegate declined a waiting-list offer (the seat passed on at once).",
        by="the delegate through their offer link",
    ),
)

CARD_HOLDS = audit.system("registration.payment-holds")
INVOICE_HOLDS = audit.system("registration.invoice-holds")
STRIPE_TASKS = audit.system("registration.stripe-tasks")
WAITING_LIST = audit.system("registration.waiting-list")
STRIPE_WEBHOOK = audit.system("registration.stripe-webhook")


def note(
    deps: Deps,
    tx: Stages,
    name: str,
    actor: Actor,
    row: Registration,
    *,
    reason: str | None = None,
    **details: DetailValue,
) -> None:
    """Record ``name`` done by ``actor`` to one registration, in the caller's unit of work."""
    audit.record(
        tx,
        CATALOGUE,
        name,
        actor,
        row.id,
        at=deps.clock(),
        delegate_id=row.delegate_id,
        reason=reason,
        details=details,
    )


def note_edition(deps: Deps, tx: Stages, name: str, actor: Actor, details: Mapping[str, DetailValue]) -> None:
    """Record ``name`` done to the edition as a whole (an export)."""
    audit.record(tx, CATALOGUE, name, actor, deps.congress.id, at=deps.clock(), details=details)


async def exported(deps: Deps, actor: Actor, name: str, **details: DetailValue) -> None:
    """Record an organiser's CSV export with its filters (whether a search was typed, never what was typed)."""
    async with deps.units.begin() as tx:
        note_edition(deps, tx, name, actor, details)
