"""WeasyPrint may fetch data: URIs and files inside the templates directory — nothing else."""

from __future__ import annotations

import pytest

from services.badges.adapters.pdf import TEMPLATES, LocalOnlyFetcher


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/tracker.png",
        "https://example.org/font.woff2",
        "ftp://example.org/x",
        "file:///etc/passwd",
        f"file://{TEMPLATES}/../domain.py",
        f"file://{TEMPLATES}/../../../pyproject.toml",
    ],
)
def test_refuses_network_and_files_outside_templates(url: str) -> None:
    fetcher = LocalOnlyFetcher()
    with pytest.raises(ValueError, match="refused"):
        fetcher.fetch(url)
    assert fetcher.refused == [url]


def test_serves_templates_and_data_uris() -> None:
    fetcher = LocalOnlyFetcher()
    assert b"@page" in fetcher.fetch(f"file://{TEMPLATES}/badge.css").read()
    assert fetcher.fetch("data:text/plain;base64,aGk=").read() == b"hi"
    assert fetcher.refused == []
