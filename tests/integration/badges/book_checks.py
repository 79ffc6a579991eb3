"""Reading a book of abstracts back with poppler (text per page, fonts) and pikepdf (its outline, read only)."""

from __future__ import annotations

import re
import subprocess
import unicodedata
from pathlib import Path

import pikepdf


def squash(text: str) -> str:
    """Text without spaces, line breaks and the bidi marks poppler adds around right-to-left runs."""
    return "".join(c for c in unicodedata.normalize("NFC", text) if not c.isspace() and unicodedata.category(c) != "Cf")


def pages(path: Path) -> list[str]:
    """pdftotext's text of each page (form feeds split them), page 1 first."""
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True)
    return out.stdout.split("\f")[:-1]


def fonts(path: Path) -> list[tuple[str, str]]:
    """(font name without subset tag, emb column) for every font pdffonts lists."""
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in out.splitlines()[2:] if line.strip()]
    return [(row[0].split("+", 1)[-1], row[-5]) for row in rows]


def outline(path: Path) -> list[tuple[int, str, int]]:
    """The bookmarks, depth first: (level from 1, title, page number from 1)."""
    found: list[tuple[int, str, int]] = []
    with pikepdf.open(path) as pdf:
        numbers = {page.objgen: n for n, page in enumerate(pdf.pages, 1)}

        def walk(items: list[pikepdf.OutlineItem], level: int) -> None:
            for item in items:
                target = item.destination[0].objgen if item.destination is not None else None
                found.append((level, item.title, numbers.get(target, 0)))
                walk(item.children, level + 1)

        with pdf.open_outline() as tree:
            walk(tree.root, 1)
    return found


def index_numbers(text_pages: list[str], name: str) -> list[int]:
    """The page numbers the author index prints after ``name`` (``Family, Given``)."""
    start = next(n for n, page in enumerate(text_pages) if page.lstrip().startswith("Author index"))
    text = " ".join(text_pages[start:])
    match = re.search(re.escape(name) + r"\s+((?:\d+\s*,\s*)*\d+)", text)
    assert match, f"{name!r} not in the author index"
    return [int(n) for n in re.findall(r"\d+", match.group(1))]


def page_of(text_pages: list[str], needle: str, *, after: int = 0) -> int:
    """The number of the first page from ``after`` whose text holds ``needle`` (spaces and bidi marks ignored)."""
    want = squash(needle)
    return next(n for n, page in enumerate(text_pages, 1) if n > after and want in squash(page))
