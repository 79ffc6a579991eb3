"""Events of the abstracts context, emitted by services/abstracts.

An abstract is submitted to a thematic network in a format (paper, symposium, poster,
workshop, roundtable), may be revised until the deadline or withdrawn, is assigned to
reviewers who score it double-blind on the congress's rubric, and is decided. Every
event about one abstract is keyed by its id, so one partition sees them in order.

Reviewers never see authors: ``ReviewerAssigned`` carries the title and network only.
The events that go to authors carry each author's email and language, so notify needs
no call back to this service.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from schemas.access import LinkSentFields
from schemas.base import EventData
from schemas.personal import ByEmail, Personal
from schemas.values import CountryCode


class AbstractFormat(StrEnum):
    PAPER = "paper"
    SYMPOSIUM = "symposium"
    POSTER = "poster"
    WORKSHOP = "workshop"
    ROUNDTABLE = "roundtable"


class Decision(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class Recommendation(StrEnum):
    """A reviewer's advice to the committee."""

    ACCEPT = "accept"
    ACCEPT_AS_POSTER = "accept_as_poster"
    REJECT = "reject"


class Author(BaseModel):
    """One author as listed on the abstract, in order."""

    model_config = ConfigDict(frozen=True)

    given_name: ByEmail = Field(description="Given name(s) as typed.")
    family_name: ByEmail = Field(description="Family name as typed.")
    email: ByEmail = Field(description="Author's email address.")
    affiliation: ByEmail = Field(description="Institution as typed.")
    country: CountryCode = Field(description="ISO 3166-1 alpha-2 country of the institution.")
    presenting: bool = Field(default=False, description="Presents at the congress (at least one author does).")
    language: str = Field(default="en", description="BCP 47 tag for this author's emails.")


BySubmitter = Annotated[str, Personal(person="submitter_email")]
"""Personal data of the submitter, sealed with the key of the person whose email is ``submitter_email``."""
ByReviewer = Annotated[str, Personal(person="reviewer_email")]
"""Personal data of the reviewer, sealed with the key of the person whose email is ``reviewer_email``."""


class SymposiumRole(BaseModel):
    """The chair or the discussant of a symposium: a person with a role in its session, not an author."""

    model_config = ConfigDict(frozen=True)

    given_name: ByEmail = Field(description="Given name(s) as typed.")
    family_name: ByEmail = Field(description="Family name as typed.")
    email: ByEmail = Field(description="Their email address (registration matches them by it).")
    affiliation: ByEmail = Field(description="Institution as typed.")
    country: CountryCode = Field(description="ISO 3166-1 alpha-2 country of the institution.")
    language: str = Field(default="en", description="BCP 47 tag for their emails.")


class SymposiumPaper(BaseModel):
    """One paper of a symposium, in running order: its own title, abstract and authors."""

    model_config = ConfigDict(frozen=True)

    title: str = Field(description="The paper's title as typed.")
    text: str = Field(description="The paper's abstract (plain text, paragraphs separated by blank lines).")
    authors: tuple[Author, ...] = Field(description="The paper's authors in order; at least one presents.")


class Symposium(BaseModel):
    """What makes a symposium more than one abstract: its chair, discussant and 3-4 papers in running order.

    The abstract's own ``title`` and ``text`` are the symposium's title and overall abstract; its ``authors``
    are every paper's authors merged (each email once, presenting if they present any paper), so a consumer
    of ``authors`` sees every presenting author of every paper."""

    model_config = ConfigDict(frozen=True)

    chair: SymposiumRole = Field(description="Who chairs the symposium's session.")
    discussant: SymposiumRole | None = Field(default=None, description="Who discusses the papers, if anyone.")
    papers: tuple[SymposiumPaper, ...] = Field(description="The 3-4 papers in running order.")


class AbstractsEvent(EventData):
    abstract: ClassVar[bool] = True
    context: ClassVar[str] = "abstracts"
    name: ClassVar[str] = "LinkSent"
    key_field: ClassVar[str] = "abstract_id"

    congress_id: str = Field(description="Edition.")
    abstract_id: str = Field(description="Abstract id; the Kafka key.")


class AbstractContent(AbstractsEvent):
    abstract: ClassVar[bool] = True

    reference: str = Field(description="Human reference, e.g. ICSEI27-A-0042.")
    content_version: int = Field(description="1 when submitted, +1 per revision.")
    format: AbstractFormat = Field(description="Presentation format the authors ask for.")
    network: str = Field(description="Code of the thematic network it is submitted to (congress configuration).")
    title: str = Field(description="Title as typed.")
    text: str = Field(description="The abstract itself (plain text, paragraphs separated by blank lines).")
    keywords: tuple[str, ...] = Field(default=(), description="Up to five keywords.")
    language: str = Field(default="en", description="BCP 47 tag of the abstract's text.")
    authors: tuple[Author, ...] = Field(description="Authors in order; at least one presents.")
    submitter_email: BySubmitter = Field(
        description="Who submitted it and receives the receipt and the decision first."
    )
    symposium: Symposium | None = Field(
        default=None, description="A symposium's chair, discussant and papers (None for every other format)."
    )


class AbstractSubmitted(AbstractContent):
    """Emitted when an author submits an abstract before the deadline."""

    submitted_at: datetime = Field(description="When (UTC).")


class AbstractRevised(AbstractContent):
    """Emitted when the authors change an abstract before the deadline, or an organiser changes a symposium
    (also once accepted, until the programme is published): full content, new version."""

    revised_at: datetime = Field(description="When (UTC).")
    accepted_format: AbstractFormat | None = Field(
        default=None,
        description="The format it is accepted in, when an organiser changed an accepted abstract: its presenters, "
        "chair and discussant (registration's roles) follow this content. None while it is undecided.",
    )


class AbstractWithdrawn(AbstractsEvent):
    """Emitted when the authors withdraw an abstract; its reviews stop and it is not decided."""

    reference: str = Field(description="Human reference.")
    title: str = Field(description="Title, for the confirmation email.")
    submitter_email: BySubmitter = Field(description="Who is told.")
    language: str = Field(default="en", description="Language of the email to the submitter.")
    reason: BySubmitter = Field(default="", description="Why, if the authors said.")
    withdrawn_at: datetime = Field(description="When (UTC).")


class ReviewerAssignedFields(AbstractsEvent):
    """What every version of ReviewerAssigned carries; consumers match on this class."""

    abstract: ClassVar[bool] = True

    reviewer_id: str = Field(description="Reviewer id.")
    reviewer_name: ByReviewer = Field(description="Reviewer's name, for the email's greeting.")
    reviewer_email: ByReviewer = Field(description="Where the invitation goes.")
    reviewer_language: str = Field(default="en", description="Language of the reviewer's emails.")
    reference: str = Field(description="Human reference of the abstract.")
    title: str = Field(description="Title of the abstract.")
    network: str = Field(description="Network it was submitted to.")
    due_on: date = Field(description="Reviews are due by the end of this day (congress timezone).")


class ReviewerAssigned(ReviewerAssignedFields):
    """Emitted when a reviewer was asked to review an abstract, until v2. Carries no author identity
    (double-blind). Superseded by ``ReviewerAssignedV2``: this version carries the portal link in clear."""

    portal_link: str = Field(description="Signed link to the reviewer's portal.")


class ReviewerAssignedV2(ReviewerAssignedFields):
    """Emitted when a reviewer is asked to review an abstract. Carries no author identity (double-blind)."""

    name: ClassVar[str] = "ReviewerAssigned"
    version: ClassVar[int] = 2

    sealed_portal_link: str = Field(
        description="Signed link to the reviewer's portal, sealed for notify alone, bound to reviewer_id."
    )


class ReviewerUnassigned(AbstractsEvent):
    """Emitted when an organiser takes a reviewer off an abstract (conflict declared, no answer, withdrawal)."""

    reviewer_id: str = Field(description="Reviewer id.")
    reason: str = Field(description="Why.")


class ReviewSubmitted(AbstractsEvent):
    """Emitted when a reviewer submits (or changes) their review of an abstract."""

    reviewer_id: str = Field(description="Reviewer id.")
    scores: dict[str, int] = Field(description="Score per rubric criterion code, each 1 (weak) to 5 (excellent).")
    recommendation: Recommendation = Field(description="The reviewer's advice.")
    comments_to_authors: str = Field(default="", description="Shown to the authors with the decision, unsigned.")
    comments_to_committee: str = Field(default="", description="Seen only by the organisers.")
    submitted_at: datetime = Field(description="When (UTC).")


class AbstractDecided(AbstractsEvent):
    """Emitted when the organisers decide an abstract. Carries every author so each can be told."""

    reference: str = Field(description="Human reference.")
    title: str = Field(description="Title.")
    decision: Decision = Field(description="Accepted or rejected.")
    format: AbstractFormat = Field(description="Format it is accepted in (may differ from the one asked for).")
    network: str = Field(description="Network.")
    authors: tuple[Author, ...] = Field(description="Authors in order, with their emails and languages.")
    submitter_email: BySubmitter = Field(description="Who submitted it.")
    mean_score: float | None = Field(default=None, description="Mean of the reviews' scores, if any.")
    comments_to_authors: tuple[str, ...] = Field(default=(), description="The reviewers' comments for the authors.")
    decided_at: datetime = Field(description="When (UTC).")
    decided_by: str = Field(
        description="The organiser who decided: their account id (an address in events before decision 75)."
    )
    release_id: str | None = Field(
        default=None,
        description="The release this decision went out in: its authors are told by DecisionsReleased (one message "
        "per author per release), not by this event. None: decided and told at once.",
    )
    correction: bool = Field(default=False, description="True when it replaces a decision already released.")
    symposium: Symposium | None = Field(
        default=None, description="A symposium's chair, discussant and papers (None for every other format)."
    )


class AbstractsLinkSent(LinkSentFields):
    """A new reviewer-portal or abstract edit link, asked for with an expired one; notify mails it."""

    context: ClassVar[str] = "abstracts"
    name: ClassVar[str] = "LinkSent"

    email: ByEmail = Field(description="Where it goes: the address on record, never one typed in.")
    recipient_name: ByEmail = Field(default="", description="Name for the greeting, if known.")


class Outcome(StrEnum):
    """What a release tells the authors about one abstract."""

    ACCEPTED = "accepted"
    REJECTED = "rejected"
    MOVED = "moved"
    """Moved to another network, where it stays open for review and is decided later."""


class AbstractMoved(AbstractsEvent):
    """Emitted when a release moves an abstract to another thematic network; it stays open there."""

    reference: str = Field(description="Human reference.")
    from_network: str = Field(description="Network it was in.")
    to_network: str = Field(description="Network it is in now.")
    release_id: str = Field(description="The release that moved it; DecisionsReleased tells its authors.")
    moved_at: datetime = Field(description="When (UTC).")
    moved_by: str = Field(
        description="The organiser who released it: their account id (an address in events before decision 75)."
    )


class ReleasedAbstract(BaseModel):
    """One abstract in a DecisionsReleased message: what was decided about it."""

    model_config = ConfigDict(frozen=True)

    abstract_id: str = Field(description="Abstract id.")
    reference: str = Field(description="Human reference.")
    title: str = Field(description="Title.")
    outcome: Outcome = Field(description="Accepted, rejected or moved to another network.")
    format: AbstractFormat = Field(description="Format it is accepted in (else the one asked for).")
    asked_format: AbstractFormat = Field(description="Format the authors asked for.")
    network: str = Field(description="Network it was decided in.")
    moved_to: str | None = Field(default=None, description="Network it moved to, when moved.")
    presenting: bool = Field(default=False, description="The recipient presents it.")
    comments_to_authors: tuple[str, ...] = Field(default=(), description="The reviewers' comments for the authors.")
    correction: bool = Field(default=False, description="Replaces what an earlier release said about it.")


class DecisionsReleased(EventData):
    """Emitted once per author (and per submitter who is not an author) when organisers release staged decisions:
    every abstract of theirs in that release, so each person is told once per release."""

    context: ClassVar[str] = "abstracts"
    key_field: ClassVar[str] = "release_id"

    congress_id: str = Field(description="Edition.")
    release_id: str = Field(description="The release; the Kafka key.")
    email: ByEmail = Field(description="Who is told.")
    given_name: ByEmail = Field(default="", description="Their given name(s), when they are an author.")
    family_name: ByEmail = Field(default="", description="Their family name, when they are an author.")
    language: str = Field(default="en", description="Language of their email.")
    abstracts: tuple[ReleasedAbstract, ...] = Field(description="Their abstracts decided in this release.")
    correction: bool = Field(default=False, description="Some of it corrects what an earlier release said.")
    released_at: datetime = Field(description="When (UTC).")
    released_by: str = Field(
        description="The organiser who released: their account id (an address in events before decision 75)."
    )


class AuthorErased(EventData):
    """Emitted by abstracts when it has erased a person it knows by email (an author, submitter or reviewer): on
    the delegate's erasure (``RegistrationErased.person_ref``) or an organiser's erasure of an author who never
    registered. notify drops the mail it keeps for that address. Names no one: the person is a pseudonym."""

    context: ClassVar[str] = "abstracts"
    key_field: ClassVar[str] = "person_ref"

    congress_id: str = Field(description="Edition.")
    person_ref: str = Field(description="Pseudonym of the email address (keyring.person_ref); the Kafka key.")
    abstracts: int = Field(description="Abstracts whose author or submitter data was erased or reduced.")
    reviewer: bool = Field(description="Whether a reviewer record was erased.")
    submitted: tuple[str, ...] = Field(
        default=(), description="Ids of the abstracts the person submitted (notify keeps a submitter's name by them)."
    )
    erased_at: datetime = Field(description="When (UTC).")
    erased_by: str = Field(
        description="'delegate' when the person's own erasure, else the organiser: their account id "
        "(an address in events before decision 75)."
    )
