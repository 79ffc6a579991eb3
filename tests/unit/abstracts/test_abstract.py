"""The ``Abstract`` aggregate: each transition's rule, the typed status it leaves, and the event it returns."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from schemas.abstracts import AbstractFormat, AbstractRevised, AbstractSubmitted, Decision
from services.abstracts.domain.abstract import Abstract, Status
from services.abstracts.domain.errors import NotAllowed
from services.abstracts.domain.submission import AuthorDraft, Draft

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
LATER = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


def draft(**over: object) -> Draft:
    base: dict[str, object] = {
        "format": "paper",
        "network": "DU",
        "title": "Data use in schools",
        "text": "Schools that use data well improve.",
        "keywords": ("data use",),
        "language": "ja",
        "authors": (
            AuthorDraft("Aiko", "Tanaka", "aiko@example.org", "東京大学", "JP"),
            AuthorDraft("Ben", "Okafor", "ben@example.org", "UNILAG", "NG", presenting=True),
        ),
        "submitter_email": "aiko@example.org",
    }
    return Draft(**(base | over))  # type: ignore[arg-type]


def submitted() -> Abstract:
    abstract, _ = Abstract.submit("abs_1", "ICSEI27-A-0001", draft(), NOW, "icsei-2027")
    return abstract


def test_submit_is_typed_and_carries_the_language_to_every_author() -> None:
    abstract, event = Abstract.submit("abs_1", "ICSEI27-A-0001", draft(), NOW, "icsei-2027")
    assert abstract.status is Status.SUBMITTED and abstract.is_open
    assert abstract.format is AbstractFormat.PAPER
    assert abstract.content_version == 1
    assert {a.language for a in abstract.authors} == {"ja"}
    assert isinstance(event, AbstractSubmitted)
    assert (event.reference, event.content_version, event.submitted_at) == ("ICSEI27-A-0001", 1, NOW)


def test_presenters_are_the_authors_marked_presenting_else_the_first() -> None:
    abstract = submitted()
    assert [a.given_name for a in abstract.presenters] == ["Ben"]
    nobody = replace(abstract, authors=tuple(a.model_copy(update={"presenting": False}) for a in abstract.authors))
    assert [a.given_name for a in nobody.presenters] == ["Aiko"]


def test_revise_replaces_the_content_and_counts_the_version() -> None:
    revised, event = submitted().revise(draft(title="Data use, revised", format="poster"), LATER, "icsei-2027")
    assert (revised.title, revised.format, revised.content_version) == ("Data use, revised", AbstractFormat.POSTER, 2)
    assert revised.submitted_at == NOW and revised.updated_at == LATER
    assert isinstance(event, AbstractRevised) and event.content_version == 2


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (Status.WITHDRAWN, "ICSEI27-A-0001 was withdrawn, so it cannot be revised"),
        (Status.ACCEPTED, "ICSEI27-A-0001 has already been decided (accepted), so it cannot be revised"),
        (Status.REJECTED, "ICSEI27-A-0001 has already been decided (rejected), so it cannot be revised"),
    ],
)
def test_only_an_open_abstract_is_revised(status: Status, message: str) -> None:
    with pytest.raises(NotAllowed, match=f"^{re.escape(message)}$"):
        replace(submitted(), status=status).revise(draft(), LATER, "icsei-2027")


def test_withdraw_while_open_or_once_accepted_but_not_once_rejected() -> None:
    withdrawn, event = submitted().withdraw("  We cannot travel.\u200b ", LATER, "icsei-2027")
    assert withdrawn.status is Status.WITHDRAWN
    assert event.reason == "We cannot travel." and event.withdrawn_at == LATER
    accepted = replace(submitted(), status=Status.ACCEPTED)
    assert accepted.withdraw("", LATER, "icsei-2027")[0].status is Status.WITHDRAWN
    with pytest.raises(NotAllowed, match="already been decided \\(rejected\\)"):
        replace(submitted(), status=Status.REJECTED).withdraw("", LATER, "icsei-2027")
    with pytest.raises(NotAllowed, match="was withdrawn, so it cannot be withdrawn"):
        withdrawn.withdraw("", LATER, "icsei-2027")


def test_decide_once_in_the_asked_format_or_another() -> None:
    abstract = submitted()
    accepted, event = abstract.decide(Decision.ACCEPTED, None, "org@x.org", LATER, 4.25, ["Good", ""], "icsei-2027")
    assert (accepted.status, accepted.decided_format, accepted.mean_score) == (
        Status.ACCEPTED,
        AbstractFormat.PAPER,
        4.25,
    )
    assert event.format is AbstractFormat.PAPER and event.comments_to_authors == ("Good",)
    poster, _ = abstract.decide(Decision.ACCEPTED, AbstractFormat.POSTER, "o", LATER, None, [], "icsei-2027")
    assert poster.decided_format is AbstractFormat.POSTER
    rejected, _ = abstract.decide(Decision.REJECTED, None, "o", LATER, None, [], "icsei-2027")
    assert rejected.status is Status.REJECTED
    with pytest.raises(NotAllowed, match=r"already decided \(accepted\); a decision cannot be changed"):
        accepted.decide(Decision.REJECTED, None, "o", LATER, None, [], "icsei-2027")
    withdrawn = replace(abstract, status=Status.WITHDRAWN)
    with pytest.raises(NotAllowed, match="withdrawn by its authors; there is nothing to decide"):
        withdrawn.decide(Decision.ACCEPTED, None, "o", LATER, None, [], "icsei-2027")


def test_reviews_and_reviewers_change_only_while_open() -> None:
    abstract = submitted()
    abstract.refuse_unless_reviewable()
    abstract.refuse_unless_reviewers_may_change()
    decided = replace(abstract, status=Status.ACCEPTED)
    with pytest.raises(NotAllowed, match="has been decided; reviews can no longer change"):
        decided.refuse_unless_reviewable()
    with pytest.raises(NotAllowed, match="is accepted; its reviewers can no longer change"):
        decided.refuse_unless_reviewers_may_change()


def test_the_stored_abstract_fills_the_edit_form_as_typed() -> None:
    assert submitted().draft() == draft()
