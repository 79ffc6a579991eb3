"""A symposium's chair and discussant hear of its slot with the abstract's calendar entry, as its presenters do:
told once (not again if they also present), in their language, and a later version is told as a change."""

from __future__ import annotations

from schemas.abstracts import AbstractFormat, AbstractRevised
from services.notify.domain.abstracts import author_id
from services.notify.domain.programme import CHANGED, SCHEDULED, Known, plan_programme_messages, role_told
from services.notify.domain.programme_samples import sample_session
from services.notify.domain.symposium_roles import CHAIR, DISCUSSANT, RoleHolder, role_holders
from tests.unit.notify.test_programme import KWAME, NO_LINK, by_email, render
from tests.unit.registration.test_people_changed import NEW_CHAIR, SYMPOSIUM, revised

CHAIR_EMAIL = "chidi@example.org"
DANA = "dana@example.org"


def holders(abstract_id: str) -> tuple[RoleHolder, ...]:
    return (
        RoleHolder(abstract_id, CHAIR, CHAIR_EMAIL, "Chidi Okeke", "fr"),
        RoleHolder(abstract_id, DISCUSSANT, DANA, "Dana Weiss", "en"),
        RoleHolder(abstract_id, DISCUSSANT, KWAME, "Kwame Mensah", "en"),  # presents too: told as a presenter
    )


def test_the_chair_and_the_discussant_get_their_slot_with_the_abstracts_calendar_entry() -> None:
    session = sample_session()
    symposium = session.presentations[0]
    plans = by_email(plan_programme_messages(session, "ev-1", NO_LINK, Known(roles=holders(symposium.abstract_id))))
    assert [p.recipient.email for p in plans.values()].count(KWAME) == 1
    chair, dana = plans[CHAIR_EMAIL], plans[DANA]
    assert chair.template == SCHEDULED and chair.about == symposium.abstract_id
    (entry,) = chair.calendar
    presenter_entry = next(e for e in plans[KWAME].calendar if e.uid == entry.uid)
    assert entry == presenter_entry  # the same UID, SEQUENCE, times and room as the presenters'
    assert entry.sequence == session.programme_version
    french = render(chair)
    assert f"le symposium {symposium.reference} que vous présidez est programmé" in french.subject
    assert "Voici où et quand vous présidez le symposium." in french.text and session.room_name in french.text
    english = render(dana)
    assert f"the symposium {symposium.reference} you discuss is scheduled" in english.subject


def test_a_later_version_tells_them_of_the_change_and_a_cancellation_can_reach_them() -> None:
    session = sample_session().model_copy(update={"programme_version": 2})
    abstract_id = session.presentations[0].abstract_id
    told = frozenset({(session.session_id, author_id(CHAIR_EMAIL))})
    plans = by_email(plan_programme_messages(session, "ev-2", NO_LINK, Known(told=told, roles=holders(abstract_id))))
    assert plans[CHAIR_EMAIL].template == CHANGED and plans[DANA].template == SCHEDULED
    assert plans[CHAIR_EMAIL].calendar[0].sequence == 2
    assert "Voici où et quand votre symposium a lieu désormais" in render(plans[CHAIR_EMAIL]).text
    kept = {t.email: t for t in role_told(session, holders(abstract_id))}
    assert set(kept) == {CHAIR_EMAIL, DANA}  # Kwame is kept as a presenter already
    assert kept[CHAIR_EMAIL].presentations[0][0] == abstract_id


def test_someone_elses_symposium_tells_nobody() -> None:
    assert not plan_programme_messages(sample_session(), "ev-1", NO_LINK, Known(roles=holders("a-other")))[2:]


def test_an_organisers_change_of_an_accepted_symposium_names_the_holders_told_of_its_slot() -> None:
    """``AbstractRevised`` with ``accepted_format``: the chair it names now; an undecided one's revision: nobody."""
    recast: AbstractRevised = revised(SYMPOSIUM.model_copy(update={"chair": NEW_CHAIR}))
    assert {(h.role, h.email) for h in role_holders(recast)} == {
        (CHAIR, "noor@example.org"),
        (DISCUSSANT, "dana@example.org"),
    }
    assert role_holders(recast.model_copy(update={"accepted_format": None})) == []
    assert role_holders(recast.model_copy(update={"accepted_format": AbstractFormat.PAPER})) == []
