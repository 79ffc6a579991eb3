"""The ``privacy:`` section of the congress file: the privacy notice (by version and language), who may see
special-category data, and how long each class of personal data lives after the congress ends.

Every service that shows the notice or holds personal data reads it with ``load_privacy(congress)``; a
mistake is a ``ConfigError`` naming its field path (``privacy.retention.special_needs_days``). A file
without the section gets ``DEFAULT_PRIVACY``: a one-line notice pointing at the contact address, nobody
sees special-category data, and the default retention periods below.
"""

from __future__ import annotations

from datetime import date, timedelta

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from services.common.congress import ConfigError, Congress, describe_errors


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Notice(_Strict):
    """One version of the privacy notice, in one or more languages (BCP 47 tag -> text)."""

    version: str = Field(pattern=r"^[A-Za-z0-9._-]{1,40}$", description="What registrations record, e.g. 2026-06.")
    published_on: date
    text: dict[str, str] = Field(min_length=1, description="Language tag -> the notice's text (plain text).")


class Shown(_Strict):
    """The notice as one person is shown it: which version, in which language, and its text."""

    version: str
    language: str
    text: str


class Retention(_Strict):
    """Days after the congress's last day that each class of personal data is kept."""

    passport_days: int = Field(default=30, ge=0, description="Visa requests: passport number, date of birth.")
    special_needs_days: int = Field(default=7, ge=0, description="Dietary and accessibility needs.")
    registrations_days: int = Field(default=730, ge=0, description="Registrations (names, addresses, badges).")
    emails_days: int = Field(default=730, ge=0, description="Emails sent (the mail store).")
    invoices_days: int = Field(
        default=3650, ge=0, description="Issued invoices: as long as the host country's bookkeeping law requires."
    )


class Privacy(_Strict):
    """The edition's privacy settings."""

    notices: tuple[Notice, ...] = Field(min_length=1, description="Every version ever shown; the last is current.")
    retention: Retention = Retention()

    @field_validator("notices")
    @classmethod
    def _versions_unique(cls, value: tuple[Notice, ...]) -> tuple[Notice, ...]:
        versions = [n.version for n in value]
        if len(set(versions)) != len(versions):
            raise ValueError("a notice version is listed twice")
        return value

    @property
    def current(self) -> Notice:
        return self.notices[-1]

    def notice_for(self, language: str, default_language: str = "en") -> Shown:
        """The current notice in ``language`` (or its base language, e.g. ``pt`` for ``pt-BR``), else the default."""
        notice = self.current
        base = language.split("-")[0].lower()
        for tag in (language, base, default_language, *notice.text):
            if tag in notice.text:
                return Shown(version=notice.version, language=tag, text=notice.text[tag])
        raise AssertionError("a notice has at least one text")  # pragma: no cover - min_length=1

    def known(self, version: str) -> bool:
        return any(n.version == version for n in self.notices)

    def expires(self, congress_ends: date, days: int) -> date:
        """The first day on which data kept ``days`` after ``congress_ends`` is gone."""
        return congress_ends + timedelta(days=days + 1)


DEFAULT_PRIVACY = Privacy(
    notices=(
        Notice(
            version="default",
            published_on=date(2026, 1, 1),
            text={"en": "We use your details only to run the congress. Ask the secretariat for what we hold."},
        ),
    )
)


def load_privacy(congress: Congress) -> Privacy:
    """Validate the congress file's ``privacy:`` section (``DEFAULT_PRIVACY`` without one)."""
    section = congress.section("privacy")
    if not section:
        return DEFAULT_PRIVACY
    try:
        return Privacy.model_validate(section)
    except ValidationError as exc:
        raise ConfigError(
            f"privacy section has {exc.error_count()} problem(s):\n{describe_errors(exc, prefix='privacy')}"
        ) from None
