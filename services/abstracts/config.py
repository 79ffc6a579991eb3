"""Abstracts settings (env ``ABSTRACTS_*``) and the ``abstracts:`` section of the congress file."""

from __future__ import annotations

from datetime import date

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import SettingsConfigDict

from services.abstracts.domain import submission
from services.common.congress import ConfigError, Congress, describe_errors, load_congress
from services.common.countries import COUNTRY_CODES
from services.common.languages import LANGUAGES
from services.common.settings import ServiceSettings


class AbstractsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ABSTRACTS_", extra="ignore")

    service_name: str = "abstracts"
    http_port: int = 8002
    congress_config: str | None = Field(default=None, validation_alias=AliasChoices("CONGRESS_CONFIG"))
    public_url: str = Field(default="http://127.0.0.1:8002", description="Base of the edit and reviewer links.")
    organiser_password: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("CONGRESS_ORGANISER_PASSWORD")
    )
    book_url: str = Field(
        default="http://127.0.0.1:8003/book",
        description="Where the book of abstracts is downloaded (badges makes it on each publication); the public "
        "programme page links there. Empty: no link.",
    )
    deadline: date | None = Field(
        default=None,
        description="Extends (or moves) the configuration's submission deadline without editing the file, as "
        "organisers do when they extend a call; `congress demo` sets it so the simulated call is open.",
    )

    @field_validator("deadline", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value == "" else value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NetworkConfig(_Strict):
    code: str = Field(pattern=r"^[A-Z0-9-]+$", description="Short code, e.g. DU.")
    name: str
    default_load: int | None = Field(
        default=None, ge=1, le=1000, description="Most abstracts a reviewer of this network may take (none: no limit)."
    )


class WordLimitConfig(_Strict):
    min_words: int = Field(ge=0)
    max_words: int = Field(gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> WordLimitConfig:
        if self.min_words > self.max_words:
            raise ValueError(f"min_words ({self.min_words}) is more than max_words ({self.max_words})")
        return self


class CriterionConfig(_Strict):
    code: str = Field(pattern=r"^[a-z0-9_]+$")
    label: str
    description: str = ""
    formats: tuple[str, ...] = Field(
        default=(), description="The formats scored on it (e.g. [symposium] for a symposium's coherence); none: all."
    )


class AbstractsConfig(_Strict):
    """The ``abstracts:`` section of the congress file."""

    deadline: date = Field(description="Last day to submit or revise, Anywhere on Earth (UTC-12).")
    review_due_on: date = Field(description="Reviews due by the end of this day (congress timezone).")
    reviewers_per_abstract: int = Field(default=2, ge=1, le=10)
    max_reviews_per_reviewer: int | None = Field(
        default=None, ge=1, description="Most abstracts one reviewer is given (none: no limit)."
    )
    network_fallback: bool = Field(
        default=False,
        description="Where an abstract's own network cannot give it enough reviewers, take reviewers of other "
        "networks (never conflicted; flagged to the organisers).",
    )
    conflict_same_country: bool = Field(
        default=False, description="A reviewer never reviews an abstract with an author from their own country."
    )
    title_max_chars: int = Field(default=200, gt=0)
    max_keywords: int = Field(default=5, ge=0)
    max_authors: int = Field(default=10, ge=1)
    networks: tuple[NetworkConfig, ...] = Field(min_length=1)
    word_limits: dict[str, WordLimitConfig]
    rubric: tuple[CriterionConfig, ...] = Field(min_length=1)
    reviewer_link_days: int = Field(
        default=60, gt=0, le=366, description="How long a reviewer's portal link works; then a new one is mailed."
    )
    edit_link_days: int = Field(
        default=120, gt=0, le=366, description="How long an abstract's edit link works; then a new one is mailed."
    )

    @model_validator(mode="after")
    def _consistent(self) -> AbstractsConfig:
        unknown = [f for f in self.word_limits if f not in submission.FORMATS]
        if unknown:
            raise ValueError(
                f"word_limits names unknown formats {', '.join(unknown)} (use {', '.join(submission.FORMATS)})"
            )
        strange = [f for c in self.rubric for f in c.formats if f not in submission.FORMATS]
        if strange:
            raise ValueError(f"a rubric criterion names unknown formats {', '.join(strange)}")
        for kind, seen in (("network", [n.code for n in self.networks]), ("criterion", [c.code for c in self.rubric])):
            if len(set(seen)) != len(seen):
                raise ValueError(f"a {kind} code is used twice")
        return self

    @property
    def network_names(self) -> dict[str, str]:
        return {n.code: n.name for n in self.networks}

    @property
    def default_loads(self) -> dict[str, int | None]:
        return {n.code: n.default_load for n in self.networks}

    @property
    def criteria(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.rubric)

    def rubric_for(self, fmt: str) -> tuple[CriterionConfig, ...]:
        """The criteria an abstract of this format is scored on (those for every format, and its own)."""
        return tuple(c for c in self.rubric if not c.formats or fmt in c.formats)

    def criteria_for(self, fmt: str) -> tuple[str, ...]:
        return tuple(c.code for c in self.rubric_for(fmt))

    def rules(self) -> submission.SubmissionRules:
        return submission.SubmissionRules(
            networks=frozenset(self.network_names),
            word_limits={f: submission.WordLimit(w.min_words, w.max_words) for f, w in self.word_limits.items()},
            countries=COUNTRY_CODES,
            languages=frozenset(code for code, _ in LANGUAGES),
            title_max_chars=self.title_max_chars,
            max_keywords=self.max_keywords,
            max_authors=self.max_authors,
        )


def load_abstracts(congress: Congress) -> AbstractsConfig:
    """Validate the congress file's ``abstracts:`` section, or ``ConfigError`` with field paths."""
    try:
        return AbstractsConfig.model_validate(congress.section("abstracts"))
    except ValidationError as exc:
        raise ConfigError(
            f"abstracts section has {exc.error_count()} problem(s):\n{describe_errors(exc, prefix='abstracts')}"
        ) from None


def load_all(settings: AbstractsSettings) -> tuple[Congress, AbstractsConfig]:
    congress = load_congress(settings.congress_config)
    config = load_abstracts(congress)
    if settings.deadline is not None:
        config = config.model_copy(update={"deadline": settings.deadline})
    return congress, config
