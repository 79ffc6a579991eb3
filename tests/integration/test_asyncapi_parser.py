"""schemas/asyncapi.json read by the official AsyncAPI parser (infra/asyncapi, installed by `make bootstrap`)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from schemas import registry
from schemas.snapshots import ASYNCAPI_PATH

ROOT = Path(__file__).resolve().parents[2]
CHECKER = ROOT / "infra" / "asyncapi"


def parse(path: Path) -> dict[str, Any]:
    node = shutil.which("node")
    assert node, "Node.js is missing: run `make bootstrap`"
    assert (CHECKER / "node_modules" / "@asyncapi" / "parser").is_dir(), (
        "the AsyncAPI parser is missing: run `make bootstrap`"
    )
    result = subprocess.run(
        [node, str(CHECKER / "validate.mjs"), str(path)], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.stdout, result.stderr
    verdict: dict[str, Any] = json.loads(result.stdout.splitlines()[-1])
    return verdict


def test_the_committed_document_is_valid_with_every_event() -> None:
    verdict = parse(ASYNCAPI_PATH)
    assert verdict["valid"], verdict["errors"]
    assert verdict["channels"] == verdict["messages"] == len(registry())


def test_the_parser_checks_the_topic_bindings(tmp_path: Path) -> None:
    doc = json.loads(ASYNCAPI_PATH.read_text())
    for channel in doc["channels"].values():
        channel["bindings"]["kafka"]["topicConfiguration"]["cleanup.policy"] = "compact"  # must be a list
    broken = tmp_path / "asyncapi.json"
    broken.write_text(json.dumps(doc))
    verdict = parse(broken)
    assert not verdict["valid"]
    assert any("cleanup.policy" in error for error in verdict["errors"])
