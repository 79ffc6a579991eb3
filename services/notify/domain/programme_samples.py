"""Example programme events for every programme message: ``congress notify preview`` renders them, tests use them."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from schemas.programme import (
    Placement,
    Presentation,
    PresentationMoved,
    Presenter,
    ProgrammeEvent,
    SessionCancelled,
    SessionKind,
    SessionScheduled,
)
from services.notify.domain.programme import Known as ProgrammeKnown
from services.notify.domain.programme import session_seen, told_of
from services.notify.domain.samples import ABSTRACT_ID, CONGRESS_ID

SESSION_ID = "s-du-1"


def sample_session(
    given: str = "Zoë", family: str = "Ørsted-Müller", *, language: str = "en", email: str = "zoe@example.org"
) -> SessionScheduled:
    """A paper session on the congress's second day, 10:30–12:00 in Yokohama (01:30–03:00 UTC)."""
    person = Presenter(name=f"{given} {family}", email=email, language=language)
    colleague = Presenter(name="Kwame Mensah", email="kwame@example.org")
    return SessionScheduled(
        congress_id=CONGRESS_ID,
        session_id=SESSION_ID,
        title="Data use <in> practice & policy",
        kind=SessionKind.PAPER,
        network="DU",
        day=date(2027, 1, 6),
        starts_at=datetime(2027, 1, 6, 1, 30, tzinfo=UTC),
        ends_at=datetime(2027, 1, 6, 3, 0, tzinfo=UTC),
        timezone="Asia/Tokyo",
        room_code="R301",
        room_name="Room 301",
        chair="Ana Ruiz",
        presentations=(
            Presentation(
                abstract_id="a-0041",
                reference="ICSEI27-A-0041",
                title="Teachers and dashboards",
                presenters=(colleague,),
            ),
            Presentation(
                abstract_id=ABSTRACT_ID,
                reference="ICSEI27-A-0042",
                title="Data use <in> schools & what teachers make of it",
                presenters=(person, colleague),
            ),
        ),
        programme_version=1,
    )


def sample_programme_events(
    given: str = "Zoë", family: str = "Ørsted-Müller", *, language: str = "en", email: str = "zoe@example.org"
) -> dict[str, tuple[ProgrammeEvent, ProgrammeKnown]]:
    """One event per programme template, each with the sample presenter (``given family``) among its recipients."""
    scheduled = sample_session(given, family, language=language, email=email)
    changed = scheduled.model_copy(update={"programme_version": 2, "room_name": "Main Hall"})
    me = next(t for t in told_of(scheduled) if t.email == email)
    old = Placement(
        session_id="s-du-0",
        day=date(2027, 1, 5),
        starts_at=datetime(2027, 1, 5, 5, 0, tzinfo=UTC),
        ends_at=datetime(2027, 1, 5, 6, 30, tzinfo=UTC),
        room_code="R201",
        room_name="Room 201",
    )
    new = Placement(
        session_id=SESSION_ID,
        day=scheduled.day,
        starts_at=scheduled.starts_at,
        ends_at=scheduled.ends_at,
        room_code=scheduled.room_code,
        room_name=scheduled.room_name,
    )
    moved = PresentationMoved(
        congress_id=CONGRESS_ID,
        session_id=SESSION_ID,
        abstract_id=ABSTRACT_ID,
        reference="ICSEI27-A-0042",
        title=scheduled.presentations[1].title,
        presenters=scheduled.presentations[1].presenters,
        old=old,
        new=new,
        timezone="Asia/Tokyo",
        programme_version=2,
    )
    cancelled = SessionCancelled(
        congress_id=CONGRESS_ID,
        session_id=SESSION_ID,
        title=scheduled.title,
        reason="The room is needed for the plenary <after all>",
        programme_version=3,
    )
    return {
        "presentation_scheduled": (scheduled, ProgrammeKnown()),
        "session_changed": (changed, ProgrammeKnown(told=frozenset({(SESSION_ID, me.recipient_id)}))),
        "presentation_moved": (moved, ProgrammeKnown()),
        "session_cancelled": (cancelled, ProgrammeKnown(presenters=(me,), session=session_seen(scheduled))),
        "session_chaired": (
            scheduled.model_copy(update={"chair": me.name, "chair_email": email, "chair_language": language}),
            ProgrammeKnown(),
        ),
        "session_unchaired": (  # another chair now (a name only): the one notify kept hears they no longer chair
            changed.model_copy(update={"chair": "Ana Ruiz", "chair_email": None}),
            ProgrammeKnown(presenters=(replace(me, presentations=(), chairs=True),), session=session_seen(scheduled)),
        ),
    }
