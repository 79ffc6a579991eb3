"""The programme context's emails: who is told, local times in the congress timezone, the changed-session wording."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from schemas.programme import (
    Presentation,
    PresentationMoved,
    Presenter,
    ProgrammePublished,
    SessionCancelled,
    SessionKind,
    SessionScheduled,
)
from services.common.congress import load_congress
from services.notify.adapters.render import Rendered, Renderer
from services.notify.domain.abstracts import author_id
from services.notify.domain.programme import (
    CANCELLED,
    CHANGED,
    MOVED,
    SCHEDULED,
    Known,
    ProgrammeSettings,
    group_schedules,
    plan_programme_messages,
    programme_settings,
    told_of,
)
from services.notify.domain.programme_samples import sample_programme_events, sample_session
from services.notify.domain.rules import MessagePlan

RENDERER = Renderer(load_congress())
NO_LINK = ProgrammeSettings()
LINK = ProgrammeSettings(programme_url="https://abstracts.example.org/programme")
ZOE = "zoe@example.org"
KWAME = "kwame@example.org"
WHEN = {  # 2027-01-06 01:30–03:00 UTC is 10:30–12:00 in Yokohama
    "en": "Wednesday, January 6, 2027, 10:30\u202fAM–12:00\u202fPM (Asia/Tokyo time)",
    "fr": "mercredi 6 janvier 2027, 10:30–12:00 (heure de Asia/Tokyo)",
    "es": "miércoles, 6 de enero de 2027, 10:30–12:00 (hora de Asia/Tokyo)",
    "de": "Mittwoch, 6. Januar 2027, 10:30–12:00 (Zeitzone Asia/Tokyo)",
}


def render(plan: MessagePlan) -> Rendered:
    return RENDERER.render(plan.template, plan.recipient.language, {**plan.context, "recipient": plan.recipient})


def by_email(plans: list[MessagePlan]) -> dict[str, MessagePlan]:
    return {p.recipient.email: p for p in plans}


@pytest.mark.parametrize("language", sorted(WHEN))
def test_each_presenter_hears_where_and_when_in_local_time_in_their_language(language: str) -> None:
    session = sample_session(language=language)
    plans = plan_programme_messages(session, "ev-1", NO_LINK)
    assert [(p.template, p.recipient.email) for p in plans] == [(SCHEDULED, KWAME), (SCHEDULED, ZOE)]
    zoe = render(by_email(plans)[ZOE])
    assert WHEN[language] in zoe.text
    assert "1:30" not in zoe.text and "01:30" not in zoe.text  # never the UTC time
    for part in (zoe.text, zoe.html):
        assert "ICSEI27-A-0042" in part and "Room 301" in part and "Ana Ruiz" in part
        assert "Teachers and dashboards" in part  # the other presentation, by title
    assert "<strong>mercredi 6 janvier 2027</strong>" in zoe.html or language != "fr"
    assert "Data use &lt;in&gt; schools &amp; what teachers make of it" in zoe.html
    assert by_email(plans)[ZOE].about == "a-0042"


def test_a_presenter_of_two_presentations_in_a_session_gets_one_message_listing_both_in_running_order() -> None:
    kwame = by_email(plan_programme_messages(sample_session(), "ev-1", NO_LINK))[KWAME]
    rendered = render(kwame)
    assert "your 2 presentations are scheduled" in rendered.subject
    assert rendered.text.index("ICSEI27-A-0041") < rendered.text.index("ICSEI27-A-0042")
    assert "Teachers and dashboards" in rendered.text and "Data use <in> schools" in rendered.text


def test_a_later_version_is_told_as_a_change_to_those_told_before_and_as_news_to_the_others() -> None:
    v1 = sample_session()
    newcomer = Presenter(name="Ana Ruiz", email="ana@example.org", language="es")
    v2 = v1.model_copy(
        update={
            "programme_version": 2,
            "room_name": "Main Hall",
            "presentations": (
                *v1.presentations,
                Presentation(abstract_id="a-7", reference="ICSEI27-A-0007", title="New one", presenters=(newcomer,)),
            ),
        }
    )
    told = frozenset((v1.session_id, t.recipient_id) for t in told_of(v1))
    plans = by_email(plan_programme_messages(v2, "ev-2", NO_LINK, Known(told=told)))
    assert plans[ZOE].template == CHANGED and plans[KWAME].template == CHANGED
    assert plans["ana@example.org"].template == SCHEDULED
    changed = render(plans[ZOE])
    assert changed.subject == "ICSEI 2027: your session has changed"
    assert "has changed" in changed.text and "please disregard the earlier details" in changed.html
    assert "Changed since our last message:" in changed.text and "Main Hall" in changed.text
    assert "New one" in changed.text  # the running order as it is now
    fresh = render(plans["ana@example.org"])
    assert "ha cambiado" not in fresh.text and "está programada" in fresh.subject
    assert plans[ZOE].message_id("x") != plan_programme_messages(v1, "ev-1", NO_LINK)[1].message_id("x")


@pytest.mark.parametrize("language", sorted(WHEN))
def test_the_changed_wording_in_every_language(language: str) -> None:
    event, known = sample_programme_events(language=language)["session_changed"]
    plan = by_email(plan_programme_messages(event, "ev-2", NO_LINK, known))[ZOE]
    rendered = render(plan)
    assert plan.template == CHANGED
    phrase = {"en": "has changed", "fr": "a changé", "es": "ha cambiado", "de": "hat sich geändert"}[language]
    assert phrase in rendered.subject and phrase in rendered.text and phrase in rendered.html
    assert WHEN[language] in rendered.text


def test_a_presenters_sessions_in_one_batch_make_one_message_led_by_the_first() -> None:
    s1 = sample_session()
    s2 = s1.model_copy(
        update={
            "session_id": "s-2",
            "title": "Leadership",
            "starts_at": datetime(2027, 1, 5, 0, 0, tzinfo=UTC),
            "ends_at": datetime(2027, 1, 5, 1, 0, tzinfo=UTC),
            "day": date(2027, 1, 5),
            "presentations": (
                Presentation(
                    abstract_id="a-9",
                    reference="ICSEI27-A-0009",
                    title="Leading",
                    presenters=(Presenter(name="Zoë Ørsted-Müller", email="ZOE@example.org"),),
                ),
            ),
        }
    )
    s2_again = s2.model_copy(update={"programme_version": 2, "room_name": "Hall B"})
    groups = group_schedules([("e1", s1), ("e2", s2), ("e3", s2_again)])
    zoe = author_id(ZOE)
    assert [s.session_id for s in groups["e1"][zoe]] == ["s-du-1", "s-2"]
    assert groups["e1"][zoe][1].room_name == "Hall B"  # the latest version of a session scheduled twice
    assert zoe not in groups["e2"] and groups["e3"] == {}
    lead = by_email(plan_programme_messages(s1, "e1", NO_LINK, Known(group=groups["e1"])))[ZOE]
    assert plan_programme_messages(s2, "e2", NO_LINK, Known(group=groups["e2"])) == []
    rendered = render(lead)
    assert "your 2 presentations are scheduled" in rendered.subject
    assert rendered.text.index("Leading") < rendered.text.index("Data use <in> schools")  # in time order
    assert "Hall B" in rendered.text and "Room 301" in rendered.text


@pytest.mark.parametrize("language", sorted(WHEN))
def test_a_moved_presentation_shows_the_old_and_the_new_place_in_local_time(language: str) -> None:
    event, known = sample_programme_events(language=language)["presentation_moved"]
    plans = plan_programme_messages(event, "ev-3", LINK, known)
    assert [(p.template, p.recipient.email) for p in plans] == [(MOVED, ZOE), (MOVED, KWAME)]
    rendered = render(plans[0])
    old = {"en": "2:00\u202fPM–3:30\u202fPM", "fr": "14:00–15:30", "es": "14:00–15:30", "de": "14:00–15:30"}
    assert old[language] in rendered.text and "Room 201" in rendered.text
    assert WHEN[language] in rendered.text and "Room 301" in rendered.text
    assert rendered.text.index("Room 201") < rendered.text.index("Room 301")
    assert "https://abstracts.example.org/programme" in rendered.text
    assert 'href="https://abstracts.example.org/programme"' in rendered.html
    assert plans[0].about == "a-0042"


def test_a_cancellation_reaches_the_presenters_notify_told_with_the_reason() -> None:
    event, known = sample_programme_events(language="de")["session_cancelled"]
    (plan,) = plan_programme_messages(event, "ev-4", NO_LINK, known)
    assert plan.template == CANCELLED and plan.recipient.email == ZOE and plan.about == "a-0042"
    rendered = render(plan)
    assert "abgesagt" in rendered.subject and "The room is needed for the plenary <after all>" in rendered.text
    assert "&lt;after all&gt;" in rendered.html
    assert WHEN["de"] in rendered.text and "ICSEI27-A-0042" in rendered.text
    assert "Das Organisationsteam wird sich" in rendered.text
    assert isinstance(event, SessionCancelled)
    assert plan_programme_messages(event, "ev-4", NO_LINK, Known()) == []  # nobody was told: nobody to tell


def test_one_move_is_one_message_whatever_else_the_publication_says() -> None:
    """A re-publish says a move several ways (the new session's event, PresentationMoved, the old session's
    cancellation); each presenter hears of it once."""
    events = sample_programme_events()
    moved, _ = events["presentation_moved"]
    assert isinstance(moved, PresentationMoved)
    # Zoë's paper arrived in this session from s-du-0: the session's event leaves it to PresentationMoved.
    session = sample_session()
    arrived = session.model_copy(
        update={
            "presentations": tuple(
                p.model_copy(update={"moved_from": "s-du-0"}) if p.abstract_id == moved.abstract_id else p
                for p in session.presentations
            )
        }
    )
    assert [p.recipient.email for p in plan_programme_messages(arrived, "e1", NO_LINK)] == [KWAME]  # his other paper
    assert [p.recipient.email for p in plan_programme_messages(moved, "e2", NO_LINK)] == [ZOE, KWAME]
    # The session it left is cancelled: not a word to whoever only had the moved paper in it.
    cancelled, known = events["session_cancelled"]
    assert isinstance(cancelled, SessionCancelled)
    assert (
        plan_programme_messages(cancelled.model_copy(update={"moved_out": (moved.abstract_id,)}), "e3", NO_LINK, known)
        == []
    )
    # A whole session moved (same session, another room): its own event tells, with the changed wording.
    whole = moved.model_copy(update={"old": moved.new.model_copy(update={"room_name": "Room 9"})})
    assert plan_programme_messages(whole, "e4", NO_LINK) == []


def test_publishing_sends_nothing() -> None:
    published = ProgrammePublished(
        congress_id="icsei-2027",
        programme_version=1,
        sessions=3,
        presentations=9,
        sessions_changed=3,
        presentations_moved=0,
        published_at=datetime(2026, 12, 20, tzinfo=UTC),
        published_by="organiser@icsei.example.org",
    )
    assert plan_programme_messages(published, "ev-5", LINK) == []


def test_the_programme_link_is_read_leniently_and_said_in_plain_words_when_unknown() -> None:
    assert programme_settings() == NO_LINK
    assert programme_settings(abstracts_public_url="https://abstracts.example.org/").programme_url == (
        "https://abstracts.example.org/programme"
    )
    assert programme_settings(abstracts={"public_url": "http://127.0.0.1:8002"}).programme_url == (
        "http://127.0.0.1:8002/programme"
    )
    assert programme_settings(
        programme={"url": "https://p.example.org"}, abstracts_public_url="https://a"
    ).programme_url
    assert programme_settings(notify_url="not a url", programme={"url": 42}) == NO_LINK
    assert programme_settings(notify_url="https://n/p", programme={"url": "https://p"}).programme_url == "https://n/p"
    plan = plan_programme_messages(sample_session(), "ev-1", NO_LINK)[1]
    plain = render(plan)
    assert "The full programme is published on the congress website." in plain.text and "/programme" not in plain.html


def test_no_chair_no_chair_line_and_an_unknown_timezone_falls_back_to_the_congress_one() -> None:
    session: SessionScheduled = sample_session().model_copy(update={"chair": None, "timezone": "Mars/Olympus"})
    rendered = render(plan_programme_messages(session, "ev-1", NO_LINK)[1])
    assert "Chair" not in rendered.text and "Chair" not in rendered.html
    assert "10:30\u202fAM–12:00\u202fPM" in rendered.text  # shown in the congress's Asia/Tokyo
    assert SessionKind.PAPER.value == "paper" and "Session type: Paper" in rendered.text
