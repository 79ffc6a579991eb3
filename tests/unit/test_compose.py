"""No Docker engine runs here, so compose.yaml is checked by reading it against the code.

Every service with a composition root has a compose service that runs it, and every
setting its settings class reads is named in that service's environment (by one of
its names), so a Docker host runs the same system `make demo` runs.
"""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import AliasChoices
from pydantic_settings import BaseSettings

from services.cli.supervisor import available_services

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text())


def settings_class(service: str) -> type[BaseSettings]:
    module = importlib.import_module(f"services.{service}.config")
    classes = [
        c
        for _, c in inspect.getmembers(module, inspect.isclass)
        if c.__module__ == module.__name__ and issubclass(c, BaseSettings)
    ]
    assert len(classes) == 1, f"services/{service}/config.py should define one settings class, has {classes}"
    return classes[0]


def env_names(cls: type[BaseSettings]) -> dict[str, set[str]]:
    prefix = str(cls.model_config.get("env_prefix", ""))
    names: dict[str, set[str]] = {}
    for field_name, field in cls.model_fields.items():
        alias: Any = field.validation_alias
        if isinstance(alias, AliasChoices):
            names[field_name] = {str(choice).upper() for choice in alias.choices}
        elif isinstance(alias, str):
            names[field_name] = {alias.upper()}
        else:
            names[field_name] = {(prefix + field_name).upper()}
    return names


def test_the_real_parts_are_there() -> None:
    assert COMPOSE["services"]["kafka"]["image"].startswith("apache/kafka:")
    assert COMPOSE["services"]["postgres"]["image"].startswith("postgres:")
    assert COMPOSE["services"]["stripe-mock"]["image"].startswith("stripe/stripe-mock:")
    assert "smtp" in COMPOSE["services"]


@pytest.mark.parametrize("service", available_services())
def test_every_service_runs_with_every_setting_named(service: str) -> None:
    spec = COMPOSE["services"].get(service)
    assert spec is not None, f"compose.yaml has no service {service!r}"
    assert spec["command"][-1] == f"services.{service}.app"
    environment = {str(k).upper() for k in spec["environment"]}
    missing = [
        f"{field} ({' or '.join(sorted(names))})"
        for field, names in env_names(settings_class(service)).items()
        if not names & environment
    ]
    assert not missing, f"compose.yaml's {service} does not name: {', '.join(missing)}"
    assert spec["environment"]["KAFKA_BOOTSTRAP_SERVERS"] == "${KAFKA_BOOTSTRAP_SERVERS:-kafka:9092}"


def _kafka_nodes() -> dict[str, dict[str, Any]]:
    return {
        name: spec for name, spec in COMPOSE["services"].items() if spec.get("image", "").startswith("apache/kafka")
    }


def test_no_broker_creates_topics_on_its_own() -> None:
    for name, spec in _kafka_nodes().items():
        assert spec["environment"]["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false", name


def test_the_cluster_profile_is_a_three_voter_kraft_quorum() -> None:
    nodes = _kafka_nodes()
    assert [n for n, spec in nodes.items() if "cluster" in spec.get("profiles", [])] == ["kafka-2", "kafka-3"]
    assert "profiles" not in nodes["kafka"]  # one node by default
    cluster_env = dict(
        line.split("=", 1)
        for line in (ROOT / "infra" / "kafka" / "cluster.env").read_text().splitlines()
        if line and not line.startswith("#")
    )
    voters = cluster_env["KAFKA_CONTROLLER_QUORUM_VOTERS"].split(",")
    ids = {spec["environment"]["KAFKA_NODE_ID"]: name for name, spec in nodes.items()}
    assert voters == [f"{node_id}@{ids[node_id]}:9093" for node_id in (1, 2, 3)]
    for name, spec in nodes.items():
        assert spec["environment"]["KAFKA_ADVERTISED_LISTENERS"] == f"PLAINTEXT://{name}:9092"
        assert (
            spec["environment"]["KAFKA_CONTROLLER_QUORUM_VOTERS"] == "${KAFKA_CONTROLLER_QUORUM_VOTERS:-1@kafka:9093}"
        )
    assert cluster_env["KAFKA_BOOTSTRAP_SERVERS"] == ",".join(f"{n}:9092" for n in nodes)
    assert (cluster_env["KAFKA_REPLICATION_FACTOR"], cluster_env["KAFKA_INTERNAL_MIN_ISR"]) == ("3", "2")


def test_an_empty_replication_setting_means_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    from services.common.settings import ServiceSettings

    monkeypatch.setenv("KAFKA_REPLICATION_FACTOR", "")
    assert ServiceSettings().kafka_replication_factor is None
    monkeypatch.setenv("KAFKA_REPLICATION_FACTOR", "3")
    assert ServiceSettings().kafka_replication_factor == 3
