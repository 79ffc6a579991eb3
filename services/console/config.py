"""The console's settings: ``CONSOLE_*`` plus the shared Kafka, secret and congress names."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import SettingsConfigDict

from services.common.settings import ServiceSettings, congress_home


class ConsoleSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CONSOLE_", extra="ignore")

    service_name: str = "console"
    http_port: int = 8000
    congress_config: str | None = Field(
        default=None,
        validation_alias=AliasChoices("CONSOLE_CONGRESS_CONFIG", "CONGRESS_CONFIG"),
        description="Congress YAML; defaults to examples/icsei-2027.yaml.",
    )
    ring_size: int = Field(default=2000, description="How many recent events the live page can show.")
    lag_interval_seconds: float = Field(default=5.0, description="How often consumer lag is measured.")
    figures_interval_seconds: float = Field(default=1.0, description="At most how often figures are pushed.")
    journal_path: str | None = Field(
        default=None,
        description="SQLite file of what the console has read (figures survive Kafka's retention); "
        "default $CONGRESS_HOME/console/journal-<topic prefix>.sqlite3.",
    )
    organiser_password: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("CONSOLE_ORGANISER_PASSWORD", "CONGRESS_ORGANISER_PASSWORD"),
        description="Demo password for organisers listed without a password hash (the demo generates one).",
    )

    def effective_journal_path(self) -> Path:
        name = f"journal-{self.kafka_topic_prefix.strip('.') or 'congress'}.sqlite3"
        return Path(self.journal_path) if self.journal_path else congress_home() / "console" / name
