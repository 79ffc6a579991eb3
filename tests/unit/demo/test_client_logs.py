"""The demo client never writes a link's token into a log line or its error tally."""

from __future__ import annotations

import logging

import httpx
import pytest

from services.demo.client import Failed, Http, Tally

TOKEN = "eyJwYXllciI6InJlZ18xIn0.secret-signature"


def refusing(request: httpx.Request) -> httpx.Response:
    if request.url.path == "/down":
        raise httpx.ReadError("connection cut", request=request)
    return httpx.Response(410, text="gone")


@pytest.mark.parametrize("path", ["/down", "/pay/reg_1"])
async def test_a_failed_call_logs_and_counts_the_path_without_its_token(
    path: str, caplog: pytest.LogCaptureFixture
) -> None:
    tally = Tally()
    async with httpx.AsyncClient(transport=httpx.MockTransport(refusing), base_url="http://127.0.0.1:9") as client:
        http = Http(client, tally, "registration")
        with caplog.at_level(logging.WARNING, logger="congress.demo"), pytest.raises(Failed):
            await http.call("GET", f"http://127.0.0.1:9{path}?t={TOKEN}")
    assert path in caplog.text
    assert TOKEN not in caplog.text
    assert all(TOKEN not in key for key in tally.errors)
    assert sum(tally.errors.values()) == 1
