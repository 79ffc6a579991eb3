"""Deny by default, checked: every organiser route of every service is in its service's route-access table
(and nothing else is), conveners appear only on network-scoped routes, and docs/roles.md is the tables."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI

from services.cli.roles_doc import TABLES, render
from services.common.organiser_sessions import organiser_routes
from services.common.roles import Role, RouteAccess

ROOT = Path(__file__).resolve().parents[2]


def built(service: str) -> FastAPI:
    """The service's app as its composition root builds it (nothing connects until it starts)."""
    module = __import__(f"services.{service}.app", fromlist=["build"])
    return module.build()[1]


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONGRESS_HOME", str(tmp_path))


@pytest.mark.parametrize("service", sorted(TABLES))
def test_every_organiser_route_is_in_its_service_table_and_nothing_else_is(service: str) -> None:
    table: RouteAccess = TABLES[service][1]
    routes = organiser_routes(built(service).routes)
    assert len(routes) == len(set(routes))
    missing = set(routes) - set(table)
    assert not missing, f"{service}: organiser routes refused to everyone until they are in its table: {missing}"
    stale = set(table) - set(routes)
    assert not stale, f"{service}: table entries for routes that do not exist: {stale}"


@pytest.mark.parametrize("service", sorted(TABLES))
def test_conveners_only_on_network_scoped_routes_and_every_rule_names_a_role(service: str) -> None:
    for key, rule in TABLES[service][1].items():
        assert rule.roles, key
        if Role.CONVENER in rule.roles:
            assert rule.network_scoped, f"{key}: a convener there would see every network"


def test_docs_roles_md_is_the_tables() -> None:
    committed = (ROOT / "docs" / "roles.md").read_text(encoding="utf-8")
    assert committed.strip() == render().strip(), "docs/roles.md is stale: congress roles-doc > docs/roles.md"
