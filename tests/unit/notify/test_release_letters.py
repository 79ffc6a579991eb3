"""Issue 14 in notify: a release's DecisionsReleased is one message to its person, listing their abstracts; the
AbstractDecided events of a release send nothing (an older AbstractDecided still tells each author)."""

from __future__ import annotations

from schemas.abstracts import AbstractDecided, Decision
from services.common.congress import load_congress
from services.notify.adapters.render import Renderer
from services.notify.domain.abstracts import AbstractsSettings, author_id, plan_abstract_messages
from services.notify.domain.batch import Batch, PlanSettings, plan_event
from services.notify.domain.releases import plan_release_letter
from services.notify.domain.samples import sample_abstract_events, sample_release

SETTINGS = AbstractsSettings(networks={"data-use": "Data Use", "leadership": "Educational Leadership"})


def test_a_decision_released_with_others_sends_nothing_by_itself() -> None:
    decided, known = sample_abstract_events()["abstract_accepted"]
    assert isinstance(decided, AbstractDecided) and decided.decision is Decision.ACCEPTED
    assert len(plan_abstract_messages(decided, "e1", SETTINGS, known)) == 2  # told at once: each author
    released = decided.model_copy(update={"release_id": "rel_1"})
    assert plan_abstract_messages(released, "e1", SETTINGS, known) == []


def test_a_release_is_one_letter_per_person_in_their_language() -> None:
    letter = sample_release("Zoë", "Ørsted", language="de", email="Zoe@Example.org")
    planned = plan_event("e2", letter, {}, Batch(), PlanSettings(abstracts=SETTINGS))
    assert planned is not None
    (plan,) = planned.plans
    assert plan == plan_release_letter(letter, "e2", SETTINGS)
    assert (plan.template, plan.recipient.email, plan.recipient.language) == (
        "decisions_released",
        "Zoe@Example.org",
        "de",
    )
    assert plan.key == plan.recipient.recipient_id == author_id("zoe@example.org")
    rendered = Renderer(load_congress()).render(plan.template, "en", {**plan.context, "recipient": plan.recipient})
    assert "correction" in rendered.subject
    assert (
        rendered.text.count("Reference:") == 2
        and "ICSEI27-A-0042" in rendered.text
        and "ICSEI27-A-0043" in rendered.text
    )
    assert "Accepted as Poster." in rendered.text and "Moved to the network Educational Leadership" in rendered.text
    assert "Changed since the last message." in rendered.text and "register" in rendered.text
