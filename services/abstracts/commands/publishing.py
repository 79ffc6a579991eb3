"""Publishing the programme: the draft becomes events through the outbox; and the published programme.

What a publication emits is decided by ``domain.publication``; here it is staged in one unit of work
with the published state, so a publication is emitted whole or not at all.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from schemas.programme import PresentationMoved, ProgrammePublished, SessionCancelled, SessionScheduled
from services.abstracts.commands import audited
from services.abstracts.commands.planning import LOCK, VERSION, Programme
from services.abstracts.domain.draft import state
from services.abstracts.domain.errors import NotAllowed
from services.abstracts.domain.publication import changes, person_of, scheduled
from services.common.audit import Actor

log = logging.getLogger("congress.abstracts.programme")


async def publish(programme: Programme, actor: Actor) -> ProgrammePublished:
    """Publish the draft: the changes since the last publication, then ProgrammePublished, via the outbox."""
    deps = programme.deps
    now = deps.clock()
    async with deps.units() as unit:
        await unit.abstracts.next_number(LOCK)
        entries = await unit.programme.draft()
        if not entries:
            raise NotAllowed("There is no draft programme yet: generate it first")
        sessions, places = state(entries)
        old = await unit.programme.published()
        version = await unit.programme.counter_value(VERSION) + 1
        chairs = {e.session.id: e for e in entries}
        new = [
            scheduled(
                programme.grid, deps.congress, sessions[sid], p, version, chairs[sid].chair, person_of(chairs[sid])
            )
            for sid, p in sorted(places.items())
        ]
        events = changes(old, new, version)
        if old and not events:
            raise NotAllowed(f"Nothing changed since version {version - 1} was published")
        await unit.abstracts.next_number(VERSION)
        for event in new:
            await unit.programme.save_published(event.session_id, version, event.model_dump(mode="json"), now)
        for session_id in old.keys() - {e.session_id for e in new}:
            await unit.programme.drop_published(session_id)
        done = ProgrammePublished(
            congress_id=deps.congress.id,
            programme_version=version,
            sessions=len(new),
            presentations=sum(len(e.presentations) for e in new),
            sessions_changed=sum(isinstance(e, SessionScheduled) for e in events),
            presentations_moved=sum(isinstance(e, PresentationMoved) for e in events),
            sessions_cancelled=sum(isinstance(e, SessionCancelled) for e in events),
            unplaced=len(entries) - len(places),
            published_at=now,
            published_by=actor.name,
        )
        for emitted in [*events, done]:
            unit.stage(emitted)
        audited.note(
            deps,
            unit,
            "abstracts.programme.publish",
            actor,
            deps.congress.id,
            version=version,
            sessions=len(new),
            sessions_changed=done.sessions_changed,
            presentations_moved=done.presentations_moved,
            sessions_cancelled=done.sessions_cancelled,
        )
    log.info("programme published", extra={"version": version, "events": len(events)})
    return done


@dataclass(frozen=True)
class Publication:
    """The programme as published: its sessions, version and when (``published_at`` is ``None`` for rows
    published before the time was kept)."""

    sessions: list[SessionScheduled]
    version: int
    published_at: datetime | None


async def publication(programme: Programme) -> Publication | None:
    """The published programme with its version and time, read in one transaction; ``None`` before the first."""
    async with programme.deps.units.reading() as unit:
        last = await unit.programme.last_publication()
        payloads = await unit.programme.published()
    if last is None:
        return None
    sessions = [SessionScheduled.model_validate(p) for p in payloads.values()]
    return Publication(sessions, *last)


async def published(programme: Programme) -> list[SessionScheduled]:
    """The published programme's sessions, by start then session id."""
    async with programme.deps.units.reading() as unit:
        payloads = await unit.programme.published()
    return [SessionScheduled.model_validate(p) for p in payloads.values()]
