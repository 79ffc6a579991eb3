"""The contracts: snapshots current and compatible, the checker catches breaking changes, AsyncAPI current."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

import pytest
from pydantic import BaseModel, Field

from schemas import registry
from schemas.compat import breaking_changes
from schemas.snapshots import ASYNCAPI_PATH, asyncapi_document, current_schema, dumps, snapshot_path
from schemas.topic_policy import policy_for


@pytest.mark.parametrize("event_type", sorted(registry()))
def test_every_event_has_a_current_compatible_snapshot(event_type: str) -> None:
    path = snapshot_path(event_type)
    assert path.exists(), f"no snapshot for {event_type}: run `uv run python -m schemas.snapshots`"
    old = json.loads(path.read_text())
    new = current_schema(registry()[event_type])
    assert breaking_changes(old, new) == [], f"{event_type} changed incompatibly; add a new version"
    assert path.read_text() == dumps(new), f"{event_type} snapshot stale: run `uv run python -m schemas.snapshots`"


def test_every_event_and_field_is_documented() -> None:
    for event_type, model in registry().items():
        assert (model.__doc__ or "").strip(), f"{event_type} needs a docstring saying who emits it and when"
        for name, field in model.model_fields.items():
            assert field.description, f"{event_type}.{name} needs a description"


def test_asyncapi_document_is_current() -> None:
    assert ASYNCAPI_PATH.read_text() == asyncapi_document(), "run `uv run python -m schemas.snapshots`"


def test_asyncapi_tells_the_truth_about_content_correlation_and_topics() -> None:
    doc = json.loads(ASYNCAPI_PATH.read_text())
    assert doc["defaultContentType"] == "application/cloudevents+json"
    schemas = doc["components"]["schemas"]
    for name, message in doc["components"]["messages"].items():
        assert message["contentType"] == "application/cloudevents+json", name
        location = message["correlationId"]["location"]
        assert location.startswith("$message.payload#/"), name  # no message carries a correlation header
        payload = schemas[unquote(message["payload"]["$ref"].rsplit("/", 1)[1])]
        assert location.removeprefix("$message.payload#/") in payload["properties"], name
    for name, channel in doc["channels"].items():
        policy = policy_for(channel["address"])
        kafka = channel["bindings"]["kafka"]
        assert (kafka["partitions"], kafka["replicas"]) == (policy.partitions, 3), name
        assert kafka["topicConfiguration"] == {"cleanup.policy": [str(policy.cleanup)], "retention.ms": -1}, name


class _V1(BaseModel):
    delegate_id: str = Field(description="id")
    count: int = Field(description="n")
    note: str | None = Field(default=None, description="optional")


def _schema(**fields: Any) -> dict[str, Any]:
    from pydantic import create_model

    return create_model("E", __base__=_V1, **fields).model_json_schema()


def test_compatible_additions_pass() -> None:
    old = _V1.model_json_schema()
    assert breaking_changes(old, _schema(extra=(str | None, None))) == []


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"count": (str, ...)}, "type changed"),
        ({"new_required": (str, ...)}, "new required field"),
        ({"note": (str, ...)}, "optional field became required"),
    ],
)
def test_breaking_changes_are_caught(change: dict[str, Any], complaint: str) -> None:
    problems = breaking_changes(_V1.model_json_schema(), _schema(**change))
    assert any(complaint in p for p in problems), problems


def test_removed_field_is_caught() -> None:
    old = _V1.model_json_schema()
    new = json.loads(json.dumps(old))
    del new["properties"]["note"]
    assert any("removed" in p for p in breaking_changes(old, new))


def test_nested_field_retyped_is_caught() -> None:
    from schemas.registration import RegistrationConfirmed

    old = RegistrationConfirmed.model_json_schema()
    new = json.loads(json.dumps(old))
    new["$defs"]["Delegate"]["properties"]["country"] = {"type": "integer"}
    assert any("delegate.country" in p for p in breaking_changes(old, new))


def test_an_array_of_an_enum_may_gain_members_but_not_lose_them() -> None:
    old = {"type": "object", "properties": {"roles": {"type": "array", "items": {"enum": ["a", "b"]}}}}
    wider = {"type": "object", "properties": {"roles": {"type": "array", "items": {"enum": ["a", "b", "c"]}}}}
    assert breaking_changes(old, wider) == []
    assert any("roles: type changed" in p for p in breaking_changes(wider, old))
