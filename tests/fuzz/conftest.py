"""The fuzz tier: every service with a JSON API, served for real, probed by schemathesis from its OpenAPI.

Each service runs its own app over loopback HTTP with its real database (a SQLite file),
stripe-mock for registration, the real render pool for badges, and no Kafka (the services
start without it and keep their events in the outbox). Generation is bounded and seeded,
so a run is the same every time and the tier stays within a couple of minutes.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from services.common.auth import organiser_token
from services.common.congress import DEFAULT_CONFIG
from tests.fuzz.serving import UNREACHABLE_KAFKA, serving

SECRET = "fuzz-secret"
ORGANISER = "organiser@icsei.example.org"
"""The organiser of the example congress (examples/icsei-2027.yaml)."""


def organiser_headers() -> dict[str, str]:
    """The Bearer sign-in every service's organiser API accepts (services/common/auth.py)."""
    return {"Authorization": f"Bearer {organiser_token(SECRET, ORGANISER)}"}


def settings_env(home: Path, service: str) -> dict[str, Any]:
    return {
        "CONGRESS_SECRET": SECRET,
        "KAFKA_BOOTSTRAP_SERVERS": UNREACHABLE_KAFKA,
        "KAFKA_TOPIC_PREFIX": f"fuzz-{service}.",
        "database_url": f"sqlite+aiosqlite:///{home / f'{service}.sqlite3'}",
    }


@pytest.fixture(scope="module")
def fuzz_home(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("fuzz")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CONGRESS_HOME", str(home))
        yield home


def congress_yaml(home: Path) -> Path:
    """The example congress, unchanged: the fuzzer sees the categories and add-ons a real edition has."""
    path = home / "congress.yaml"
    path.write_text(yaml.safe_dump(yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def registration_url(fuzz_home: Path, stripe_mock_url: str) -> Iterator[str]:
    from services.registration.app import build
    from services.registration.config import RegistrationSettings

    settings_ = RegistrationSettings(
        stripe_api_base=stripe_mock_url,
        stripe_webhook_secret="whsec_fuzz",
        public_url="http://testserver",
        CONGRESS_CONFIG=str(congress_yaml(fuzz_home)),
        **settings_env(fuzz_home, "registration"),
    )
    _runtime, app = build(settings_)
    with serving(app) as url:
        yield url


@pytest.fixture(scope="module")
def abstracts_url(fuzz_home: Path) -> Iterator[str]:
    from services.abstracts.app import build
    from services.abstracts.config import AbstractsSettings

    settings_ = AbstractsSettings(
        public_url="http://testserver",
        CONGRESS_CONFIG=str(congress_yaml(fuzz_home)),
        **settings_env(fuzz_home, "abstracts"),
    )
    _runtime, app = build(settings_)
    with serving(app) as url:
        yield url


@pytest.fixture(scope="module")
def badges_url(fuzz_home: Path) -> Iterator[str]:
    from services.badges.app import build
    from services.badges.config import BadgesSettings

    settings_ = BadgesSettings(store_dir=fuzz_home / "pdfs", render_workers=1, **settings_env(fuzz_home, "badges"))
    _runtime, app = build(settings_)
    with serving(app) as url:
        yield url


@pytest.fixture(scope="module")
def console_url(fuzz_home: Path, kafka_bootstrap: str) -> Iterator[str]:
    """The console has no database and reads the topics from its start, so it needs Kafka (the real one)."""
    from services.console.app import build
    from services.console.config import ConsoleSettings

    settings_ = ConsoleSettings(**settings_env(fuzz_home, "console") | {"KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap})
    _runtime, app = build(settings_)
    with serving(app) as url:
        yield url
