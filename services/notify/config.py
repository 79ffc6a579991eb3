"""Settings of the notify service (env prefix ``NOTIFY_``)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import SettingsConfigDict

from services.common.settings import ServiceSettings, congress_home


class NotifySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFY_", extra="ignore")

    service_name: str = "notify"
    http_port: int = 8004
    congress_config: str | None = Field(
        default=None,
        validation_alias=AliasChoices("CONGRESS_CONFIG", "NOTIFY_CONGRESS_CONFIG"),
        description="Congress YAML; the demo's examples/icsei-2027.yaml by default.",
    )

    smtp_host: str | None = Field(default=None, description="SMTP server; unset = the embedded demo sink.")
    smtp_port: int = 1025
    smtp_security: Literal["none", "starttls", "tls"] = "none"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_timeout_seconds: float = Field(default=10.0, description="Connect and command timeout.")
    smtp_rate_per_minute: int = Field(default=0, description="Messages per minute to the server; 0 = no limit.")
    smtp_connections: int = Field(
        default=4,
        ge=1,
        description="SMTP connections queued mail is sent over concurrently (owed mail after each batch's commit,"
        " retries), whose results are recorded together; a crash can resend at most one message per connection.",
    )
    smtp_claim_seconds: float = Field(
        default=30.0,
        ge=3,
        description="How long a sender holds the queued messages it claimed: a copy that dies leaves them to the"
        " others' retry pass after this; a send is cut off a third of it before the end.",
    )
    embedded_sink: bool | None = Field(
        default=None, description="Run the demo SMTP sink in-process; default: when smtp_host is unset."
    )
    mail_dir: str | None = Field(default=None, description="The sink's maildir; default $CONGRESS_HOME/mail.")
    organiser_password: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("NOTIFY_ORGANISER_PASSWORD", "CONGRESS_ORGANISER_PASSWORD"),
        description="Demo password for organisers listed without a password hash (the mail page is theirs).",
    )

    public_url: str | None = Field(
        default=None,
        description="Where organisers reach notify (its accounts and invitation pages), for invitation links; "
        "default http://127.0.0.1:<http_port>.",
    )
    invitation_hours: float = Field(default=72.0, gt=0, description="How long an organiser's invitation link works.")

    sender_address: str | None = Field(default=None, description="From address; default the congress contact.")
    message_id_domain: str | None = Field(
        default=None, description="Right side of Message-IDs; default the congress contact's domain."
    )
    attachment_max_bytes: int = Field(default=5_000_000, description="Larger PDFs are linked, not attached.")
    programme_url: str | None = Field(
        default=None,
        description="Public programme page for presenters' emails; default the abstracts service's "
        "ABSTRACTS_PUBLIC_URL + /programme, or the congress file's programme.url (plain words when unknown).",
    )
    abstracts_public_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("ABSTRACTS_PUBLIC_URL", "NOTIFY_ABSTRACTS_PUBLIC_URL"),
        description="The abstracts service's public URL (it serves /programme).",
    )
    badge_link: str = Field(
        default="http://127.0.0.1:8003/me/badge", description="Where a delegate downloads a badge too large to attach."
    )

    batch_size: int = Field(
        default=50,
        description="Events per consumer transaction (read, planned and written once for the batch). A crash resends"
        " at most one mail per SMTP connection whatever the batch (owed mail is sent after the commit), so it is"
        " sized for CPU: 50 cost ~15-20 % less CPU a message than 10 (bench/notify.py, decision 65).",
    )
    group_instance_id: str | None = Field(
        default=None, description="Kafka static membership id: a restarted process takes its partitions back at once."
    )
    retry_base_seconds: float = 30.0
    retry_max_seconds: float = 3600.0
    retry_max_attempts: int = 12
    retry_poll_seconds: float = 1.0
    circuit_seconds: float = Field(
        default=5.0, description="After a connection failure, new mail goes straight to the retry queue for this long."
    )
    reminder_after_hours: float = Field(default=72.0, description="Remind card payers who have not paid.")
    reminder_poll_seconds: float = 300.0
    broadcast_poll_seconds: float = Field(
        default=1.0, description="How often the sender looks for recipients a broadcast still owes a message."
    )
    retention_poll_seconds: float = 3600.0

    @property
    def smtp_server(self) -> str:
        return self.smtp_host or "127.0.0.1"

    def runs_embedded_sink(self) -> bool:
        return self.embedded_sink if self.embedded_sink is not None else self.smtp_host is None

    def effective_mail_dir(self) -> Path:
        return Path(self.mail_dir) if self.mail_dir else congress_home() / "mail"
