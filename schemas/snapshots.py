"""JSON Schema snapshots of every event version, and the AsyncAPI document.

``python -m schemas.snapshots`` writes a snapshot for each event version that has
none, refreshes those whose change is compatible, refuses incompatible changes
(name them and exit 1), and regenerates ``schemas/asyncapi.json``. The test suite
checks that all of these are current.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from schemas.base import CloudEvent, EventData, registry
from schemas.compat import breaking_changes
from schemas.topic_policy import KEEP_FOREVER_MS, TARGET_REPLICATION, policy_for

HERE = Path(__file__).parent
SNAPSHOT_DIR = HERE / "snapshots"
ASYNCAPI_PATH = HERE / "asyncapi.json"


def current_schema(model: type[EventData]) -> dict[str, Any]:
    return model.model_json_schema(mode="validation")


def snapshot_path(event_type: str) -> Path:
    return SNAPSHOT_DIR / f"{event_type}.json"


def dumps(doc: Any) -> str:
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def asyncapi_document() -> str:
    """The AsyncAPI 3 document FastStream generates from a broker that declares every channel and message."""
    from faststream.kafka import KafkaBroker
    from faststream.specification import AsyncAPI

    broker = KafkaBroker(
        "localhost:9092", description="congress: every topic and event, as CloudEvents 1.0 (structured mode)."
    )
    for event_type, model in sorted(registry().items()):
        doc = (model.__doc__ or "").strip()
        broker.publisher(
            model.topic(),
            title=f"{model.topic()}:{event_type}",
            description=f"{doc}\n\nKey: `{model.key_field}`.",
            schema=CloudEvent[model],  # type: ignore[valid-type]
        )
    spec = AsyncAPI(broker, title="congress events", version="1", schema_version="3.0.0")
    return dumps(with_the_truth(json.loads(spec.to_specification().to_json())))


CONTENT_TYPE = "application/cloudevents+json"
CORRELATION = {
    "description": "The CloudEvent `id`: unique per event, named in every service's log lines and inbox.",
    "location": "$message.payload#/id",
}


def with_the_truth(doc: dict[str, Any]) -> dict[str, Any]:
    """What FastStream cannot know: every message is a structured-mode CloudEvent, correlated by its
    own ``id`` (no message carries a ``correlation_id`` header), and each channel's topic is kept as
    ``schemas/topic_policy.py`` says. ``replicas`` is the cluster target; it is ``min(3, brokers)`` below it."""
    doc["defaultContentType"] = CONTENT_TYPE
    for message in doc["components"]["messages"].values():
        message["contentType"] = CONTENT_TYPE
        message["correlationId"] = dict(CORRELATION)
    for channel in doc["channels"].values():
        policy = policy_for(channel["address"])
        retention = KEEP_FOREVER_MS  # the default; an edition's YAML may set a longer-than-the-edition duration
        channel["bindings"]["kafka"] |= {
            "partitions": policy.partitions,
            "replicas": TARGET_REPLICATION,
            "topicConfiguration": {"cleanup.policy": [str(policy.cleanup)], "retention.ms": retention},
        }
    return doc


def main() -> int:
    SNAPSHOT_DIR.mkdir(exist_ok=True)
    failures = 0
    for event_type, model in sorted(registry().items()):
        path = snapshot_path(event_type)
        new = current_schema(model)
        if path.exists():
            old = json.loads(path.read_text())
            problems = breaking_changes(old, new)
            if problems:
                failures += 1
                print(f"REFUSED {event_type}: breaking change; add a new version instead:", file=sys.stderr)
                for problem in problems:
                    print(f"  - {problem}", file=sys.stderr)
                continue
        text = dumps(new)
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
            print(f"wrote {path.relative_to(HERE.parent)}")
    ASYNCAPI_PATH.write_text(asyncapi_document())
    print(f"wrote {ASYNCAPI_PATH.relative_to(HERE.parent)}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
