"""The author index's page numbers: each page once, in order.

An author's entry lists the pages on which their abstracts (and symposium papers) begin. Two abstracts on one
page, or a symposium and its paper on one page, are one mention of that page: it is printed once, and the
numbers ascend. Separate abstracts on consecutive pages stay separate numbers (``3, 4``), never a range
(``3–4``): a range would say one text runs across those pages, and the index points at where each one starts.

The pages come from a first layout of the book (``adapters/pdf.py``, ``render_book``): the index is its last
section, so printing the numbers moves nothing before it. Pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class IndexPage:
    """One page number of an entry, linked to the author's first item on that page."""

    number: int
    anchor: str


def index_pages(anchors: Iterable[str], pages: Mapping[str, int]) -> tuple[IndexPage, ...]:
    """The distinct pages on which ``anchors`` begin, ascending, each with its first anchor (in ``anchors`` order).
    An anchor the layout did not place (not in ``pages``) is left out."""
    first: dict[int, str] = {}
    for anchor in anchors:
        page = pages.get(anchor)
        if page is not None:
            first.setdefault(page, anchor)
    return tuple(IndexPage(number, first[number]) for number in sorted(first))
