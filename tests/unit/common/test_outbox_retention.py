"""``OUTBOX_RETENTION_HOURS`` (decision 76): shared by every service, 72 hours unless set, -1 keeps every sent row."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from services.common.outbox_purge import purge_job
from services.common.settings import ServiceSettings


def test_the_default_is_three_days_and_makes_a_job_per_service(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OUTBOX_RETENTION_HOURS", raising=False)
    settings = ServiceSettings(service_name="badges")
    assert settings.outbox_retention_hours == 72
    engine: Any = object()  # the job is made, not run
    job = purge_job(settings.service_name, engine, settings.outbox_retention_hours)
    assert job is not None and job.name == "badges.outbox-purge"  # the name keys its lease


def test_minus_one_keeps_every_sent_row_and_less_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    engine: Any = object()
    monkeypatch.setenv("OUTBOX_RETENTION_HOURS", "-1")
    assert purge_job("notify", engine, ServiceSettings().outbox_retention_hours) is None
    monkeypatch.setenv("OUTBOX_RETENTION_HOURS", "0")
    assert purge_job("notify", engine, ServiceSettings().outbox_retention_hours) is not None
    monkeypatch.setenv("OUTBOX_RETENTION_HOURS", "-2")
    with pytest.raises(ValidationError):
        ServiceSettings()
