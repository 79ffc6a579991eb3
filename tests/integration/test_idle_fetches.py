"""Long-held fetches: the sign-out reader lets the broker hold its idle fetch (``IDLE_FETCH_WAIT_MS``) and still
revokes each session; the key follower asks where the key topic ends beside the fetch a broker holds.

aiokafka's 500 ms made every idle consumer ask every broker leading one of its partitions twice a second; on
three nodes the sign-out readers alone were a sixth of the brokers' requests during issue 11's burst. A held
fetch returns as soon as a record arrives. Requests are counted on the client's connections (real Kafka).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.conn import AIOKafkaConnection
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from schemas import topics
from schemas.base import encode, encode_new, new_event
from schemas.keys import PersonKeyIssued
from schemas.sessions import OrganiserSignedOut
from services.common.key_follower import KeyFollower
from services.common.keyring import Keyring
from services.common.organiser_sessions import OrganiserSessions
from services.common.session_events import RevocationReader

IDLE_SECONDS = 3.0
"""Long enough for six fetches at aiokafka's 500 ms on one broker; within one held fetch at 5 s."""


@contextlib.contextmanager
def counting_requests(by_client: list[str] | None = None) -> Iterator[list[tuple[int, str]]]:
    """Every request this process sends while inside: the connection it went on and the request class's name
    (``by_client``, if given, gets each one's client id: the tests share one event loop, so a client another test
    left running sends too)."""
    sent: list[tuple[int, str]] = []
    original = AIOKafkaConnection.send

    def send(self: AIOKafkaConnection, request: Any, *args: Any, **kwargs: Any) -> Any:
        sent.append((id(self), type(request).__name__))
        if by_client is not None:
            by_client.append(self._client_id)
        return original(self, request, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(AIOKafkaConnection, "send", send)
        yield sent


@dataclass
class Fetches:
    """The fetch requests one client sent, and which other clients of this process sent any meanwhile."""

    mine: list[str] = field(default_factory=list)
    others: set[str] = field(default_factory=set)


@contextlib.contextmanager
def counting_fetches(client_id: str) -> Iterator[Fetches]:
    """The fetch requests the client ``client_id`` sends while inside; any other client's are only named (the
    tests share one event loop, and a client another test left running fetches too)."""
    clients: list[str] = []
    with counting_requests(clients) as sent:
        fetches = Fetches()
        yield fetches
        for (_, name), client in zip(sent, clients, strict=True):
            if not name.startswith("FetchRequest"):
                continue
            if client == client_id:
                fetches.mine.append(name)
            else:
                fetches.others.add(client)


async def make_topics(bootstrap: str, names: list[str]) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, 1, 1) for name in names])
    finally:
        await admin.close()


async def send(bootstrap: str, topic: str, value: bytes, key: bytes | None = None) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait(topic, value, key=key)
    finally:
        await producer.stop()


class Revocations:
    """Stands in for ``OrganiserSessions``: the sessions the reader revoked."""

    def __init__(self) -> None:
        self.revoked: list[str] = []
        self.arrived = asyncio.Event()

    def revoke(self, session_id: str, expires_at: float) -> None:
        self.revoked.append(session_id)
        self.arrived.set()


async def test_the_sign_out_reader_asks_an_idle_broker_seldom_and_still_revokes(
    kafka_bootstrap: str, topic_prefix: str
) -> None:
    await make_topics(kafka_bootstrap, [topic_prefix + topics.SESSIONS, topic_prefix + topics.ORGANISERS])
    revocations = Revocations()
    client = f"idle-{uuid.uuid4().hex[:8]}"
    reader = RevocationReader(
        kafka_bootstrap, cast(OrganiserSessions, revocations), topic_prefix=topic_prefix, client_id=client
    )
    expires = datetime.now(UTC) + timedelta(hours=1)

    async def sign_out(session_id: str) -> None:
        event = new_event(OrganiserSignedOut(session_id=session_id, expires_at=expires), "/congress/test")
        await send(kafka_bootstrap, topic_prefix + topics.SESSIONS, encode(event))
        await asyncio.wait_for(revocations.arrived.wait(), 60)
        revocations.arrived.clear()

    following = asyncio.create_task(reader.run())
    try:
        await sign_out("first")  # following
        with counting_fetches(f"{client}-sign-outs") as fetches:
            await asyncio.sleep(IDLE_SECONDS)
        with counting_fetches(f"{client}-sign-outs") as after:
            await sign_out("second")
            await asyncio.sleep(0.5)
    finally:
        following.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await following
    assert revocations.revoked == ["first", "second"]
    assert after.mine, after  # the reader asks again once a record came: its fetches are the ones counted
    assert len(fetches.mine) <= 2, fetches  # 6-7 at aiokafka's 500 ms


def issued_key(secret: str) -> tuple[str, bytes]:
    """A ``PersonKeyIssued`` of another service, as its outbox writes it on the key topic: its id and value."""
    minter, key_id = Keyring(secret, "other"), f"other-{uuid.uuid4().hex}"
    wrapped = minter.wrap(key_id, "d-1", AESGCM.generate_key(bit_length=256))
    issued = PersonKeyIssued(
        key_id=key_id, subject="d-1", owner="other", wrapped_key=base64.urlsafe_b64encode(wrapped).decode().rstrip("=")
    )
    return key_id, encode_new(issued, "/congress/other")[1]


async def following_to_the_end(follower: KeyFollower) -> None:
    while not await follower.catch_up():  # noqa: ASYNC110 -- False until its consumer has started
        await asyncio.sleep(0.1)


async def test_the_key_follower_catches_up_beside_the_fetch_a_broker_holds(
    kafka_bootstrap: str, topic_prefix: str
) -> None:
    keyring = Keyring("idle-secret", "test")
    follower = KeyFollower(kafka_bootstrap, keyring, topic_prefix=topic_prefix, client_id="test")
    following = asyncio.create_task(follower.run())
    try:
        await asyncio.wait_for(following_to_the_end(follower), 60)
        with counting_requests() as sent:
            await asyncio.sleep(1.0)  # a fetch held by the broker: nothing new on the key topic
            key_id, value = issued_key("idle-secret")
            await send(kafka_bootstrap, topic_prefix + topics.KEYS, value, key_id.encode())  # compacted: keyed
            assert await follower.catch_up()  # as a batch naming a key not seen yet waits for it
    finally:
        following.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await following
    assert keyring.knows(key_id)
    fetching = {conn for conn, name in sent if name.startswith("FetchRequest")}
    asking = {conn for conn, name in sent if name.startswith(("OffsetRequest", "ListOffsets"))}
    assert fetching and asking
    assert not fetching & asking  # never queued behind a fetch the broker holds
