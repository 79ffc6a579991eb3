"""A service's real app served over real HTTP on a free loopback port, in a thread, for the fuzz tier.

The app runs its own lifespan (database migrations, outbox, the runtime without Kafka:
docs/ARCHITECTURE.md decision 9), exactly as ``python -m services.<name>.app`` would.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator

import uvicorn
from fastapi import FastAPI

from services.devtools.processes import free_port

UNREACHABLE_KAFKA = "127.0.0.1:1"
"""Nothing listens there: the services start without Kafka and keep their events in the outbox."""


@contextlib.contextmanager
def serving(app: FastAPI, *, timeout: float = 60.0) -> Iterator[str]:
    """Serve ``app`` until the block ends; yields its base URL."""
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on", loop="asyncio")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"fuzz-serve-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError(f"{app.title} did not start on port {port}")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout)
