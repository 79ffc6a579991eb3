"""Sending through an SMTP server with aiosmtplib: one kept-open connection, TLS, auth, a rate limit.

Every failure is turned into a ``Delivery``: 4xx replies, refused connections and
timeouts are temporary; 5xx replies are permanent (RFC 5321).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Literal

import aiosmtplib
from aiosmtplib.typing import SMTPStatus

from services.notify.domain.delivery import Delivery, Envelope, Outcome, classify_reply

log = logging.getLogger("congress.notify.smtp")


class RateLimiter:
    """At most ``per_minute`` messages a minute, evenly spaced; 0 means no limit."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = 60.0 / per_minute if per_minute > 0 else 0.0
        self.clock = clock
        self.next_slot = 0.0

    def reserve(self) -> float:
        """Take the next slot; returns how long to wait for it."""
        if not self.interval:
            return 0.0
        now = self.clock()
        slot = max(now, self.next_slot)
        self.next_slot = slot + self.interval
        return slot - now

    async def acquire(self) -> None:
        wait = self.reserve()
        if wait > 0:
            await asyncio.sleep(wait)


class SmtpMailer:
    """The ``Mailer`` for a real SMTP server (the organiser's relay, or the demo sink)."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        security: Literal["none", "starttls", "tls"] = "none",
        username: str | None = None,
        password: str | None = None,
        timeout: float = 10.0,
        rate_per_minute: int = 0,
    ) -> None:
        self.host, self.port, self.security = host, port, security
        self.username, self.password, self.timeout = username, password, timeout
        self.limiter = RateLimiter(rate_per_minute)
        self._client: aiosmtplib.SMTP | None = None
        self._lock = asyncio.Lock()

    async def send(self, envelope: Envelope) -> Delivery:
        await self.limiter.acquire()
        async with self._lock:
            for _ in range(2):
                reused = self._client is not None
                try:
                    return await self._send_once(envelope)
                except aiosmtplib.SMTPServerDisconnected as exc:
                    await self._drop()
                    if not reused:
                        return Delivery(Outcome.TEMPORARY, f"server disconnected: {exc}", connection_failed=True)
                    # A kept-open connection the server had closed meanwhile: reconnect once.
                except asyncio.CancelledError:  # cut off mid-exchange: the connection's state is unknown
                    await self._drop()
                    raise
            return Delivery(Outcome.TEMPORARY, "server keeps disconnecting", connection_failed=True)

    async def _send_once(self, envelope: Envelope) -> Delivery:
        try:
            client = await self._connected()
            await self._transaction(client, envelope)
            return Delivery(Outcome.SENT, "accepted", code=250)
        except aiosmtplib.SMTPRecipientRefused as exc:
            await self._drop()
            return Delivery(classify_reply(exc.code), f"{exc.code} {exc.message}", code=exc.code)
        except aiosmtplib.SMTPServerDisconnected:
            raise
        except aiosmtplib.SMTPResponseException as exc:
            await self._drop()
            return Delivery(
                classify_reply(exc.code),
                f"{exc.code} {exc.message}",
                code=exc.code,
                connection_failed=exc.code in (421,),
            )
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            await self._drop()
            return Delivery(Outcome.TEMPORARY, f"cannot reach {self.host}:{self.port}: {exc!r}", connection_failed=True)

    @staticmethod
    async def _transaction(client: aiosmtplib.SMTP, envelope: Envelope) -> None:
        """MAIL, RCPT, DATA for one recipient.

        ``sendmail`` would parse both addresses twice more and normalise the whole message's line
        endings twice; ours are checked when composed and the message is CRLF already (~5 % of a
        message's CPU). MAIL and RCPT are written as ``execute_command`` lines with the addresses in
        angle brackets as they are: ``SMTP.mail``/``rcpt`` parse each with ``email.utils.parseaddr``
        again (~0.04 ms a message), for the same bytes. Any failure drops the connection, so there is
        no envelope to reset.
        """
        if client.is_ehlo_or_helo_needed:
            await client.ehlo()  # the extensions below are known only after it
        options: list[bytes] = []
        encoding = "ascii"
        if envelope.smtputf8:
            if not client.supports_extension("smtputf8"):
                raise aiosmtplib.SMTPNotSupported("SMTPUTF8 is not supported by this server")
            options, encoding = [b"SMTPUTF8"], "utf-8"
        if client.supports_extension("size"):
            options.insert(0, b"SIZE=%d" % len(envelope.message))
        sender = f"<{envelope.sender}>".encode(encoding)
        reply = await client.execute_command(b"MAIL", b"FROM:" + sender, *options)
        if reply.code != SMTPStatus.completed:
            raise aiosmtplib.SMTPSenderRefused(reply.code, reply.message, envelope.sender)
        reply = await client.execute_command(b"RCPT", b"TO:" + f"<{envelope.recipient}>".encode(encoding))
        if reply.code not in (SMTPStatus.completed, SMTPStatus.will_forward):
            raise aiosmtplib.SMTPRecipientRefused(reply.code, reply.message, envelope.recipient)
        await client.data(envelope.message)

    async def _connected(self) -> aiosmtplib.SMTP:
        if self._client is not None and self._client.is_connected:
            return self._client
        client = aiosmtplib.SMTP(
            hostname=self.host,
            port=self.port,
            timeout=self.timeout,
            use_tls=self.security == "tls",
            start_tls=self.security == "starttls",
            username=self.username,
            password=self.password,
        )
        await client.connect()
        self._client = client
        return client

    async def _drop(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            try:
                client.close()
            except Exception:
                log.debug("closing a broken SMTP connection failed", exc_info=True)

    async def close(self) -> None:
        async with self._lock:
            client, self._client = self._client, None
            if client is not None and client.is_connected:
                try:
                    await client.quit()
                except (aiosmtplib.SMTPException, OSError):
                    client.close()


class PooledMailer:
    """Several ``SmtpMailer`` connections sharing one rate limit; ``send`` uses whichever is free."""

    def __init__(self, mailers: list[SmtpMailer]) -> None:
        self.mailers = mailers
        self.limiter = mailers[0].limiter
        for mailer in mailers:
            mailer.limiter = self.limiter
        self._idle: asyncio.Queue[SmtpMailer] = asyncio.Queue()
        for mailer in mailers:
            self._idle.put_nowait(mailer)

    async def send(self, envelope: Envelope) -> Delivery:
        mailer = await self._idle.get()
        try:
            return await mailer.send(envelope)
        finally:
            self._idle.put_nowait(mailer)

    async def close(self) -> None:
        for mailer in self.mailers:
            await mailer.close()
