"""The organisers' programme commands: generate the draft from the accepted abstracts, move sessions and
presentations under the scheduling rules, and read the draft as a day × room grid."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import date
from typing import Any

from schemas.abstracts import AbstractFormat, Author, SymposiumRole
from schemas.audit import DetailValue
from services.abstracts.commands import audience, audited
from services.abstracts.commands.context import Deps
from services.abstracts.domain import draft, grouping, scheduling, updating
from services.abstracts.domain.abstract import Abstract, Status
from services.abstracts.domain.errors import NotFound, Rejected
from services.abstracts.domain.session_chair import Chair, ChairMistakes, SessionChairDraft, chair_of
from services.abstracts.ports import Unit
from services.abstracts.programme_config import ProgrammeConfig
from services.common.audit import Actor

log = logging.getLogger("congress.abstracts.programme")
VERSION = "programme-version"
LOCK = "programme-runs"


@dataclass
class Programme:
    """What the programme commands need: the abstracts service's deps, the rooms and times, the placer."""

    deps: Deps
    config: ProgrammeConfig
    placer: scheduling.Placer

    @property
    def grid(self) -> scheduling.Grid:
        return self.config.grid()


def _presenter(person: Author | SymposiumRole) -> scheduling.Presenter:
    return scheduling.Presenter(f"{person.given_name} {person.family_name}", person.email, person.language)


def talk_of(abstract: Abstract) -> scheduling.Talk:
    """An accepted abstract as a talk in its decided format; its presenters (the first author if none is marked).
    A symposium accepted as one brings its papers in order (each with its presenting authors), chair and
    discussant; accepted in another format, it is an abstract of its own."""
    kind = (abstract.decided_format or abstract.format).value
    symposium = abstract.symposium if kind == AbstractFormat.SYMPOSIUM else None
    return scheduling.Talk(
        abstract_id=abstract.id,
        reference=abstract.reference,
        title=abstract.title,
        network=abstract.network,
        kind=kind,
        keywords=abstract.keywords,
        presenters=tuple(_presenter(a) for a in abstract.presenters),
        papers=tuple(
            scheduling.Paper(p.title, tuple(_presenter(a) for a in p.authors if a.presenting))
            for p in (symposium.papers if symposium else ())
        ),
        chair=_presenter(symposium.chair) if symposium else None,
        discussant=_presenter(symposium.discussant) if symposium and symposium.discussant else None,
    )


def limits_of(programme: Programme) -> updating.Limits:
    config = programme.config
    return updating.Limits(config.papers_per_session, config.posters_per_session, programme.deps.config.network_names)


async def _generated(programme: Programme, unit: Unit, talks: list[scheduling.Talk]) -> scheduling.Schedule:
    """Replace the draft (in the caller's unit of work) with a fresh schedule of these talks, rooms sized by
    each session's expected audience."""
    limits = limits_of(programme)
    sessions = grouping.group(talks, limits.networks, limits.papers_per_session, limits.posters_per_session)
    seats = audience.seats(await audience.expected(unit, sessions, programme.config.audience.rule()))
    # the search takes seconds of CPU: off the event loop, so the service keeps answering meanwhile
    result = await asyncio.to_thread(scheduling.schedule, sessions, programme.grid, programme.placer, None, seats)
    entries = draft.generated(result)
    await unit.programme.replace_draft(entries)
    log.info("programme draft generated", extra={"sessions": len(entries), "unplaced": len(result.unplaced)})
    return result


async def generate(programme: Programme, actor: Actor) -> scheduling.Schedule:
    """Replace the draft with a fresh schedule of every accepted abstract."""
    deps = programme.deps
    async with deps.units() as unit:
        await unit.abstracts.next_number(LOCK)  # one run at a time
        talks = [talk_of(a) for a in await unit.abstracts.listing(status=Status.ACCEPTED)]
        result = await _generated(programme, unit, talks)
        placed, unplaced = len(result.places), len(result.unplaced)
        audited.note(
            deps, unit, "abstracts.programme.generate", actor, deps.congress.id, placed=placed, unplaced=unplaced
        )
        return result


@dataclass(frozen=True)
class Updated:
    """What an update did to the draft."""

    joined: dict[str, str]
    """Abstract id → the existing session it was added to."""
    placed: dict[str, scheduling.Place]
    """Sessions placed by this update (new ones, and draft sessions that had no place) and where."""
    dropped: dict[str, str]
    """Abstract id → the session it left (no longer accepted)."""
    emptied: tuple[str, ...]
    """Sessions removed because they were left empty."""
    unplaced: tuple[scheduling.Unplaced, ...]
    """Sessions that still have no place, with the reason."""
    generated: bool = False
    """There was no draft: the update generated one."""


async def update(programme: Programme, actor: Actor) -> Updated:
    """Bring the draft up to date with the decisions, keeping every placed session, chair and running order;
    only new sessions are placed, around the others. With no draft yet, the same as ``generate``."""
    async with programme.deps.units() as unit:
        await unit.abstracts.next_number(LOCK)  # one run at a time
        talks = [talk_of(a) for a in await unit.abstracts.listing(status=Status.ACCEPTED)]
        entries = await unit.programme.draft()
        if not entries:
            fresh = await _generated(programme, unit, talks)
            _noted_update(programme, unit, actor, len(fresh.places), len(fresh.unplaced), generated=True)
            return Updated({}, fresh.places, {}, (), fresh.unplaced, generated=True)
        sessions, places = draft.state(entries)
        taken = set(await unit.programme.published())
        plan = updating.plan_update(list(sessions.values()), places, talks, programme.grid, limits_of(programme), taken)
        expected = await audience.expected(unit, plan.sessions, programme.config.audience.rule())
        result = await asyncio.to_thread(
            scheduling.schedule, plan.sessions, programme.grid, programme.placer, plan.fixed, audience.seats(expected)
        )
        await unit.programme.replace_draft(draft.updated(entries, plan, result))
        placed = {sid: p for sid, p in result.places.items() if sid not in plan.fixed}
        _noted_update(programme, unit, actor, len(placed), len(result.unplaced), joined=len(plan.joined))
    done = Updated(plan.joined, placed, plan.dropped, plan.emptied, result.unplaced)
    log.info("programme draft updated", extra={"joined": len(done.joined), "placed": len(placed)})
    return done


def _noted_update(
    programme: Programme, unit: Unit, actor: Actor, placed: int, unplaced: int, **more: DetailValue
) -> None:
    deps = programme.deps
    counts: dict[str, DetailValue] = {"placed": placed, "unplaced": unplaced, **more}
    audited.note(deps, unit, "abstracts.programme.update", actor, deps.congress.id, details=counts)


async def move_session(
    programme: Programme, session_id: str, day: date, slot: int, room: str, actor: Actor
) -> list[str]:
    """Put a session at another (day, slot, room); ``Rejected`` if that breaks a rule. Returns warnings."""
    async with programme.deps.units() as unit:
        sessions, places = draft.state(await unit.programme.draft())
        if session_id not in sessions:
            raise NotFound(session_id)
        target = scheduling.Place(day, slot, room)
        problems = scheduling.place_problems(sessions[session_id], target, sessions, places, programme.grid)
        if problems:
            raise Rejected({"place": " ".join(problems)})
        await unit.programme.place_session(session_id, day, slot, room)
        where: dict[str, DetailValue] = {"day": day.isoformat(), "slot": slot, "room": room}
        audited.note(programme.deps, unit, "abstracts.programme.move-session", actor, session_id, details=where)
    parallel = scheduling.parallel_networks(sessions[session_id], target, sessions, places)
    return [f"It now runs in parallel with {', '.join(parallel)} of the same network."] if parallel else []


async def move_presentation(programme: Programme, abstract_id: str, to_session: str, actor: Actor) -> list[str]:
    """Move one abstract into another session of its kind; ``Rejected`` if that breaks a rule."""
    async with programme.deps.units() as unit:
        sessions, places = draft.state(await unit.programme.draft())
        source = next((s for s in sessions.values() if any(t.abstract_id == abstract_id for t in s.talks)), None)
        if source is None:
            raise NotFound(abstract_id)
        target = sessions.get(to_session)
        if target is None:
            raise Rejected({"to_session": "Choose a session of the programme."})
        limit = {"paper": programme.config.papers_per_session, "poster": programme.config.posters_per_session}
        errors = scheduling.transfer_problems(abstract_id, source, target, sessions, places, programme.grid, limit)
        if errors:
            raise Rejected({"to_session": " ".join(errors)})
        talk = next(t for t in source.talks if t.abstract_id == abstract_id)
        left = tuple(t for t in source.talks if t.abstract_id != abstract_id)
        if left:
            await unit.programme.set_talks(source.id, left)
        else:
            await unit.programme.drop_session(source.id)
        await unit.programme.set_talks(target.id, (*target.talks, talk))
        moved: dict[str, DetailValue] = {"from_session": source.id, "to_session": target.id}
        audited.note(programme.deps, unit, "abstracts.programme.move-presentation", actor, abstract_id, details=moved)
    return [] if left else [f"{source.id} had no other presentation and is removed."]


async def set_chair(programme: Programme, session_id: str, typed: SessionChairDraft, actor: Actor) -> Chair | None:
    """Name a session's chair (with an email: a person, published sealed with the session), or clear it with an
    empty name; mistakes are ``Rejected`` by field. The record says which, not the name nor the address."""
    try:
        chair = chair_of(typed, programme.deps.is_email)
    except ChairMistakes as exc:
        raise Rejected(exc.errors) from None
    async with programme.deps.units() as unit:
        args = (chair.name, chair.email, chair.language) if chair else (None, None, "en")
        if not await unit.programme.set_chair(session_id, *args):
            raise NotFound(session_id)
        person = chair is not None and chair.email is not None
        audited.note(
            programme.deps, unit, "abstracts.programme.chair", actor, session_id, named=chair is not None, person=person
        )
    return chair


async def has_draft(programme: Programme) -> bool:
    async with programme.deps.units.reading() as unit:
        return await unit.programme.has_draft()


async def draft_view(programme: Programme) -> dict[str, Any]:
    """The draft as days of rows (one per slot) of cells (one per room), plus what is not placed and which
    presentations have no registered presenter."""
    async with programme.deps.units.reading() as unit:
        entries = await unit.programme.draft()
        version = await unit.programme.counter_value(VERSION)
        marked = await unit.marks.marked()
        sessions, places = draft.state(entries)
        expected = await audience.expected(unit, list(sessions.values()), programme.config.audience.rule())
    at = {p: sessions[sid] for sid, p in places.items()}
    grid = programme.grid
    days: dict[date, list[dict[str, Any]]] = {}
    for slot in grid.slots:
        cells = [at.get(scheduling.Place(slot.day, slot.index, r.code)) for r in grid.rooms]
        days.setdefault(slot.day, []).append({"slot": slot, "cells": cells})
    unplaced = [(e.session, e.unplaced_reason or "") for e in entries if e.place is None]
    clashes = scheduling.network_clashes(sessions, places)
    capacity = {sid: room.capacity for sid, p in places.items() if (room := grid.room(p.room))}
    return {
        "days": days,
        "rooms": grid.rooms,
        "sessions": list(sessions.values()),
        "chairs": {e.session.id: e.chair for e in entries if e.chair},
        "chair_emails": {e.session.id: e.chair_email for e in entries if e.chair and e.chair_email},
        "places": places,
        "unplaced": unplaced,
        "clashes": clashes,
        "version": version,
        "generated": bool(entries),
        "unregistered": {t.abstract_id for s in sessions.values() for t in s.talks} & marked,
        "audience": expected,
        "capacity": capacity,
        "overflowing": {sid: expected[sid].seats - c for sid, c in capacity.items() if expected[sid].seats > c},
    }


def update_message(done: Updated) -> str:
    """What an update did, in a sentence or two for the organiser."""
    if done.generated:
        text = f"There was no draft, so one was generated: {len(done.placed)} session(s) placed"
        return f"{text}, {len(done.unplaced)} not placed."
    text = (
        f"Draft updated: {len(done.joined)} presentation(s) added to existing sessions, "
        f"{len(done.placed)} new session(s) placed, {len(done.dropped)} presentation(s) removed"
        f" ({len(done.emptied)} emptied session(s) removed), {len(done.unplaced)} not placed."
    )
    reasons = [f"{u.session_id}: {u.reason}" for u in done.unplaced]
    return " ".join([text, *reasons]) + " Everything else stayed where it was."
