"""The readable half of a delegate's export: ``summary.html``, every value of ``data.json`` as nested
definition lists, escaped (names are text, never HTML) and in UTF-8 so every script shows as written."""

from __future__ import annotations

from html import escape
from typing import Any


def summary_html(congress: str, data: dict[str, Any]) -> str:
    parts = "".join(f"<section><h2>{escape(str(k))}</h2>{_html(v)}</section>" for k, v in data.items())
    title = f"Your personal data held by {escape(congress)}"
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>'
        f"<body><h1>{title}</h1><p>The same as data.json, readable. Each section is one service's answer.</p>"
        f"{parts}</body></html>"
    )


def _html(value: Any) -> str:
    if isinstance(value, dict):
        if not value:
            return "<p>(nothing)</p>"
        items = "".join(f"<dt>{escape(str(k))}</dt><dd>{_html(v)}</dd>" for k, v in value.items())
        return f"<dl>{items}</dl>"
    if isinstance(value, list):
        if not value:
            return "<p>(none)</p>"
        return "<ol>" + "".join(f"<li>{_html(v)}</li>" for v in value) + "</ol>"
    return escape("" if value is None else str(value))
