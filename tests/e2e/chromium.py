"""Debian's Chromium as every browser test starts it (never a downloaded browser)."""

from __future__ import annotations

from typing import Any

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


async def launch(playwright: Any, *extra_args: str) -> Any:
    """A headless Chromium from Debian's package, with the flags a container and no network need."""
    return await playwright.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *extra_args])
