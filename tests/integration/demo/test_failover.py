"""The simulator's clients move on to another copy of a service when the one they talk to is down, as a
load balancer would, and never send a request twice."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from services.demo.client import Failover
from services.devtools.processes import free_port


class Copy:
    """A copy of a service on loopback that records what it received; ``cut`` makes it hang up unanswered."""

    def __init__(self, *, cut: bool = False) -> None:
        self.received: list[tuple[str, str, Any, str]] = []
        copy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                copy.received.append((self.command, self.path, body, self.headers.get("cookie", "")))
                if cut:
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                self.send_response(201)
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def live() -> Iterator[Copy]:
    copy = Copy()
    yield copy
    copy.close()


def client(base: str, copies: tuple[str, ...]) -> httpx.AsyncClient:
    transport = Failover(copies, httpx.AsyncHTTPTransport())
    return httpx.AsyncClient(base_url=base, transport=transport, cookies={"congress_csrf": "c1"})


async def test_a_request_to_a_dead_copy_goes_to_a_live_one_whole(live: Copy) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    async with client(dead, (dead, live.url)) as http:
        answer = await http.post("/api/registrations?x=1", json={"delegates": ["Ana"]})
    assert answer.status_code == 201
    assert live.received == [("POST", "/api/registrations?x=1", {"delegates": ["Ana"]}, "congress_csrf=c1")]


async def test_a_copy_that_took_the_request_and_hung_up_is_not_asked_again(live: Copy) -> None:
    cut = Copy(cut=True)
    try:
        async with client(cut.url, (cut.url, live.url)) as http:
            with pytest.raises(httpx.TransportError):
                await http.post("/api/registrations", json={"delegates": ["Ana"]})
    finally:
        cut.close()
    assert len(cut.received) == 1
    assert live.received == []


async def test_every_copy_down_is_an_error_naming_the_last() -> None:
    dead = (f"http://127.0.0.1:{free_port()}", f"http://127.0.0.1:{free_port()}")
    async with client(dead[0], dead) as http:
        with pytest.raises(httpx.ConnectError):
            await http.post("/api/registrations", json={})
