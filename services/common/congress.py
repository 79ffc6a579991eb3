"""The congress configuration: one YAML file per edition, validated with a clear message per mistake.

This module holds what every service needs (identity, dates, place, branding,
legal details, organisers). Registration extends the file with pricing, add-ons
and codes under ``registration:``; other services read their own sections the same
way. ``load_congress(path)`` raises ``ConfigError`` listing each field path and
what is wrong with it.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, EmailStr, Field, ValidationError, field_validator, model_validator

DEFAULT_CONFIG = Path(__file__).resolve().parents[2] / "examples" / "icsei-2027.yaml"


class ConfigError(ValueError):
    """The configuration file is missing, not YAML, or has invalid fields (each listed)."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Venue(Strict):
    name: str
    address: str
    city: str
    country: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2.")


class Branding(Strict):
    primary_colour: str = Field(default="#1d4e89", pattern=r"^#[0-9a-fA-F]{6}$")
    accent_colour: str = Field(default="#f2a541", pattern=r"^#[0-9a-fA-F]{6}$")
    website: str = "https://example.org"


class Contact(Strict):
    email: EmailStr
    phone: str | None = None


class Legal(Strict):
    """Who issues invoices, receipts and visa letters."""

    organiser_name: str
    address: str
    vat_id: str | None = None
    registration_number: str | None = None
    bank_details: str | None = None
    signatory: str = Field(description="Name and title of whoever signs visa letters and certificates.")


class Organiser(Strict):
    email: EmailStr
    name: str
    password_hash: str | None = Field(default=None, description="From `congress organiser hash-password`.")
    roles: tuple[str, ...] | None = Field(
        default=None,
        description="Roles of this seeded organiser (services/common/roles.py); default every role. "
        "Once notify has published the account, its accounts page decides.",
    )
    networks: tuple[str, ...] = Field(default=(), description="Network codes, for a convener.")


class Congress(BaseModel):
    """One edition of the congress."""

    model_config = ConfigDict(extra="allow", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9-]+$", description="e.g. icsei-2027")
    name: str
    short_name: str = Field(description="For registration numbers and subjects, e.g. ICSEI 2027.")
    number_prefix: str = Field(pattern=r"^[A-Z0-9]+$", description="e.g. ICSEI27, in registration numbers.")
    starts_on: date
    ends_on: date
    timezone: str
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    default_language: str = "en"
    venue: Venue
    contact: Contact
    legal: Legal
    branding: Branding = Branding()
    organisers: tuple[Organiser, ...] = ()

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown IANA timezone {value!r} (e.g. Europe/Berlin, Asia/Tokyo)") from None
        return value

    @model_validator(mode="after")
    def _dates_in_order(self) -> Congress:
        if self.ends_on < self.starts_on:
            raise ValueError(f"ends_on ({self.ends_on}) is before starts_on ({self.starts_on})")
        return self

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def section(self, name: str) -> dict[str, Any]:
        """A service's own section of the file (e.g. ``registration``), unvalidated; the service validates it."""
        extra = self.model_extra or {}
        value = extra.get(name, {})
        return value if isinstance(value, dict) else {}


def describe_errors(exc: ValidationError, *, prefix: str = "") -> str:
    lines = []
    for err in exc.errors():
        where = ".".join(str(part) for part in (prefix, *err["loc"]) if part != "")
        lines.append(f"  {where or '(top level)'}: {err['msg']}")
    return "\n".join(lines)


def read_yaml(path: Path) -> dict[str, Any]:
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such configuration file") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(doc, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    return doc


def config_path(path: Path | str | None = None) -> Path:
    """The congress file a setting names, or the demo's examples/icsei-2027.yaml."""
    return Path(path) if path else DEFAULT_CONFIG


def load_congress(path: Path | str | None = None) -> Congress:
    """Read and validate a congress file (default: the demo's examples/icsei-2027.yaml)."""
    path = config_path(path)
    try:
        return Congress.model_validate(read_yaml(path))
    except ValidationError as exc:
        raise ConfigError(f"{path} has {exc.error_count()} problem(s):\n{describe_errors(exc)}") from None
