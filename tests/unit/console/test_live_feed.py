"""The live feed: a page gets the latest entries and the figures, then everything live; a page that
reconnects with Last-Event-ID gets exactly what it missed; a page that falls behind is let go."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from zoneinfo import ZoneInfo

from services.console.adapters.records import to_entry
from services.console.domain import Projection
from services.console.live import LiveFeed
from tests.unit.console.events import records, scenario

TOKYO = ZoneInfo("Asia/Tokyo")


def parse(chunk: str) -> tuple[str, dict[str, object]]:
    fields = dict(line.split(": ", 1) for line in chunk.strip().splitlines() if not line.startswith(":"))
    return fields["event"], json.loads(fields["data"])


async def take(stream: AsyncIterator[str], count: int) -> list[tuple[str, dict[str, object]]]:
    return [parse(await anext(stream)) for _ in range(count)]


async def test_a_page_gets_the_backlog_the_figures_then_live_entries() -> None:
    feed = LiveFeed(Projection(tz=TOKYO), TOKYO, backlog=5)
    items = [to_entry(r) for r in records(scenario())]
    feed.ingest(items[:10])
    stream = feed.stream(after=None)

    first = await take(stream, 6)
    assert [e for e, _ in first] == ["entry"] * 5 + ["figures"]
    assert [d["seq"] for _, d in first[:5]] == [6, 7, 8, 9, 10]
    feed.ingest(items[10:12])
    live = await take(stream, 2)
    assert [d["seq"] for _, d in live] == [11, 12]
    assert live[0][1]["doc"]["data"]["delegate_id"] == items[10].subject  # type: ignore[index]
    await stream.aclose()
    assert not feed.pages


async def test_a_reconnecting_page_resumes_after_its_last_event_id() -> None:
    feed = LiveFeed(Projection(tz=TOKYO), TOKYO, backlog=3)
    feed.ingest([to_entry(r) for r in records(scenario())])
    stream = feed.stream(after=4)

    resumed = await take(stream, len(scenario()) - 4)
    assert [d["seq"] for _, d in resumed] == list(range(5, len(scenario()) + 1))
    assert parse(await anext(stream))[0] == "figures"
    await stream.aclose()


async def test_a_page_that_falls_behind_is_disconnected_and_the_reader_never_waits() -> None:
    feed = LiveFeed(Projection(tz=TOKYO), TOKYO, queue_size=3, backlog=0)
    stream = feed.stream(after=None)
    assert parse(await anext(stream))[0] == "figures"
    feed.ingest([to_entry(r) for r in records(scenario())])  # far more than the page's queue holds

    assert not feed.pages
    leftovers = [chunk async for chunk in stream]
    assert 1 <= len(leftovers) <= 3  # what was queued before it fell behind; then the stream ends
