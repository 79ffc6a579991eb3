"""Events for the broadcast tests: delegates notify knows, and a broadcast to them in parts."""

from __future__ import annotations

from datetime import UTC, datetime

from schemas.registration import BroadcastRequested, BroadcastVersion, RegistrationConfirmed
from schemas.values import Delegate, Money, PaymentMethod

LANGUAGES = ("en", "fr", "de", "sr", "fr-CA")
"""Recipients' languages in turn: sr has no version (English, the default), fr-CA takes French."""

VERSIONS = (
    BroadcastVersion(
        language="en",
        subject="Venue change",
        body_markdown="The congress **moves** to Hall B.\n\n<script>alert(1)</script>\n\n[map](javascript:alert(2))",
    ),
    BroadcastVersion(language="fr", subject="Changement de lieu", body_markdown="Le congrès **déménage** en salle B."),
    BroadcastVersion(language="de", subject="Neuer Ort", body_markdown="Der Kongress **zieht** in Halle B."),
)
SUBJECTS = {"en": "Venue change", "fr": "Changement de lieu", "de": "Neuer Ort", "sr": "Venue change"}
SUBJECTS["fr-CA"] = SUBJECTS["fr"]


def address(n: int) -> str:
    return f"delegate{n:04d}@example.org"


def language(n: int) -> str:
    return LANGUAGES[n % len(LANGUAGES)]


def confirmation(n: int) -> RegistrationConfirmed:
    d = Delegate(
        delegate_id=f"d-{n:04d}",
        registration_number=f"ICSEI27-{n:05d}",
        given_name="Ana",
        family_name=f"Silva {n}",
        badge_name=f"Ana {n}",
        affiliation="Univ.",
        country="BR",
        email=address(n),
        language=language(n),
        category="member",
    )
    return RegistrationConfirmed(
        congress_id="icsei-2027",
        registration_id=f"r-{n}",
        delegate_id=d.delegate_id,
        registration_version=1,
        delegate=d,
        total=Money(amount_minor=42000, currency="EUR"),
        payment_method=PaymentMethod.CARD,
    )


def broadcast(broadcast_id: str, delegates: range, *, part_size: int) -> list[BroadcastRequested]:
    ids = [f"d-{n:04d}" for n in delegates]
    chunks = [ids[i : i + part_size] for i in range(0, len(ids), part_size)]
    return [
        BroadcastRequested(
            congress_id="icsei-2027",
            broadcast_id=broadcast_id,
            versions=VERSIONS,
            default_language="en",
            segment="confirmed delegates",
            recipients=tuple(chunk),
            part=i + 1,
            parts=len(chunks),
            total=len(ids),
            requested_by="chair@icsei.example.org",
            requested_at=datetime(2027, 1, 2, 9, 0, tzinfo=UTC),
        )
        for i, chunk in enumerate(chunks)
    ]
