"""Messages to delegates: resolve a segment, preview the message as one recipient, send it once.

``preview`` counts the segment and renders the message as its first recipient (or the first who
reads the language asked for) receives it: with ``services.common.broadcast_mail``, the code notify
sends it with. ``send`` resolves the segment again in the transaction that stages the broadcast's
events, and marks the broadcast id used in it (``mark_once``): a repeated confirmation (a double
click, a retried request) sends nothing a second time, and says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.common import audit, broadcast_mail
from services.common.audit import Actor
from services.registration.commands.audited import CATALOGUE
from services.registration.commands.records import Deps, new_id
from services.registration.domain import broadcast as domain
from services.registration.domain.broadcast import Draft, Segment
from services.registration.domain.registration import Registration
from services.registration.ports import Filters, Tx

EVERYONE = 1_000_000
"""More rows than an edition has: a segment is resolved from every confirmed registration at once."""


@dataclass(frozen=True)
class Preview:
    count: int
    recipient: Registration | None
    """Whom the preview shows the message to (None: the segment is empty)."""
    rendered: broadcast_mail.Rendered | None
    broadcast_id: str
    """A fresh id for the confirmation form: sending twice with it sends once."""


@dataclass(frozen=True)
class Sent:
    broadcast_id: str
    count: int
    parts: int
    already: bool
    """This broadcast id was sent before: nothing was sent now."""


class BroadcastRefused(ValueError):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


async def resolve(tx: Tx, segment: Segment) -> list[Registration]:
    """The registrations the segment reaches, in registration-number order."""
    confirmed = await tx.registrations.page_listed(Filters(status="confirmed"), offset=0, limit=EVERYONE)
    keys = (
        domain.presenter_keys(await tx.presentations.all_presentations(), segment.network) if segment.network else set()
    )
    return [r for r in confirmed if domain.in_segment(r, segment, keys)]


async def known_networks(deps: Deps) -> list[str]:
    """Networks of accepted abstracts (for the compose form's choice)."""
    async with deps.units.read() as tx:
        return domain.networks(await tx.presentations.all_presentations())


def _checked(draft: Draft) -> None:
    errors = domain.problems(draft)
    if errors:
        raise BroadcastRefused(errors)


def _audit(deps: Deps, tx: Tx, name: str, actor: Actor, broadcast_id: str, **details: str | int) -> None:
    audit.record(tx, CATALOGUE, name, actor, broadcast_id, at=deps.clock(), details=details)


async def preview(deps: Deps, draft: Draft, actor: Actor, *, as_language: str = "") -> Preview:
    """How many the draft reaches and the message as one of them receives it. Raises ``BroadcastRefused``."""
    _checked(draft)
    broadcast_id = new_id("b")
    async with deps.units.begin() as tx:
        members = await resolve(tx, draft.segment)
        segment = draft.segment.describe()
        _audit(deps, tx, "registration.broadcast.preview", actor, broadcast_id, segment=segment, reach=len(members))
    wanted = broadcast_mail.base_language(as_language) if as_language else ""
    chosen = next((r for r in members if broadcast_mail.base_language(r.language) == wanted), None)
    recipient = chosen or (members[0] if members else None)
    rendered = None
    if recipient is not None:
        name = f"{recipient.given_name} {recipient.family_name}".strip()
        rendered = broadcast_mail.render(
            deps.congress, draft.versions, draft.default_language, name=name, language=recipient.language
        )
    return Preview(len(members), recipient, rendered, broadcast_id)


async def send(deps: Deps, draft: Draft, *, broadcast_id: str, actor: Actor) -> Sent:
    """Stage the broadcast's events for the segment as it is now, once per broadcast id."""
    _checked(draft)
    now = deps.clock()
    async with deps.units.begin() as tx:
        if not await tx.registrations.mark_once(f"broadcast:{broadcast_id}", now):
            return Sent(broadcast_id, 0, 0, already=True)
        members = await resolve(tx, draft.segment)
        events = domain.requested(
            congress_id=deps.congress.id,
            broadcast_id=broadcast_id,
            draft=draft,
            recipients=[r.delegate_id for r in members],
            by=actor.name,
            at=now,
        )
        for event in events:
            tx.stage(event)
        languages = " ".join(v.language for v in draft.versions)
        segment, recipients, parts = draft.segment.describe(), len(members), len(events)
        name = "registration.broadcast.send"
        _audit(
            deps,
            tx,
            name,
            actor,
            broadcast_id,
            segment=segment,
            recipients=recipients,
            languages=languages,
            parts=parts,
        )
    return Sent(broadcast_id, len(members), len(events), already=False)
