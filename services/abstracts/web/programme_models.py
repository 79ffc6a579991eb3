"""The bodies the organisers' programme API answers with, as published in the abstracts OpenAPI."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field


class Unplaced(BaseModel):
    session_id: str
    reason: str


class Generated(BaseModel):
    sessions: list[str]
    placed: dict[str, str] = Field(description="Session id → place (day, slot and room, as the move form writes it).")
    unplaced: list[Unplaced]


class Updated(BaseModel):
    generated: bool = Field(description="True when there was no draft and one was generated.")
    added_to_sessions: dict[str, str] = Field(description="Abstract id → the session it joined.")
    placed: dict[str, str]
    removed_presentations: dict[str, str] = Field(description="Abstract id → the session it left.")
    removed_sessions: list[str]
    unplaced: list[Unplaced]
    message: str


class DraftPresentation(BaseModel):
    abstract_id: str
    presenter_unregistered: bool


class DraftSession(BaseModel):
    session_id: str
    kind: str
    network: str
    title: str
    chair: str | None
    chair_email: str | None = Field(default=None, description="The chair's address, when they are a person.")
    place: str | None
    abstracts: list[str]
    presentations: list[DraftPresentation]
    expected_audience: int = Field(description="Seats this session is expected to fill (docs/abstracts.md).")
    audience_basis: Literal["marks", "registrations"] = Field(
        description="marks: delegates' agenda marks, scaled; registrations: confirmed registrations of its networks."
    )
    room_capacity: int | None = Field(description="Its room's seats (null when not placed).")
    overflow: int = Field(description="Expected audience beyond the room's seats (0 when it fits or is not placed).")


class Draft(BaseModel):
    version: int
    network_clashes: int = Field(description="Sessions in parallel with another of their own network.")
    sessions: list[DraftSession]
    unplaced: list[Unplaced]
    presenter_unregistered_count: int


class SessionMoved(BaseModel):
    session_id: str
    warnings: list[str]


class PresentationMovedOut(BaseModel):
    abstract_id: str
    session_id: str
    warnings: list[str]


class ChairNamed(BaseModel):
    session_id: str
    chair: str | None
    email: str | None = Field(default=None, description="The chair's address when they are a person.")


class PublicPresenter(BaseModel):
    name: str
    language: str


class PublicPresentation(BaseModel):
    abstract_id: str
    reference: str
    title: str
    presenters: list[PublicPresenter] = Field(description="Presenting authors' names (no addresses).")
    paper: int | None = Field(default=None, description="The paper's number in its symposium.")
    moved_from: str | None


class PublicSession(BaseModel):
    """A session of the published programme, as anyone may read it."""

    congress_id: str
    session_id: str
    title: str
    kind: str
    network: str
    day: date
    starts_at: datetime
    ends_at: datetime
    timezone: str
    room_code: str
    room_name: str
    chair: str | None
    discussant: str | None = None
    presentations: list[PublicPresentation]
    programme_version: int
