"""A relay in its own process, so a test can SIGKILL it at a crash point (CONGRESS_CRASH_AT).

Usage: python tests/integration/relay_process.py DATABASE_URL BOOTSTRAP TOPIC_PREFIX
Publishes until the outbox is empty, then exits 0.
"""

from __future__ import annotations

import asyncio
import sys

from services.common.db import make_engine
from services.common.relay import OutboxRelay, make_producer
from services.common.topic_admin import TopicPlan, ensure_topics


async def drain(url: str, bootstrap: str, prefix: str) -> None:
    await ensure_topics(bootstrap, TopicPlan(prefix=prefix))  # as a service does before its relay runs
    engine = make_engine(url)
    producer = make_producer(bootstrap, "relay-process")
    await producer.start()
    try:
        relay = OutboxRelay(engine, producer, batch_size=20, topic_prefix=prefix)
        while await relay.publish_pending():
            pass
    finally:
        await producer.stop()
        await engine.dispose()


if __name__ == "__main__":
    asyncio.run(drain(sys.argv[1], sys.argv[2], sys.argv[3]))
