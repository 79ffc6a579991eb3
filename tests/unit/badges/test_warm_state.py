"""How ``/readyz`` names the render pool's warm-up (``warm_up.render_pool``): warming, warm or failed."""

from __future__ import annotations

import asyncio

from services.badges.app import _warm, _warm_state


class Pool:
    """A renderer whose warm-up waits for ``go`` and then succeeds or raises."""

    def __init__(self, fails: bool = False) -> None:
        self.go = asyncio.Event()
        self.fails = fails

    def know_names(self, characters: str) -> None:
        return None

    async def warm(self, extra_chars: str = "") -> None:
        await self.go.wait()
        if self.fails:
            raise RuntimeError("a worker did not start")


async def test_warming_until_the_workers_answer_then_warm() -> None:
    pool = Pool()
    task = asyncio.create_task(_warm(pool))
    await asyncio.sleep(0)
    assert _warm_state(task) == "warming"
    pool.go.set()
    await task
    assert _warm_state(task) == "warm"


async def test_a_failed_or_cancelled_warm_up_says_failed() -> None:
    pool = Pool(fails=True)
    task = asyncio.create_task(_warm(pool))
    pool.go.set()
    assert await task is False
    assert _warm_state(task) == "failed"
    stopped = asyncio.create_task(_warm(Pool()))
    await asyncio.sleep(0)
    stopped.cancel()
    await asyncio.gather(stopped, return_exceptions=True)
    assert _warm_state(stopped) == "failed"
