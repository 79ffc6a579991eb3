"""A symposium's rules (standard library only): its chair, discussant and papers, and the authors it stands for.

A symposium is one abstract (its title and overall abstract) with a chair, an optional discussant and
3-4 papers in running order, each with its own title, abstract (within the *paper* word limit) and
authors, at least one presenting. It is reviewed, decided and scheduled as one unit. Its ``authors``
are every paper's authors merged (``merged_authors``: each email once, presenting if they present any
paper), so everything that reads an abstract's presenting authors (registration's presenter rule,
the decision letters) counts every paper's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from schemas.abstracts import Author, Symposium, SymposiumPaper, SymposiumRole
from services.abstracts.domain.submission import (
    AuthorDraft,
    Draft,
    Errors,
    PaperDraft,
    PersonDraft,
    SubmissionRules,
    SymposiumDraft,
    authors_errors,
    text_error,
    title_too_long,
    too_long,
)
from services.abstracts.domain.submission import validate as validate_abstract
from services.common.sentence import Sentence
from services.common.text import problem as text_problem

MIN_PAPERS = 3
MAX_PAPERS = 4
PAPER_FORMAT = "paper"
"""Each paper's abstract keeps a paper's word limit."""
PERSON_FIELDS = (
    ("given_name", "given name", 200),
    ("family_name", "family name", 200),
    ("affiliation", "institution", 300),
)

EmailCheck = Callable[[str], bool]


def validate(draft: Draft, rules: SubmissionRules, is_email: EmailCheck) -> Errors:
    """Every problem with a draft of any format: the abstract's own rules, and a symposium's."""
    errors = validate_abstract(draft, rules, is_email)
    if draft.is_symposium:
        errors.update(symposium_errors(draft.symposium, rules, is_email))
    elif draft.symposium is not None:
        errors["symposium"] = "Only a symposium has a chair and papers: choose the symposium format or leave them out."
    return errors


def symposium_errors(symposium: SymposiumDraft | None, rules: SubmissionRules, is_email: EmailCheck) -> Errors:
    """Problems with a symposium's chair, discussant and papers, keyed by field path
    (``symposium.papers.2.authors.0.email``)."""
    if symposium is None:
        return {"symposium": f"A symposium needs a chair and {MIN_PAPERS} or {MAX_PAPERS} papers."}
    found = person_errors("symposium.chair.", symposium.chair, "chair", rules, is_email)
    discussant = symposium.discussant
    if discussant is not None:
        found |= person_errors("symposium.discussant.", discussant, "discussant", rules, is_email)
        if discussant.email and discussant.email.casefold() == symposium.chair.email.casefold():
            found.setdefault("symposium.discussant.email", "The discussant cannot also be the chair.")
    if not MIN_PAPERS <= len(symposium.papers) <= MAX_PAPERS:
        found["symposium.papers"] = Sentence(
            "A symposium needs %(least)s or %(most)s papers; you gave %(num)s paper.",
            "A symposium needs %(least)s or %(most)s papers; you gave %(num)s papers.",
            len(symposium.papers),
            least=MIN_PAPERS,
            most=MAX_PAPERS,
            num=len(symposium.papers),
        )
    for i, paper in enumerate(symposium.papers[:MAX_PAPERS]):
        path = f"symposium.papers.{i}."
        if not paper.title:
            found[path + "title"] = "Please give this paper a title."  # beside "Title of paper n"
        elif len(paper.title) > rules.title_max_chars:
            found[path + "title"] = title_too_long(paper.title, rules)
        if (message := text_error(paper.text, PAPER_FORMAT, rules)) is not None:
            found[path + "text"] = message
        found |= {path + key: message for key, message in authors_errors(paper.authors, rules, is_email).items()}
        for key, value, multiline in (("title", paper.title, False), ("text", paper.text, True)):
            if (problem := text_problem(value, multiline=multiline)) is not None:
                found.setdefault(path + key, problem)
        for j, author in enumerate(paper.authors):
            for name in ("given_name", "family_name", "affiliation"):
                if (problem := text_problem(getattr(author, name))) is not None:
                    found.setdefault(f"{path}authors.{j}.{name}", problem)
    return found


def person_errors(path: str, person: PersonDraft, role: str, rules: SubmissionRules, is_email: EmailCheck) -> Errors:
    """The chair's or discussant's missing or malformed fields."""
    found: Errors = {}
    for name, label, longest in PERSON_FIELDS:
        value = getattr(person, name)
        if not value:
            found[path + name] = f"Please fill in the {role}'s {label}."
        elif len(value) > longest:
            found[path + name] = too_long(name, longest)
        elif (problem := text_problem(value)) is not None:
            found[path + name] = problem
    if not is_email(person.email):
        found[path + "email"] = "Enter an email address like name@example.org."
    if person.country not in rules.countries:
        found[path + "country"] = f"Choose the country of the {role}'s institution."
    return found


def is_blank(person: PersonDraft) -> bool:
    """Nothing typed for this person (an optional discussant left out)."""
    return not any((person.given_name, person.family_name, person.email, person.affiliation))


def merged(symposium: Symposium) -> tuple[Author, ...]:
    """Every paper's authors in paper order, each email once (as first listed), presenting if they present any
    paper: the symposium's ``authors``."""
    found: dict[str, Author] = {}
    for paper in symposium.papers:
        for author in paper.authors:
            key = author.email.strip().casefold()
            if key not in found:
                found[key] = author
            elif author.presenting and not found[key].presenting:
                found[key] = found[key].model_copy(update={"presenting": True})
    return tuple(found.values())


def authors_of(drafts: Iterable[AuthorDraft], language: str) -> tuple[Author, ...]:
    """Typed authors as the event's, each with the abstract's language (for their emails)."""
    return tuple(
        Author(
            given_name=a.given_name,
            family_name=a.family_name,
            email=a.email,
            affiliation=a.affiliation,
            country=a.country,
            presenting=a.presenting,
            language=language,
        )
        for a in drafts
    )


def _role(person: PersonDraft, language: str) -> SymposiumRole:
    return SymposiumRole(
        given_name=person.given_name,
        family_name=person.family_name,
        email=person.email,
        affiliation=person.affiliation,
        country=person.country,
        language=language,
    )


def of_draft(draft: SymposiumDraft, language: str) -> Symposium:
    """A validated symposium draft as the events carry it."""
    return Symposium(
        chair=_role(draft.chair, language),
        discussant=_role(draft.discussant, language) if draft.discussant else None,
        papers=tuple(
            SymposiumPaper(title=p.title, text=p.text, authors=authors_of(p.authors, language)) for p in draft.papers
        ),
    )


def _person(role: SymposiumRole) -> PersonDraft:
    return PersonDraft(role.given_name, role.family_name, role.email, role.affiliation, role.country)


def draft_of(symposium: Symposium) -> SymposiumDraft:
    """A stored symposium as a draft again (to fill the edit form)."""
    return SymposiumDraft(
        chair=_person(symposium.chair),
        discussant=_person(symposium.discussant) if symposium.discussant else None,
        papers=tuple(
            PaperDraft(
                p.title,
                p.text,
                tuple(
                    AuthorDraft(a.given_name, a.family_name, a.email, a.affiliation, a.country, a.presenting)
                    for a in p.authors
                ),
            )
            for p in symposium.papers
        ),
    )
