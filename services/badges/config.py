"""Settings of the badges service and its station (env prefix ``BADGES_``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import SettingsConfigDict

from services.common.settings import ServiceSettings, congress_home


class BadgesSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="BADGES_", extra="ignore")

    service_name: str = "badges"
    http_port: int = 8003
    store_dir: Path | None = Field(
        default=None,
        description="Where PDFs are stored; default $CONGRESS_HOME/badges.",
    )
    render_workers: int = Field(default=2, description="Worker processes in the warm render pool.")
    font_cache: Path | None = Field(
        default=None,
        description="Where the render workers keep their cut CJK fonts; default <temp dir>/congress-badges-fonts,"
        " shared by every badges process on the machine (each prunes old cuts there). Tests and benches give"
        " their own, so parallel runs leave each other's cuts alone.",
    )
    consumer_chunk: int | None = Field(
        default=None,
        gt=0,
        description="Records of a consumed batch per transaction (the next chunk's badges render while one commits);"
        " default 16 per render worker.",
    )
    congress_config: str | None = Field(
        default=None,
        validation_alias=AliasChoices("CONGRESS_CONFIG"),
        description="Congress YAML; default examples/icsei-2027.yaml.",
    )
    organiser_password: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("CONGRESS_ORGANISER_PASSWORD")
    )
    station_name: str = Field(default="desk-1", description="This station's id in check-in events.")
    public_url: str = Field(default="http://127.0.0.1:8003", description="Base of the links badges mails.")
    retention_sweep_seconds: float = Field(
        default=3600.0, gt=0, description="How often passport data past its retention period is looked for."
    )
    book_poll_seconds: float = Field(
        default=5.0, gt=0, description="How often the job badges.book looks for a publication whose book to make."
    )
    book_retry_base_seconds: float = Field(
        default=30.0, gt=0, description="The first wait after a failed book render; it doubles per failure in a row."
    )
    book_retry_cap_seconds: float = Field(
        default=3600.0, gt=0, description="The longest wait between two tries of a failing book render."
    )
    visa_link_days: int = Field(
        default=60, gt=0, le=366, description="How long a visa-request link works; then a new one can be mailed."
    )

    def effective_store_dir(self) -> Path:
        return self.store_dir or congress_home() / "badges"
