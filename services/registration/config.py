"""Registration settings (env ``REGISTRATION_*``) and the ``registration:`` section of the congress file.

``load_registration(congress)`` validates the section and returns ``RegistrationConfig``;
``RegistrationConfig.rules(tz)`` turns it into the domain's ``PriceRules``. Every
mistake is reported with its field path, e.g. ``registration.categories.student.early_bird``.
"""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from limits import parse_many
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

from services.common.congress import (
    ConfigError,
    Congress,
    describe_errors,
    load_congress,
)
from services.common.settings import ServiceSettings
from services.registration.domain import pricing as domain
from services.registration.domain.pricing import IncomeGroup

INCOME_GROUPS_CSV = Path(__file__).parent / "data" / "income_groups.csv"
CATEGORY_CODES = ("member", "non-member", "student", "one-day", "accompanying")


class RegistrationSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="REGISTRATION_", extra="ignore")

    service_name: str = "registration"
    http_port: int = 8001
    congress_config: str | None = Field(default=None, validation_alias=AliasChoices("CONGRESS_CONFIG"))
    public_url: str = Field(default="http://127.0.0.1:8001", description="Base of links in emails and Stripe.")
    stripe_api_key: SecretStr = Field(default=SecretStr("sk_test_123"), description="Stripe secret key.")
    stripe_api_base: str | None = Field(
        default="http://127.0.0.1:12111", description="stripe-mock URL; empty for the real Stripe API."
    )
    stripe_webhook_secret: SecretStr = Field(default=SecretStr("whsec_demo_local_only"))
    stripe_webhook_tolerance: int = Field(default=300, description="Seconds a webhook signature stays valid.")
    test_checkout: bool | None = Field(
        default=None, description="Serve the local test-checkout page; defaults to on when using stripe-mock."
    )
    sweep_seconds: float = Field(default=60.0, gt=0, description="How often lapsed holds and offers are swept.")
    organiser_password: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("CONGRESS_ORGANISER_PASSWORD")
    )
    presenter_deadline: date | None = Field(
        default=None,
        description="Moves the configuration's presenter registration deadline without editing the file; "
        "`congress demo` sets it so the simulated presenters have time to register.",
    )

    export_sources: dict[str, str] = Field(
        default={
            "abstracts": "http://127.0.0.1:8002",
            "badges": "http://127.0.0.1:8003",
            "notify": "http://127.0.0.1:8004",
        },
        description="Services asked for their part of a delegate's export (name -> base URL; docs/privacy.md).",
    )
    rate_limits: bool = Field(
        default=True,
        description="Refuse (429) registration, quote and sign-in-link requests over the limits below; "
        "`bench.registration` turns them off to measure raw throughput.",
    )
    rate_limit_per_client: str = Field(
        default="60/minute;600/hour",
        description="Requests one client address (IP) may make through each door (register, quote, sign-in "
        "link), in `limits` notation. Generous: an institution's NAT puts many delegates behind one address. "
        "`congress demo` raises it, since its simulator registers 1,500 delegates from one address.",
    )
    rate_limit_per_address: str = Field(
        default="10/hour",
        description="Requests naming one email address each door takes, in `limits` notation.",
    )

    @field_validator("rate_limit_per_client", "rate_limit_per_address")
    @classmethod
    def _limits_parse(cls, value: str) -> str:
        parse_many(value)  # a ValueError naming the string it could not read
        return value

    @field_validator("presenter_deadline", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value == "" else value

    @property
    def uses_test_checkout(self) -> bool:
        return self.test_checkout if self.test_checkout is not None else bool(self.stripe_api_base)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


PageLanguage = Literal["en", "fr", "es", "de"]
"""A language the delegate pages speak (``services.common.page_language.PAGE_LANGUAGES``)."""
LABELS_HELP = "The label in the delegate pages' other languages, e.g. {fr: …, es: …}; a page in another shows `label`."


class CategoryConfig(_Strict):
    label: str
    labels: dict[PageLanguage, str] = Field(default_factory=dict, description=LABELS_HELP)
    regular: int = Field(ge=0, description="Regular price in minor units.")
    early_bird: int = Field(ge=0, description="Early-bird price in minor units.")
    income_adjusted: bool = True

    @model_validator(mode="after")
    def _early_not_dearer(self) -> CategoryConfig:
        if self.early_bird > self.regular:
            raise ValueError(f"early_bird ({self.early_bird}) is more than regular ({self.regular})")
        return self


class AddOnConfig(_Strict):
    code: str = Field(pattern=r"^[a-z0-9-]+$")
    label: str
    labels: dict[PageLanguage, str] = Field(default_factory=dict, description=LABELS_HELP)
    kind: Literal["workshop", "meeting", "social"]
    price: int = Field(default=0, ge=0)
    capacity: int = Field(gt=0)
    network: str | None = None


class CodeConfig(_Strict):
    code: str = Field(pattern=r"^[A-Z0-9-]+$", description="Upper case, e.g. KEYNOTE27.")
    kind: domain.CodeKind
    percent: int | None = Field(default=None, gt=0, le=100)
    amount: int | None = Field(default=None, gt=0)
    max_uses: int | None = Field(default=None, gt=0)
    expires: datetime | None = Field(default=None, description="Local time in the congress timezone.")
    categories: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _value_matches_kind(self) -> CodeConfig:
        if self.kind is domain.CodeKind.PERCENT and self.percent is None:
            raise ValueError("a percent code needs `percent`")
        if self.kind is domain.CodeKind.FIXED and self.amount is None:
            raise ValueError("a fixed code needs `amount` (minor units)")
        return self


class RefundTierConfig(_Strict):
    until: datetime = Field(description="Local time in the congress timezone.")
    percent: int = Field(ge=0, le=100)


class RefundPolicy(_Strict):
    tiers: tuple[RefundTierConfig, ...] = ()
    admin_fee: int = Field(default=0, ge=0)
    text: str = "Cancellations are refunded as the tiers say; no refund after the last tier."


class GroupConfig(_Strict):
    min_size: int = Field(default=5, ge=2)
    discount_percent: int = Field(default=0, ge=0, le=100)
    max_size: int = Field(default=30, ge=2)


class RegistrationConfig(_Strict):
    """The ``registration:`` section of the congress file."""

    early_bird_until: datetime = Field(description="Local time in the congress timezone, e.g. 2026-10-01T00:00.")
    total_capacity: int = Field(gt=0)
    categories: dict[str, CategoryConfig]
    income_group_percent: dict[IncomeGroup, int]
    add_ons: tuple[AddOnConfig, ...] = ()
    codes: tuple[CodeConfig, ...] = ()
    group: GroupConfig = GroupConfig()
    refund_policy: RefundPolicy = RefundPolicy()
    invoice_due_days: int = Field(default=30, gt=0)
    invoice_hold_days: int = Field(
        default=45,
        gt=0,
        description="How long an unpaid invoice registration holds its places (the congress place and add-on "
        "seats) from when it was made; an organiser can mark it paid or extend it. At least invoice_due_days.",
    )
    invoice_reminder_days: int = Field(
        default=7, ge=0, description="Days before an invoice hold ends that the payer is reminded; 0: no reminder."
    )
    waiting_list_hold_hours: int = Field(default=48, gt=0)
    magic_link_minutes: int = Field(
        default=60, ge=5, le=24 * 60, description="How long a sign-in link works (it works once)."
    )
    view_link_days: int = Field(
        default=30, gt=0, le=366, description="How long a payer's registration link works; then a new one is sent."
    )
    magic_links_per_hour: int = Field(
        default=5, gt=0, description="Sign-in links one registration may be sent in an hour; more are not sent."
    )
    payment_hold_minutes: int = Field(
        default=60, ge=30, le=24 * 60, description="How long an unpaid card registration holds its seats."
    )
    presenter_registration_deadline: date | None = Field(
        default=None,
        description="Last day (congress timezone, to its end) for a presenting author of each accepted abstract "
        "to hold a confirmed registration; none: presenters are not chased.",
    )
    presenter_reminder_days: tuple[int, ...] = Field(
        default=(21, 7), description="Days before that deadline on which uncovered abstracts' presenters are reminded."
    )

    @field_validator("presenter_reminder_days")
    @classmethod
    def _positive_days(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if any(d < 1 for d in value):
            raise ValueError("reminder days are whole days before the deadline, 1 or more")
        return tuple(sorted(set(value), reverse=True))

    @model_validator(mode="after")
    def _invoice_hold_fits(self) -> RegistrationConfig:
        if self.invoice_hold_days < self.invoice_due_days:
            raise ValueError(
                f"invoice_hold_days ({self.invoice_hold_days}) is shorter than the payment term "
                f"invoice_due_days ({self.invoice_due_days}): places would go before the invoice is due"
            )
        if self.invoice_reminder_days >= self.invoice_hold_days:
            raise ValueError("invoice_reminder_days must be fewer than invoice_hold_days")
        return self

    @model_validator(mode="after")
    def _consistent(self) -> RegistrationConfig:
        missing = [code for code in CATEGORY_CODES if code not in self.categories]
        if missing:
            raise ValueError(f"categories is missing {', '.join(missing)}")
        absent = [g.value for g in IncomeGroup if g not in self.income_group_percent]
        if absent:
            raise ValueError(f"income_group_percent is missing {', '.join(absent)}")
        for code in self.codes:
            unknown = [c for c in code.categories if c not in self.categories]
            if unknown:
                raise ValueError(f"code {code.code} names unknown categories {', '.join(unknown)}")
        for kind, seen in (("add-on", [a.code for a in self.add_ons]), ("code", [c.code for c in self.codes])):
            if len(set(seen)) != len(seen):
                raise ValueError(f"a {kind} code is used twice")
        return self

    def rules(self, tz: ZoneInfo, currency: str) -> domain.PriceRules:
        def local(value: datetime) -> datetime:
            return value if value.tzinfo else value.replace(tzinfo=tz)

        return domain.PriceRules(
            currency=currency,
            early_bird_until=local(self.early_bird_until),
            categories={
                code: domain.Category(code, c.label, c.regular, c.early_bird, c.income_adjusted)
                for code, c in self.categories.items()
            },
            income_percent=dict(self.income_group_percent),
            add_ons={a.code: domain.AddOnSpec(a.code, a.label, a.kind, a.price, a.capacity) for a in self.add_ons},
            codes={
                c.code: domain.DiscountCode(
                    c.code,
                    c.kind,
                    c.percent or c.amount or 0,
                    c.max_uses,
                    local(c.expires) if c.expires else None,
                    frozenset(c.categories),
                )
                for c in self.codes
            },
            group_min_size=self.group.min_size,
            group_percent=self.group.discount_percent,
            refund_tiers=tuple(domain.RefundTier(local(t.until), t.percent) for t in self.refund_policy.tiers),
            refund_fee=self.refund_policy.admin_fee,
        )


def load_registration(congress: Congress) -> RegistrationConfig:
    """Validate the congress file's ``registration:`` section, or ``ConfigError`` with field paths."""
    try:
        return RegistrationConfig.model_validate(congress.section("registration"))
    except ValidationError as exc:
        raise ConfigError(
            f"registration section has {exc.error_count()} problem(s):\n{describe_errors(exc, prefix='registration')}"
        ) from None


def load_income_groups(path: Path = INCOME_GROUPS_CSV) -> dict[str, IncomeGroup]:
    """Country (ISO alpha-2) -> income group, from the committed table (``#`` lines are its provenance)."""
    with path.open(encoding="utf-8") as handle:
        rows = csv.DictReader(line for line in handle if not line.startswith("#"))
        return {row["country"]: IncomeGroup(row["income_group"]) for row in rows}


def load_all(settings: RegistrationSettings) -> tuple[Congress, RegistrationConfig]:
    congress = load_congress(settings.congress_config)
    config = load_registration(congress)
    if settings.presenter_deadline is not None:
        config = config.model_copy(update={"presenter_registration_deadline": settings.presenter_deadline})
    return congress, config
