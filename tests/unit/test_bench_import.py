"""Importing ``bench.kernel`` (as ``bench.sealing`` and ``bench.pipeline`` do) adds nothing to the contracts: its
bench-only event is registered when a run makes one, not when the module is defined, so the AsyncAPI document and
the snapshots this process checks stay the services' own."""

from __future__ import annotations

import importlib

from schemas.base import registry
from schemas.snapshots import ASYNCAPI_PATH, asyncapi_document


def test_importing_bench_kernel_leaves_the_event_registry_and_the_asyncapi_document_alone() -> None:
    before = set(registry())
    kernel = importlib.import_module("bench.kernel")
    assert set(registry()) == before
    assert kernel.BenchSeatTaken.event_type() not in registry()
    assert ASYNCAPI_PATH.read_text() == asyncapi_document()
