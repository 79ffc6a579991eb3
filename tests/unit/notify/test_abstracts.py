"""The abstracts context's emails: who gets what, in which language, and what reviewers never see."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from typer.testing import CliRunner

from schemas.abstracts import (
    AbstractDecided,
    AbstractFormat,
    AbstractSubmitted,
    Author,
    Decision,
    ReviewerAssigned,
    ReviewerUnassigned,
)
from services.common.congress import load_congress
from services.notify.adapters.opened import opened_links
from services.notify.adapters.render import Rendered, Renderer
from services.notify.cli import app
from services.notify.domain.abstracts import (
    AbstractSeen,
    AbstractsSettings,
    Known,
    abstracts_settings,
    author_id,
    group_invitations,
    plan_abstract_messages,
)
from services.notify.domain.rules import MessagePlan, UnknownRecipient
from services.notify.domain.samples import PREVIEW_SECRET, sample_abstract_events, sample_author

CLOSING = {
    "en": "With best wishes,",
    "fr": "Bien cordialement,",
    "es": "Saludos cordiales,",
    "de": "Mit freundlichen Grüßen",
}
NOW = datetime(2026, 9, 1, tzinfo=UTC)
RENDERER = Renderer(load_congress())


def render(plan: MessagePlan) -> Rendered:
    """As notify renders: the links sealed for it opened (the samples are sealed with ``PREVIEW_SECRET``)."""
    opened = opened_links(PREVIEW_SECRET, plan.context)
    return RENDERER.render(
        plan.template, plan.recipient.language, {**plan.context, **opened, "recipient": plan.recipient}
    )


AUTHORS = (
    sample_author("Zoë", "Ørsted-Müller", "de", "zoe@example.org", presenting=True),
    sample_author("Marie", "Curie-Dupont", "fr", "marie@example.org"),
    sample_author("Kwame", "Mensah", "en", "kwame@example.org", presenting=True),
    sample_author("Zoë", "Ørsted-Müller", "de", "ZOE@example.org"),  # listed twice: told once
)


def decided(decision: Decision, fmt: AbstractFormat = AbstractFormat.POSTER) -> AbstractDecided:
    return AbstractDecided(
        congress_id="icsei-2027",
        abstract_id="a-1",
        reference="ICSEI27-A-0001",
        title="Leading <schools> & data",
        decision=decision,
        format=fmt,
        network="data-use",
        authors=AUTHORS,
        submitter_email="zoe@example.org",
        comments_to_authors=("Strong design.", "Say more about the sample."),
        decided_at=NOW,
        decided_by="organiser@icsei.example.org",
    )


def submitted(deadline_authors: tuple[Author, ...] = AUTHORS) -> AbstractSubmitted:
    event, _ = sample_abstract_events()["abstract_received"]
    assert isinstance(event, AbstractSubmitted)
    return event.model_copy(update={"authors": deadline_authors, "submitter_email": "Zoe@Example.org"})


def test_a_submission_sends_a_receipt_to_the_submitter_and_a_note_to_each_other_author() -> None:
    plans = plan_abstract_messages(submitted(), "ev-1", AbstractsSettings())
    assert [(p.template, p.recipient.email) for p in plans] == [
        ("abstract_received", "zoe@example.org"),
        ("abstract_coauthor", "marie@example.org"),
        ("abstract_coauthor", "kwame@example.org"),
    ]
    assert len({p.message_id("icsei.example.org") for p in plans}) == 3  # one Message-ID per recipient
    receipt = render(plans[0])
    assert plans[0].recipient.language == "de" and CLOSING["de"] in receipt.text
    for text in (receipt.text, receipt.html):
        assert "Kwame Mensah" in text and "Marie Curie-Dupont" in text and "ICSEI27-A-0042" in text
    assert "Vortrag" in receipt.text  # the format, in German
    note = render(plans[1])
    assert "Zoë Ørsted-Müller a soumis un résumé" in note.text and CLOSING["fr"] in note.html


@pytest.mark.parametrize("language", sorted(CLOSING))
def test_the_revision_deadline_is_said_only_when_the_congress_file_gives_one(language: str) -> None:
    event = submitted((sample_author("Ana", "Ruiz", language, "zoe@example.org", presenting=True),))
    without = render(plan_abstract_messages(event, "ev-1", AbstractsSettings())[0])
    settings = abstracts_settings({"deadline": "2026-09-30"}, {})
    with_deadline = render(plan_abstract_messages(event, "ev-1", settings)[0])
    assert with_deadline.text.count("2026") > without.text.count("2026")
    day = {
        "en": "September 30, 2026",
        "fr": "30 septembre 2026",
        "es": "30 de septiembre de 2026",
        "de": "30. September 2026",
    }
    assert day[language] in with_deadline.text and day[language] in with_deadline.html
    assert day[language] not in without.text


@pytest.mark.parametrize("language", sorted(CLOSING))
def test_the_reviewer_invitation_names_no_author_and_gives_the_due_date_in_their_language(language: str) -> None:
    event, _ = sample_abstract_events("Rui", "Costa", language=language, email="rui@example.org")["review_invitation"]
    (plan,) = plan_abstract_messages(event, "ev-1", AbstractsSettings())
    assert "authors" not in plan.context
    rendered = render(plan)
    everything = rendered.subject + rendered.text + rendered.html
    for author in (*AUTHORS, *sample_abstract_events()["abstract_received"][0].authors):  # type: ignore[attr-defined]
        assert author.family_name not in everything and author.email.lower() not in everything.lower()
    due = {"en": "October 15, 2026", "fr": "15 octobre 2026", "es": "15 de octubre de 2026", "de": "15. Oktober 2026"}
    assert due[language] in rendered.text and "Asia/Tokyo" in rendered.text
    assert "https://abstracts.example.org/review/tok" in rendered.text and 'href="https://abstracts' in rendered.html
    assert CLOSING[language] in rendered.text


def test_each_author_hears_the_decision_in_their_own_language_and_presenters_are_asked_to_register() -> None:
    settings = AbstractsSettings(registration_url="https://reg.example.org/register")
    plans = plan_abstract_messages(decided(Decision.ACCEPTED), "ev-9", settings)
    assert [(p.recipient.email, p.recipient.language) for p in plans] == [
        ("zoe@example.org", "de"),
        ("marie@example.org", "fr"),
        ("kwame@example.org", "en"),
    ]
    assert {p.recipient.recipient_id for p in plans} == {author_id(a.email) for a in AUTHORS}
    by_language = {p.recipient.language: render(p) for p in plans}
    assert "angenommen" in by_language["de"].subject and "accepté" in by_language["fr"].subject
    for language, rendered in by_language.items():
        assert CLOSING[language] in rendered.text and f'<html lang="{language}">' in rendered.html
        assert "Strong design." in rendered.text and "Say more about the sample." in rendered.html
        assert "Leading &lt;schools&gt; &amp; data" in rendered.html
    assert "https://reg.example.org/register" in by_language["en"].text  # Kwame presents
    assert "https://reg.example.org/register" in by_language["de"].html  # Zoë presents
    assert "inscrire" not in by_language["fr"].text  # Marie does not present
    plain = render(plan_abstract_messages(decided(Decision.ACCEPTED), "ev-9", AbstractsSettings())[2])
    assert "please remember to register for the congress." in plain.text and "http" not in plain.text.split("--")[0]


def test_the_decision_says_clearly_when_the_accepted_format_differs_from_the_one_asked_for() -> None:
    asked = Known(abstract=AbstractSeen(asked_format=AbstractFormat.PAPER, submitter_name="Zoë Ørsted-Müller"))
    changed = {
        p.recipient.language: render(p)
        for p in plan_abstract_messages(decided(Decision.ACCEPTED), "e", AbstractsSettings(), asked)
    }
    assert "it was submitted as Paper and is accepted as Poster." in changed["en"].text
    assert "soumis comme Communication, il est accepté comme Poster." in changed["fr"].text
    assert "eingereicht als <strong>Vortrag</strong>, angenommen als <strong>Poster</strong>" in changed["de"].html
    same = plan_abstract_messages(decided(Decision.ACCEPTED, AbstractFormat.PAPER), "e", AbstractsSettings(), asked)
    assert "Please note the format" not in render(same[2]).text


def test_a_rejection_carries_the_comments_and_no_registration_reminder() -> None:
    plans = plan_abstract_messages(decided(Decision.REJECTED), "ev-9", AbstractsSettings(registration_url="https://r"))
    assert {p.template for p in plans} == {"abstract_rejected"}
    rendered = render(plans[2])
    assert "could not be accepted" in rendered.text and "Strong design." in rendered.text
    assert "register" not in rendered.text.split("--")[0]


def test_an_unassignment_needs_the_stored_assignment() -> None:
    event = ReviewerUnassigned(congress_id="c", abstract_id="a-1", reviewer_id="rv-1", reason="Conflict declared")
    with pytest.raises(UnknownRecipient):
        plan_abstract_messages(event, "ev-1", AbstractsSettings())


def assigned(abstract_id: str, reviewer_id: str) -> ReviewerAssigned:
    return ReviewerAssigned(
        congress_id="c",
        abstract_id=abstract_id,
        reviewer_id=reviewer_id,
        reviewer_name="R",
        reviewer_email=f"{reviewer_id}@example.org",
        reference=f"REF-{abstract_id}",
        title="T",
        network="n",
        due_on=date(2026, 10, 1),
        portal_link="https://p/x",
    )


def test_one_invitation_per_reviewer_per_batch_lists_all_their_abstracts() -> None:
    batch = [("e1", assigned("a1", "r1")), ("e2", assigned("a2", "r2")), ("e3", assigned("a3", "r1"))]
    groups = group_invitations(batch)
    assert [d.abstract_id for d in groups["e1"]] == ["a1", "a3"] and groups["e3"] == ()
    assert [d.abstract_id for d in groups["e2"]] == ["a2"]
    (lead,) = plan_abstract_messages(batch[0][1], "e1", AbstractsSettings(), Known(invitations=groups["e1"]))
    assert plan_abstract_messages(batch[2][1], "e3", AbstractsSettings(), Known(invitations=groups["e3"])) == []
    rendered = render(lead)
    assert "please review 2 abstracts" in rendered.subject and "REF-a1" in rendered.text and "REF-a3" in rendered.text


def test_the_congress_file_is_read_leniently() -> None:
    assert abstracts_settings({}, {}) == AbstractsSettings()
    assert abstracts_settings({"deadline": date(2026, 9, 30)}, {}).deadline == date(2026, 9, 30)
    assert abstracts_settings({"deadline": "2026-09-30T23:59:00-12:00"}, {}).deadline == date(2026, 9, 30)
    assert abstracts_settings({"deadline": {"date": "2026-09-30", "timezone": "AoE"}}, {}).deadline == date(2026, 9, 30)
    assert abstracts_settings({"deadline": "soon"}, {}).deadline is None
    assert abstracts_settings({}, {"url": "https://reg.example.org"}).registration_url == "https://reg.example.org"
    assert abstracts_settings({"registration_url": "not a url"}, {}).registration_url is None
    networks = abstracts_settings({"networks": [{"code": "du", "name": "Data Use"}, "junk"]}, {}).networks
    assert networks == {"du": "Data Use"}


def test_a_submitter_who_is_not_listed_is_greeted_as_an_author_in_their_language() -> None:
    event = submitted().model_copy(update={"submitter_email": "office@example.org"})
    receipt = plan_abstract_messages(event, "ev-1", AbstractsSettings())[0]
    assert receipt.recipient.email == "office@example.org" and receipt.recipient.name == ""
    assert render(receipt).text.startswith("Dear author,")
    withdrawn, _ = sample_abstract_events(language="es")["abstract_withdrawn"]
    (plan,) = plan_abstract_messages(withdrawn, "ev-2", AbstractsSettings())  # notify never saw it submitted
    rendered = render(plan)
    assert rendered.text.startswith("Estimado/a autor/a:") and "Estimado/a autor/a:" in rendered.html


def test_the_cli_previews_an_abstracts_message() -> None:
    result = CliRunner().invoke(app, ["preview", "abstract_accepted", "--language", "de"])
    assert result.exit_code == 0, result.output
    assert "eingereicht als Vortrag, angenommen als Poster" in result.output
    listed = CliRunner().invoke(app, ["templates"])
    assert "review_invitation" in listed.output and "badge_ready" in listed.output
