"""12-factor settings: every service reads its own ``<SERVICE>_`` prefix, plus a few shared names.

``KAFKA_BOOTSTRAP_SERVERS``, ``KAFKA_REPLICATION_FACTOR``, ``CONGRESS_CONFIG``, ``OUTBOX_RETENTION_HOURS``,
``DATABASE_URL`` (a default for every service), ``CONGRESS_SECRET`` and ``CONGRESS_HOME`` are
shared; anything else is per service, e.g. ``REGISTRATION_HTTP_PORT``. Secrets are ``SecretStr`` so they never print.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def congress_home() -> Path:
    """Where local state lives (databases, Kafka data, PDFs): ``$CONGRESS_HOME`` or ``~/.cache/congress``."""
    return Path(os.environ.get("CONGRESS_HOME") or Path.home() / ".cache" / "congress")


class ServiceSettings(BaseSettings):
    """What every service needs. Subclasses set ``model_config`` with their own env prefix."""

    model_config = SettingsConfigDict(env_prefix="CONGRESS_", extra="ignore")

    service_name: str = "congress"
    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:9092",
        validation_alias=AliasChoices("KAFKA_BOOTSTRAP_SERVERS"),
        description="Kafka bootstrap servers, shared by every service.",
    )
    kafka_topic_prefix: str = Field(
        default="",
        validation_alias=AliasChoices("KAFKA_TOPIC_PREFIX"),
        description="Prepended to every topic name; lets test runs share one broker without meeting.",
    )
    kafka_replication_factor: int | None = Field(
        default=None,
        ge=1,
        validation_alias=AliasChoices("KAFKA_REPLICATION_FACTOR"),
        description="Replication factor of the topics a service creates; default min(3, brokers in the cluster).",
    )
    congress_config: str | None = Field(
        default=None,
        validation_alias=AliasChoices("CONGRESS_CONFIG"),
        description="The edition's YAML; default examples/icsei-2027.yaml.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy async URL of this service's own database; defaults to a SQLite file.",
    )
    shared_database_url: str | None = Field(default=None, validation_alias=AliasChoices("DATABASE_URL"))
    secret: SecretStr = Field(
        default=SecretStr("dev-only-secret-change-me"),
        validation_alias=AliasChoices("CONGRESS_SECRET"),
        description="Signs magic links, organiser sessions and QR tokens. The demo generates one.",
    )
    trusted_origins: str = Field(
        default="",
        validation_alias=AliasChoices("CONGRESS_TRUSTED_ORIGINS"),
        description="Comma-separated origins (https://host[:port]) whose pages may post to this service's; "
        "its own origin is always trusted.",
    )
    trust_proxy: bool = Field(
        default=False,
        validation_alias=AliasChoices("CONGRESS_TRUST_PROXY"),
        description="Behind a TLS-terminating proxy: believe its X-Forwarded-Proto (Secure cookies over https).",
    )
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    consumer_retries: int = Field(default=3, description="Attempts before an event is dead-lettered.")
    relay_poll_seconds: float = Field(default=1.0, description="Outbox relay's fallback poll interval.")
    outbox_retention_hours: int = Field(
        default=72,
        ge=-1,
        validation_alias=AliasChoices("OUTBOX_RETENTION_HOURS"),
        description="Hours a sent outbox row is kept (Kafka holds the event) before the periodic purge deletes "
        "it; 0 deletes it at the next pass, -1 keeps every sent row (decision 76).",
    )

    @field_validator("kafka_replication_factor", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        """``KAFKA_REPLICATION_FACTOR=""`` (compose's way of naming a setting left to its default) means unset."""
        return None if value == "" else value

    def effective_database_url(self) -> str:
        url = self.database_url or self.shared_database_url
        if url:
            return url
        path = congress_home() / "db" / f"{self.service_name}.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite+aiosqlite:///{path}"

    def trusted_origin_list(self) -> list[str]:
        return [origin.strip() for origin in self.trusted_origins.split(",") if origin.strip()]

    @property
    def source(self) -> str:
        """CloudEvents ``source`` of events this service emits."""
        return f"/congress/{self.service_name}"
