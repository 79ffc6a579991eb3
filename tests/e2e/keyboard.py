"""Driving a page with the keyboard alone: Tab to a control, then type, Space or Enter."""

from __future__ import annotations

from playwright.async_api import Page

FOCUSED = (
    "s => { const e = document.activeElement; return e ? [e.matches(s), e.tagName, e.id || e.textContent] : null }"
)
TAB_LIMIT = 120
"""More Tab presses than any of our forms has stops: a control not reached by then is not reachable."""


async def tab_to(page: Page, selector: str) -> str:
    """Press Tab until the focused element matches ``selector``; its tag name (``INPUT``, ``SELECT``, …)."""
    seen: list[str] = []
    for _ in range(TAB_LIMIT):
        await page.keyboard.press("Tab")
        focused = await page.evaluate(FOCUSED, selector)
        if focused and focused[0]:
            return str(focused[1])
        seen.append(f"{focused[1]}#{focused[2]}"[:60] if focused else "nothing")
    raise AssertionError(f"{selector} is never reached with Tab; focus went through {seen}")


async def type_into(page: Page, selector: str, text: str) -> None:
    """Tab to a field and type ``text`` key by key (a select takes the typed text as its type-ahead)."""
    await tab_to(page, selector)
    await page.keyboard.type(text)


async def press_on(page: Page, selector: str, key: str) -> None:
    """Tab to a control and press ``key`` (Space ticks a box, Enter follows a button or link)."""
    await tab_to(page, selector)
    await page.keyboard.press(key)
