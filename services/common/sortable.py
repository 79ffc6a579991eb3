"""The column headers of an organisers' sortable list: each a link that sorts the list by its column.

A header's link keeps the list's other parameters (filters, search), sorts by its column (the other way
round when the list is sorted by it already, ascending) and starts again from page 1 (no ``page``).
Registration's registrations list and abstracts' table both use it; each says which parameters it keeps
and which a column sort resets (abstracts' calibrated ``order``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from urllib.parse import urlencode


def sort_url(
    path: str, query: Mapping[str, str], key: str, *, current: str, descending: bool, reset: Iterable[str] = ()
) -> str:
    """The URL that sorts the list at ``path`` by ``key``; empty parameters are left out of it."""
    again = current == key and not descending
    merged = dict(query) | {"sort": key, "dir": "desc" if again else ""} | dict.fromkeys(reset, "")
    return f"{path}?{urlencode({k: v for k, v in merged.items() if v})}"


def column_links(
    path: str,
    columns: Iterable[tuple[str, str]],
    query: Mapping[str, str],
    *,
    current: str,
    descending: bool,
    reset: Iterable[str] = (),
) -> list[tuple[str, str, str]]:
    """Each column's (key, heading, URL that sorts by it), in the columns' order."""
    reset = tuple(reset)
    return [
        (key, label, sort_url(path, query, key, current=current, descending=descending, reset=reset))
        for key, label in columns
    ]
