"""The parts the fault suite switches off and on again: an SMTP sink and a recording proxy for Stripe.

Both keep their port across an outage, as a real mail server or payment provider coming back
would, so the services reconnect to the same address they were configured with.
"""

from __future__ import annotations

import http.client
import threading
import time
from collections import Counter
from email import policy
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller

from services.devtools.processes import free_port


class MailLog:
    """aiosmtpd handler: every accepted message's (template, cause, recipient), from notify's headers."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.accepted: list[tuple[str, str, str]] = []
        self.arrived: list[float] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 -- aiosmtpd hook
        message = BytesParser(policy=policy.default).parsebytes(envelope.original_content or envelope.content)
        with self.lock:
            self.accepted.append(
                (str(message["X-Congress-Template"]), str(message["X-Congress-Cause"]), ",".join(envelope.rcpt_tos))
            )
            self.arrived.append(time.monotonic())
        return "250 Message accepted"

    def counts(self) -> Counter[tuple[str, str, str]]:
        with self.lock:
            return Counter(self.accepted)

    def duplicates(self, started: float) -> list[tuple[float, float, tuple[str, str, str]]]:
        """Each message the sink had already received: (when it came again, when it first came, what), in seconds
        after ``started``."""
        with self.lock:
            first: dict[tuple[str, str, str], float] = {}
            again = []
            for key, at in zip(self.accepted, self.arrived, strict=True):
                if key in first:
                    again.append((at - started, first[key], key))
                else:
                    first[key] = at - started
            return again


class SmtpSink:
    """A real SMTP server on a fixed loopback port that can be stopped and started again."""

    def __init__(self) -> None:
        self.port = free_port()
        self.log = MailLog()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self.log, hostname="127.0.0.1", port=self.port, decode_data=False)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


class StripeRecorder:
    """A loopback HTTP proxy in front of stripe-mock recording each request: (method, path, idempotency key, status).

    While stripe-mock is down the proxy answers 502, as a provider's edge does when its backend is away.
    """

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.lock = threading.Lock()
        self.requests: list[tuple[str, str, str, int]] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _forward(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                headers = {k: v for k, v in self.headers.items() if k.lower() not in {"host", "connection"}}
                try:
                    conn = http.client.HTTPConnection("127.0.0.1", recorder.upstream_port, timeout=30)
                    conn.request(self.command, self.path, body=body, headers=headers)
                    answer = conn.getresponse()
                    status, payload, kind = answer.status, answer.read(), answer.getheader("content-type") or ""
                    conn.close()
                except OSError:
                    status, payload, kind = 502, b'{"error": {"message": "upstream down"}}', "application/json"
                with recorder.lock:
                    recorder.requests.append(
                        (self.command, self.path.split("?")[0], self.headers.get("Idempotency-Key", ""), status)
                    )
                try:
                    self.send_response(status)
                    self.send_header("content-type", kind)
                    self.send_header("content-length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:  # the asking copy was SIGKILLed meanwhile: nobody to answer
                    self.close_connection = True

            do_GET = do_POST = do_DELETE = _forward  # noqa: N815 -- http.server's method names

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, name="stripe-recorder", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def refunds(self) -> Counter[str]:
        """Refunds Stripe accepted, by idempotency key."""
        with self.lock:
            return Counter(key for method, path, key, status in self.requests if path == "/v1/refunds" and status < 300)
