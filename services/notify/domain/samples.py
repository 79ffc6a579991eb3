"""Example events for every message type: ``congress notify preview`` renders them, tests use them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from schemas.abstracts import (
    AbstractDecided,
    AbstractFormat,
    AbstractRevised,
    AbstractsEvent,
    AbstractsLinkSent,
    AbstractSubmitted,
    AbstractWithdrawn,
    Author,
    Decision,
    DecisionsReleased,
    Outcome,
    ReleasedAbstract,
    ReviewerAssignedV2,
    ReviewerUnassigned,
)
from schemas.access import AccessKind
from schemas.badges import BadgeIssued, DocumentIssued, DocumentKind
from schemas.base import EventData
from schemas.registration import (
    InvoiceHoldEnding,
    LinkKind,
    MagicLinkRequestedV2,
    PaymentSucceeded,
    RefundIssued,
    RegistrationAttemptedForExistingAddress,
    RegistrationCancelled,
    RegistrationConfirmed,
    RegistrationCreated,
    RegistrationCreatedV2,
    WaitingListOfferedV2,
)
from schemas.values import AddOn, Delegate, Money, PaymentMethod
from services.common.sealing import NOTIFY_LINK, seal
from services.notify.domain.abstracts import AbstractSeen, Known, assignment_from
from services.notify.domain.rules import REMINDER_TEMPLATE, Contact, contact_from

CONGRESS_ID = "icsei-2027"
NOW = datetime(2026, 11, 3, 9, 30, tzinfo=UTC)
PREVIEW_SECRET = "preview-only"  # noqa: S105 -- seals the samples' links, nothing real
"""The secret the samples' sealed links are sealed with (a preview or a test opens them with it)."""


def _sealed(link: str, bound_to: str) -> str:
    return seal(PREVIEW_SECRET, NOTIFY_LINK, link, bound_to=bound_to)


def _link_sample(delegate: Delegate, kind: LinkKind, link: str) -> MagicLinkRequestedV2:
    registration_id = "r-" + delegate.delegate_id
    return MagicLinkRequestedV2(
        congress_id=CONGRESS_ID,
        registration_id=registration_id,
        delegate_id=delegate.delegate_id,
        email=delegate.email,
        sealed_link=_sealed(link, registration_id),
        kind=kind,
        expires_at=NOW + (timedelta(minutes=60) if kind is LinkKind.SIGN_IN else timedelta(days=30)),
        badge_name=delegate.badge_name,
        registration_number=delegate.registration_number,
        language=delegate.language,
    )


def sample_delegate(
    given: str = "Zoë",
    family: str = "Ørsted-Müller",
    *,
    language: str = "en",
    delegate_id: str = "d-0001",
    email: str = "zoe@example.org",
) -> Delegate:
    return Delegate(
        delegate_id=delegate_id,
        registration_number=f"ICSEI27-{delegate_id[-4:]}",
        given_name=given,
        family_name=family,
        badge_name=f"{given} {family}",
        affiliation="Universität Zürich",
        country="CH",
        email=email,
        language=language,
        category="member",
        add_ons=(AddOn(code="dinner", label="Congress dinner", kind="social"),),
    )


def sample_events(delegate: Delegate, pdf_path: str = "/srv/congress/documents/sample.pdf") -> dict[str, EventData]:
    """One event per template name that it causes."""
    ids = {
        "congress_id": CONGRESS_ID,
        "registration_id": "r-" + delegate.delegate_id,
        "delegate_id": delegate.delegate_id,
    }
    fee = Money(amount_minor=42000, currency="EUR")
    created = RegistrationCreatedV2(
        **ids,
        delegate=delegate,
        total=fee,
        payment_method=PaymentMethod.CARD,
        sealed_payment_url=_sealed("https://reg.example.org/pay/r?t=tok", ids["registration_id"]),
    )
    return {
        "registration_received": created,
        "registration_confirmed": RegistrationConfirmed(
            **ids, registration_version=2, delegate=delegate, total=fee, payment_method=PaymentMethod.CARD
        ),
        "payment_confirmed": PaymentSucceeded(
            **ids, amount=fee, method=PaymentMethod.INVOICE, provider_reference="ICSEI27-INV-0007", paid_at=NOW
        ),
        **_document_events(delegate, pdf_path),
        "registration_cancelled": RegistrationCancelled(
            **ids,
            registration_version=3,
            reason="Cannot travel <after all> & sorry",
            cancelled_by="delegate",
            refund_due=Money(amount_minor=31500, currency="EUR"),
        ),
        "registration_expired": RegistrationCancelled(
            **ids,
            registration_version=2,
            reason="payment_expired",
            cancelled_by="system",
        ),
        "registration_released": RegistrationCancelled(
            **ids,
            registration_version=2,
            reason="invoice_unpaid",
            cancelled_by="system",
        ),
        "invoice_hold_ending": InvoiceHoldEnding(
            **ids,
            invoice_number="ICSEI27-INV-0007",
            hold_until=NOW + timedelta(days=7),
            amount_due=fee,
            registration_numbers=(delegate.registration_number, "ICSEI27-0043"),
            email=delegate.email,
            language=delegate.language,
        ),
        "registration_attempted": RegistrationAttemptedForExistingAddress(
            **ids,
            registration_number=delegate.registration_number,
            email=delegate.email,
            language=delegate.language,
            attempted_at=NOW,
            sign_in_url="https://reg.example.org/sign-in",
        ),
        "refund_issued": RefundIssued(
            **ids, amount=Money(amount_minor=31500, currency="EUR"), provider_reference="re_test_1"
        ),
        "waiting_list_offer": WaitingListOfferedV2(
            **ids,
            add_on_code="ws-leadership",
            add_on_label="Workshop: Educational Leadership",
            offer_expires_at=NOW + timedelta(hours=48),
            sealed_accept_url=_sealed("https://reg.example.org/offers/abc", ids["registration_id"]),
            email=delegate.email,
            language=delegate.language,
        ),
        "magic_link": _link_sample(delegate, LinkKind.SIGN_IN, "https://reg.example.org/me/tok"),
        "registration_link": _link_sample(delegate, LinkKind.VIEW, "https://reg.example.org/registrations/r?t=tok"),
        REMINDER_TEMPLATE: created,
    }


def _document_events(delegate: Delegate, pdf_path: str) -> dict[str, EventData]:
    """The documents and the badge badges issues for the delegate (their PDF at ``pdf_path``)."""
    doc = {
        "congress_id": CONGRESS_ID,
        "delegate_id": delegate.delegate_id,
        "pdf_sha256": "0" * 64,
        "location": pdf_path,
        "email": delegate.email,
        "language": delegate.language,
    }
    return {
        "receipt_issued": DocumentIssued(**doc, kind=DocumentKind.RECEIPT, document_number="ICSEI27-R-0042"),
        "invoice_issued": DocumentIssued(**doc, kind=DocumentKind.INVOICE, document_number="ICSEI27-INV-0007"),
        "visa_letter_issued": DocumentIssued(**doc, kind=DocumentKind.VISA_LETTER, document_number="ICSEI27-V-0003"),
        "certificate_issued": DocumentIssued(**doc, kind=DocumentKind.CERTIFICATE, document_number="ICSEI27-C-0042"),
        "badge_ready": BadgeIssued(
            congress_id=CONGRESS_ID,
            delegate_id=delegate.delegate_id,
            registration_version=2,
            pdf_sha256="0" * 64,
            location=pdf_path,
            email=delegate.email,
            badge_name=delegate.badge_name,
            language=delegate.language,
        ),
    }


def sample_link_sent(given: str, family: str, language: str = "en") -> AbstractsLinkSent:
    """A new reviewer-portal link, asked for with an expired one."""
    return AbstractsLinkSent(
        congress_id=CONGRESS_ID,
        subject_id="rv-7",
        kind=AccessKind.REVIEWER,
        email="zoe@example.org",
        recipient_name=f"{given} {family}",
        language=language,
        sealed_link=_sealed("https://abstracts.example.org/review/tok", "rv-7"),
        expires_at=NOW + timedelta(days=60),
    )


def sample_contact(delegate: Delegate) -> Contact:
    contact = contact_from(
        RegistrationCreated(
            congress_id=CONGRESS_ID,
            registration_id="r-1",
            delegate_id=delegate.delegate_id,
            delegate=delegate,
            total=Money(amount_minor=0, currency="EUR"),
            payment_method=PaymentMethod.CARD,
        )
    )
    if contact is None:
        raise ValueError("a RegistrationCreated always carries the delegate")
    return contact


# ---- the abstracts context -----------------------------------------------------------------------------------

ABSTRACT_ID = "a-0042"


def sample_author(given: str, family: str, language: str, email: str, *, presenting: bool = False) -> Author:
    return Author(
        given_name=given,
        family_name=family,
        email=email,
        affiliation="Universität Zürich",
        country="CH",
        presenting=presenting,
        language=language,
    )


def sample_abstract_events(
    given: str = "Zoë", family: str = "Ørsted-Müller", *, language: str = "en", email: str = "zoe@example.org"
) -> dict[str, tuple[AbstractsEvent, Known]]:
    """One event per abstracts template, each with the sample person (``given family``) as its recipient."""
    person = sample_author(given, family, language, email, presenting=True)
    colleague = sample_author("Kwame", "Mensah", "en", "kwame@example.org")
    ids = {"congress_id": CONGRESS_ID, "abstract_id": ABSTRACT_ID, "reference": "ICSEI27-A-0042"}
    content = {
        **ids,
        "content_version": 1,
        "format": AbstractFormat.PAPER,
        "network": "data-use",
        "title": "Data use <in> schools & what teachers make of it",
        "text": "We studied data use.\n\nIt helps.",
        "keywords": ("data use",),
        "authors": (person, colleague),
        "submitter_email": person.email,
    }
    assigned = ReviewerAssignedV2(
        **ids,
        reviewer_id="rv-7",
        reviewer_name=f"{given} {family}",
        reviewer_email=email,
        reviewer_language=language,
        title=content["title"],
        network="data-use",
        due_on=date(2026, 10, 15),
        sealed_portal_link=_sealed("https://abstracts.example.org/review/tok", "rv-7"),
    )
    decided = {
        **ids,
        "title": content["title"],
        "format": AbstractFormat.POSTER,
        "network": "data-use",
        "authors": (person, colleague),
        "submitter_email": person.email,
        "comments_to_authors": ("A clear study.\n\nThe sample is small.", "Fits the network well."),
        "decided_at": NOW,
        "decided_by": "organiser@icsei.example.org",
    }
    return {
        "abstract_received": (AbstractSubmitted(**content, submitted_at=NOW), Known()),
        "abstract_coauthor": (
            AbstractSubmitted(
                **{**content, "authors": (colleague, person), "submitter_email": colleague.email}, submitted_at=NOW
            ),
            Known(),
        ),
        "abstract_revised": (AbstractRevised(**{**content, "content_version": 2}, revised_at=NOW), Known()),
        "abstract_withdrawn": (
            AbstractWithdrawn(
                **ids,
                title=content["title"],
                submitter_email=email,
                language=language,
                reason="Cannot travel",
                withdrawn_at=NOW,
            ),
            Known(abstract=AbstractSeen(asked_format=AbstractFormat.PAPER, submitter_name=f"{given} {family}")),
        ),
        "review_invitation": (assigned, Known()),
        "review_unassigned": (
            ReviewerUnassigned(
                congress_id=CONGRESS_ID,
                abstract_id=ABSTRACT_ID,
                reviewer_id="rv-7",
                reason="Conflict of interest declared",
            ),
            Known(assignment=assignment_from(assigned)),
        ),
        "abstract_accepted": (
            AbstractDecided(**decided, decision=Decision.ACCEPTED),
            Known(abstract=AbstractSeen(asked_format=AbstractFormat.PAPER, submitter_name=f"{given} {family}")),
        ),
        "abstract_rejected": (AbstractDecided(**decided, decision=Decision.REJECTED), Known()),
    }


def sample_release(
    given: str = "Zoë", family: str = "Ørsted-Müller", *, language: str = "en", email: str = "zoe@example.org"
) -> DecisionsReleased:
    """A release telling the sample author about two abstracts: one accepted as a poster, one moved (a correction)."""
    accepted = ReleasedAbstract(
        abstract_id=ABSTRACT_ID,
        reference="ICSEI27-A-0042",
        title="Data use <in> schools & what teachers make of it",
        outcome=Outcome.ACCEPTED,
        format=AbstractFormat.POSTER,
        asked_format=AbstractFormat.PAPER,
        network="data-use",
        presenting=True,
        comments_to_authors=("A clear study.\n\nThe sample is small.",),
    )
    moved = ReleasedAbstract(
        abstract_id="abs-sample-2",
        reference="ICSEI27-A-0043",
        title="Leading school networks",
        outcome=Outcome.MOVED,
        format=AbstractFormat.PAPER,
        asked_format=AbstractFormat.PAPER,
        network="data-use",
        moved_to="leadership",
        correction=True,
    )
    return DecisionsReleased(
        congress_id=CONGRESS_ID,
        release_id="rel-sample",
        email=email,
        given_name=given,
        family_name=family,
        language=language,
        abstracts=(accepted, moved),
        correction=True,
        released_at=NOW,
        released_by="organiser@icsei.example.org",
    )
