"""The abstracts service built with real parts: a fresh database of each kind and, when asked, real Kafka."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from services.abstracts.adapters import db
from services.abstracts.app import Built as Deps
from services.abstracts.app import build
from services.abstracts.config import AbstractsSettings
from services.common.auth import organiser_token
from services.common.db import create_tables
from services.common.runtime import ServiceRuntime

SECRET = "test-secret"
BEFORE_DEADLINE = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
ORGANISER = {"authorization": f"Bearer {organiser_token(SECRET, 'organiser@icsei.example.org')}"}
TEXT = " ".join(["Schools that use data well improve their teaching and learning."] * 12)  # 120 words


@dataclass
class Service:
    runtime: ServiceRuntime
    app: FastAPI
    deps: Deps
    client: httpx.AsyncClient
    now: list[datetime]


def settings_for(db_url: str, *, kafka: str = "127.0.0.1:1", prefix: str = "") -> AbstractsSettings:
    aliased = {"CONGRESS_SECRET": SECRET, "KAFKA_BOOTSTRAP_SERVERS": kafka, "KAFKA_TOPIC_PREFIX": prefix}
    return AbstractsSettings(database_url=db_url, public_url="http://testserver", relay_poll_seconds=0.2, **aliased)


async def open_service(settings: AbstractsSettings, *, kafka: bool) -> Service:
    now = [BEFORE_DEADLINE]
    runtime, app = build(settings, clock=lambda: now[0])
    if kafka:
        await runtime.start()
    else:
        await create_tables(runtime.engine, db.metadata)
        for hook in runtime.on_start:
            await hook()
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
    return Service(runtime, app, app.state.deps, client, now)


async def close_service(service: Service, *, kafka: bool) -> None:
    await service.client.aclose()
    if kafka:
        await service.runtime.stop()
    else:
        await service.runtime.engine.dispose()


@pytest.fixture
async def offline(tmp_path: Path) -> AsyncIterator[Service]:
    """The service on a fresh SQLite file without Kafka (the outbox fills, nothing relays)."""
    service = await open_service(settings_for(f"sqlite+aiosqlite:///{tmp_path / 'a.sqlite3'}"), kafka=False)
    yield service
    await close_service(service, kafka=False)


def author(i: int = 0, **over: Any) -> dict[str, Any]:
    base = {
        "given_name": "Aiko",
        "family_name": f"田中{i}",
        "email": f"aiko{i}@example.org",
        "affiliation": "東京大学",
        "country": "JP",
        "presenting": i == 0,
    }
    return base | over


def abstract(**over: Any) -> dict[str, Any]:
    base = {
        "format": "paper",
        "network": "DU",
        "title": "Data use in Japanese schools",
        "text": TEXT,
        "keywords": ["data use", "教育"],
        "language": "en",
        "authors": [author(0), author(1)],
        "submitter_email": "aiko0@example.org",
    }
    return base | over


def symposium_fields(first: dict[str, Any], *, tag: str, papers: int = 3, discussant: bool = True) -> dict[str, Any]:
    """A symposium's ``symposium`` object: a chair, a discussant (if asked) and ``papers`` papers, the first
    presented by ``first``, each other by its own presenter ``<tag>-p<n>@uni.example``."""

    def person(role: str) -> dict[str, Any]:
        return {
            "given_name": {"chair": "Chidi", "discussant": "Dana"}[role],
            "family_name": tag,
            "email": f"{tag}-{role}@uni.example",
            "affiliation": "Universiteit Utrecht",
            "country": "NL",
        }

    def paper(n: int) -> dict[str, Any]:
        presenter = first if n == 1 else author(n, email=f"{tag}-p{n}@uni.example", given_name=f"P{n}")
        return {"title": f"{tag} paper {n}", "text": TEXT, "authors": [presenter | {"presenting": True}, author(9)]}

    return {
        "chair": person("chair"),
        "discussant": person("discussant") if discussant else None,
        "papers": [paper(n) for n in range(1, papers + 1)],
    }


async def submit(service: Service, **over: Any) -> dict[str, Any]:
    answer = await service.client.post("/api/abstracts", json=abstract(**over))
    assert answer.status_code == 201, answer.text
    result: dict[str, Any] = answer.json()
    return result


async def add_reviewer(service: Service, name: str, affiliation: str, networks: list[str]) -> str:
    body = {"name": name, "email": f"{name.lower()}@rev.example.org", "affiliation": affiliation, "networks": networks}
    answer = await service.client.post("/api/organiser/reviewers", json=body, headers=ORGANISER)
    assert answer.status_code == 201, answer.text
    return str(answer.json()["reviewer_id"])
