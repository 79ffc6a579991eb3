"""Events of the programme context, emitted by services/abstracts when the organisers publish the programme.

Accepted abstracts are grouped into sessions (papers of one network together; a symposium,
roundtable or workshop is a session of its own; posters in poster sessions) and placed into
(day, slot, room). The schedule is a draft until an organiser publishes it; publishing emits
``SessionScheduled`` for each session, and a re-publish emits only what changed
(``SessionScheduled`` for a changed session, ``PresentationMoved`` for each abstract whose
session or time changed, ``SessionCancelled`` for a session that is gone), then one
``ProgrammePublished``. Every event about a session is keyed by the session id;
``ProgrammePublished`` by the congress id.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from schemas.base import EventData
from schemas.personal import ByEmail, Personal

ByChair = Annotated[str | None, Personal(person="chair_email")]
"""A session chair's name or address, sealed with the key of the person whose email is ``chair_email`` (the
session's key when the chair is a name only)."""


class SessionKind(StrEnum):
    PAPER = "paper"
    SYMPOSIUM = "symposium"
    POSTER = "poster"
    WORKSHOP = "workshop"
    ROUNDTABLE = "roundtable"


class Presenter(BaseModel):
    """An author who presents, as the abstract lists them."""

    model_config = ConfigDict(frozen=True)

    name: ByEmail = Field(description="Given and family name as typed.")
    email: ByEmail = Field(description="Presenter's email address.")
    language: str = Field(default="en", description="BCP 47 tag for this presenter's emails.")


class Presentation(BaseModel):
    """One accepted abstract in a session, in running order; in a symposium's session, one of its papers
    (each paper a presentation with the symposium's abstract id and reference, and its ``paper`` number)."""

    model_config = ConfigDict(frozen=True)

    abstract_id: str = Field(description="Abstract id (the abstracts context's key).")
    reference: str = Field(description="Human reference, e.g. ICSEI27-A-0042.")
    title: str = Field(description="Title of the abstract.")
    presenters: tuple[Presenter, ...] = Field(description="Presenting authors in the abstract's order.")
    paper: int | None = Field(
        default=None, description="The paper's number (1-4) in its symposium; None for an abstract of its own."
    )
    moved_from: str | None = Field(
        default=None,
        description="The session it was in at the previous publication, when this publication moved it here "
        "from another session (a PresentationMoved tells its presenters; the session's event does not).",
    )


class Placement(BaseModel):
    """Where and when a session takes place."""

    model_config = ConfigDict(frozen=True)

    session_id: str = Field(description="Session id.")
    day: date = Field(description="Day in the congress timezone.")
    starts_at: datetime = Field(description="Start (UTC).")
    ends_at: datetime = Field(description="End (UTC).")
    room_code: str = Field(description="Room code from the congress configuration.")
    room_name: str = Field(description="Room name.")


class ProgrammeEvent(EventData):
    abstract: ClassVar[bool] = True
    context: ClassVar[str] = "programme"
    key_field: ClassVar[str] = "session_id"

    congress_id: str = Field(description="Edition.")


class SessionEvent(ProgrammeEvent):
    abstract: ClassVar[bool] = True

    session_id: str = Field(description="Session id; the Kafka key.")


class SessionScheduled(SessionEvent):
    """Emitted when a published programme holds a session for the first time, or the session changed."""

    title: str = Field(description="Session title.")
    kind: SessionKind = Field(description="Paper, symposium, poster, workshop or roundtable session.")
    network: str = Field(description="Code of the thematic network ('' for a session that mixes networks).")
    day: date = Field(description="Day in the congress timezone.")
    starts_at: datetime = Field(description="Start (UTC).")
    ends_at: datetime = Field(description="End (UTC).")
    timezone: str = Field(description="IANA timezone of the congress, to show local times.")
    room_code: str = Field(description="Room code.")
    room_name: str = Field(description="Room name.")
    chair: ByChair = Field(
        default=None,
        description="Session chair, if named; sealed with the chair's own key when they have an address "
        "(``chair_email``), else with the session's.",
    )
    discussant: str | None = Field(default=None, description="A symposium's discussant, if it has one.")
    chair_email: ByChair = Field(
        default=None,
        description="The chair's email address when the organisers named the chair as a person: registration "
        "gives them the chair's role, notify mails them the slot. None: a name only, or a symposium's own chair "
        "(``AbstractDecided.symposium.chair``).",
    )
    chair_language: str = Field(default="en", description="BCP 47 tag for the chair's emails (with ``chair_email``).")
    presentations: tuple[Presentation, ...] = Field(description="Presentations in running order.")
    programme_version: int = Field(description="The published version this state belongs to.")


class PresentationMoved(SessionEvent):
    """Emitted on a re-publish for each abstract whose session or time changed; keyed by the new session."""

    abstract_id: str = Field(description="Abstract id.")
    reference: str = Field(description="Human reference.")
    title: str = Field(description="Title of the abstract.")
    presenters: tuple[Presenter, ...] = Field(description="Presenting authors, to tell them.")
    old: Placement = Field(description="Where it was in the previous published version.")
    new: Placement = Field(description="Where it is now (its ``session_id`` is the event's key).")
    timezone: str = Field(description="IANA timezone of the congress.")
    programme_version: int = Field(description="The published version that moved it.")


class SessionCancelled(SessionEvent):
    """Emitted on a re-publish for a session of the previous version that the programme no longer holds."""

    title: str = Field(description="Session title.")
    reason: str = Field(description="Why, in a sentence.")
    programme_version: int = Field(description="The published version without it.")
    moved_out: tuple[str, ...] = Field(
        default=(),
        description="Abstract ids of the session that this publication placed in other sessions "
        "(a PresentationMoved tells their presenters; the cancellation does not).",
    )


class ProgrammePublished(ProgrammeEvent):
    """Emitted after the session events of one publication; keyed by the congress id."""

    key_field: ClassVar[str] = "congress_id"

    programme_version: int = Field(description="1 for the first publication, +1 for each re-publish.")
    sessions: int = Field(description="Sessions in the published programme.")
    presentations: int = Field(description="Presentations in the published programme.")
    sessions_changed: int = Field(description="SessionScheduled events of this publication.")
    presentations_moved: int = Field(description="PresentationMoved events of this publication.")
    sessions_cancelled: int = Field(default=0, description="SessionCancelled events of this publication.")
    unplaced: int = Field(default=0, description="Sessions that could not be placed and are not published.")
    published_at: datetime = Field(description="When (UTC).")
    published_by: str = Field(
        description="The organiser who published: their account id (an address in events before decision 75)."
    )
