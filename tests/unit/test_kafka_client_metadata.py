"""Every Kafka consumer the services make refreshes its view of the cluster within ``METADATA_MAX_AGE_MS``
(``services.common.broker``): aiokafka 0.14 asks a broker that no longer leads a partition for its start offset
again and again until the periodic refresh, so a consumer left on aiokafka's default of five minutes can stall a
partition that long after a broker restart (the fault suite saw it)."""

from __future__ import annotations

import ast
from pathlib import Path

from services.common.broker import METADATA_MAX_AGE_MS

SERVICES = Path(__file__).resolve().parents[2] / "services"
MADE_HERE = {"AIOKafkaConsumer", "KafkaBroker"}


def _calls() -> list[tuple[str, ast.Call]]:
    found = []
    for path in sorted(SERVICES.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call):
                name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
                if name in MADE_HERE:
                    found.append((f"{path.relative_to(SERVICES)}:{node.lineno}", node))
    return found


def test_every_consumer_and_broker_the_services_make_refreshes_metadata_within_the_bound() -> None:
    calls = _calls()
    assert len(calls) >= 6  # the broker factory, the key follower's two readers, sign-outs, the console, the tail
    missing = [where for where, call in calls if "metadata_max_age_ms" not in {k.arg for k in call.keywords}]
    assert missing == []


def test_the_bound_is_well_under_aiokafkas_default() -> None:
    assert 1_000 <= METADATA_MAX_AGE_MS <= 60_000
