"""The ``programme:`` section of the congress file: rooms, days with their slots, session sizes."""

from __future__ import annotations

import itertools
from datetime import date, time, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from services.abstracts.domain import audience, scheduling
from services.common.congress import ConfigError, Congress, describe_errors

PRE_CONGRESS_DAYS = 3
"""How many days before ``starts_on`` a programme day (workshops, network meetings) may be."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RoomConfig(_Strict):
    code: str = Field(pattern=r"^[A-Z0-9-]+$", description="Short code, e.g. R301.")
    name: str
    capacity: int = Field(gt=0)
    kinds: tuple[str, ...] = Field(min_length=1, description="Session kinds the room suits.")


class SlotConfig(_Strict):
    start: time = Field(description="Local time in the congress timezone.")
    end: time

    @model_validator(mode="after")
    def _ordered(self) -> SlotConfig:
        if self.end <= self.start:
            raise ValueError(f"slot ends ({self.end}) before it starts ({self.start})")
        return self


class DayConfig(_Strict):
    date: date
    label: str = ""
    kinds: tuple[str, ...] = Field(default=scheduling.KINDS, description="Session kinds held that day.")
    slots: tuple[SlotConfig, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _apart(self) -> DayConfig:
        ordered = sorted(self.slots, key=lambda s: s.start)
        for before, after in itertools.pairwise(ordered):
            if after.start < before.end:
                raise ValueError(f"slots {before.start}–{before.end} and {after.start}–{after.end} overlap")
        return self


class AudienceConfig(_Strict):
    """How expected audiences are estimated for sizing rooms (``domain/audience.py``)."""

    marks_threshold: int = Field(
        default=100, ge=1, description="Delegates with a marked session before agenda marks replace the estimate."
    )
    attendance_ratio: float = Field(
        default=0.3, gt=0, le=1, description="Past editions: the share of a network's delegates in one of its sessions."
    )

    def rule(self) -> audience.AudienceRule:
        return audience.AudienceRule(self.marks_threshold, self.attendance_ratio)


class ProgrammeConfig(_Strict):
    """The ``programme:`` section of the congress file."""

    papers_per_session: int = Field(default=4, ge=1, le=8)
    posters_per_session: int = Field(default=20, ge=1)
    solver_seconds: float = Field(default=10.0, gt=0, description="Time limit of one scheduling run.")
    audience: AudienceConfig = AudienceConfig()
    rooms: tuple[RoomConfig, ...] = Field(min_length=1)
    days: tuple[DayConfig, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> ProgrammeConfig:
        unknown = {k for r in self.rooms for k in r.kinds} | {k for d in self.days for k in d.kinds}
        unknown -= set(scheduling.KINDS)
        if unknown:
            raise ValueError(f"unknown session kinds {', '.join(sorted(unknown))} (use {', '.join(scheduling.KINDS)})")
        for what, seen in (("room code", [r.code for r in self.rooms]), ("day", [str(d.date) for d in self.days])):
            if len(set(seen)) != len(seen):
                raise ValueError(f"a {what} is used twice")
        return self

    def grid(self) -> scheduling.Grid:
        """The places sessions can go, for the scheduler."""
        rooms = tuple(scheduling.Room(r.code, r.name, r.capacity, frozenset(r.kinds)) for r in self.rooms)
        slots = tuple(
            scheduling.Slot(d.date, i, s.start, s.end, frozenset(d.kinds))
            for d in sorted(self.days, key=lambda d: d.date)
            for i, s in enumerate(sorted(d.slots, key=lambda s: s.start))
        )
        return scheduling.Grid(rooms=rooms, slots=slots)


def load_programme(congress: Congress) -> ProgrammeConfig:
    """Validate the congress file's ``programme:`` section, or ``ConfigError`` with field paths."""
    config = parse_programme(congress.section("programme"))
    earliest = congress.starts_on - timedelta(days=PRE_CONGRESS_DAYS)
    outside = [str(d.date) for d in config.days if not earliest <= d.date <= congress.ends_on]
    if outside:
        raise ConfigError(
            f"programme.days: {', '.join(outside)} not within the congress ({congress.starts_on} – "
            f"{congress.ends_on}, pre-congress days up to {PRE_CONGRESS_DAYS} days before)"
        )
    return config


def parse_programme(section: dict[str, Any]) -> ProgrammeConfig:
    try:
        return ProgrammeConfig.model_validate(section)
    except ValidationError as exc:
        raise ConfigError(
            f"programme section has {exc.error_count()} problem(s):\n{describe_errors(exc, prefix='programme')}"
        ) from None
