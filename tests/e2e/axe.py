"""axe-core (from npm, pinned in infra/axe, installed by ``make bootstrap``) run inside a page in Chromium.

The script is evaluated through the DevTools protocol, so the pages' own Content-Security-Policy (no inline
script) stays in force while it runs. A serious or critical violation fails the audit; lesser ones are
reported by axe but not counted.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.async_api import Page

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "infra" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = frozenset({"serious", "critical"})


def axe_source() -> str:
    if not AXE.is_file():
        raise FileNotFoundError(f"{AXE} is missing: run `make bootstrap` (npm ci --prefix infra/axe)")
    return AXE.read_text(encoding="utf-8")


async def blocking_violations(page: Page, source: str) -> list[str]:
    """The page's serious and critical axe violations, one line each with the elements concerned."""
    if not await page.evaluate("() => typeof window.axe === 'object'"):
        await page.evaluate(source)
    result: dict[str, Any] = await page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    found = []
    for violation in result["violations"]:
        if violation["impact"] in BLOCKING:
            targets = ", ".join(" ".join(map(str, node["target"])) for node in violation["nodes"][:5])
            found.append(f"{violation['id']} ({violation['impact']}): {violation['help']} — {targets}")
    return found
