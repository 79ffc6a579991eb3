"""Crypto-shredding in the kernel's codec: personal fields sealed per person, opened at the edge, ``erased``
once the person's keys are deleted (schemas/personal.py, services/common/keyring.py)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from schemas import base, topics
from schemas.base import decode, encode, encode_new, new_event
from schemas.keys import PersonKeyIssued
from schemas.personal import ERASED, personal_paths
from schemas.registration import RegistrationConfirmed
from schemas.values import Delegate, Money, PaymentMethod
from services.common.db import create_tables, make_engine, make_sessionmaker
from services.common.key_follower import KeyFollower
from services.common.keyring import KeyPending, Keyring, person_keys_table
from services.common.outbox import Outbox, outbox_table, write_staged
from services.common.unit_of_work import transaction


def confirmed(delegate_id: str = "d-1", name: str = "Ana") -> RegistrationConfirmed:
    person = Delegate(
        delegate_id=delegate_id,
        registration_number="ICSEI27-00001",
        given_name=name,
        family_name="Müller",
        badge_name=f"{name} Müller",
        affiliation="Universidade do Porto",
        country="PT",
        email=f"{name.lower()}@example.org",
        category="member",
    )
    return RegistrationConfirmed(
        congress_id="icsei27",
        registration_id=f"r-{delegate_id}",
        delegate_id=delegate_id,
        registration_version=1,
        delegate=person,
        total=Money(amount_minor=42000, currency="EUR"),
        payment_method=PaymentMethod.CARD,
    )


@pytest.fixture
async def sm() -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = make_engine("sqlite+aiosqlite:///:memory:")
    await create_tables(engine)
    yield make_sessionmaker(engine)
    await engine.dispose()


def test_the_personal_paths_of_an_event_follow_nested_models() -> None:
    paths = personal_paths(RegistrationConfirmed)
    assert ("delegate", "email") in paths and ("delegate", "given_name") in paths
    assert ("delegate", "country") not in paths and ("registration_id",) not in paths


async def test_staged_events_carry_no_personal_value_in_clear_and_open_with_the_key(
    sm: async_sessionmaker[AsyncSession],
) -> None:
    keyring = Keyring("secret", "registration")
    outbox = Outbox("/congress/registration", keyring)
    async with transaction(sm, outbox) as uow:
        uow.stage(confirmed())
    async with sm() as session:
        rows = (await session.execute(select(outbox_table).order_by(outbox_table.c.id))).all()
        keys = (await session.execute(select(person_keys_table))).all()
    assert [r.topic for r in rows] == [topics.KEYS, topics.REGISTRATION]  # the key before the event using it
    assert [k.subject for k in keys] == ["d-1"]
    event_value = rows[1].value
    for clear in (b"Ana", "Müller".encode(), b"ana@example.org", b"Porto"):
        assert clear not in event_value
    assert decode(event_value, keyring.opener(final=False)).data.delegate.email == "ana@example.org"  # type: ignore[attr-defined]
    # another process learns the key from the topic's record and opens the same value
    reader = Keyring("secret", "badges")
    KeyFollower("unused:9092", reader).apply(rows[0].key, rows[0].value)
    assert decode(event_value, reader.opener(final=False)).data.delegate.badge_name == "Ana Müller"  # type: ignore[attr-defined]


async def test_after_erasure_the_event_still_decodes_with_its_personal_fields_erased(
    sm: async_sessionmaker[AsyncSession],
) -> None:
    keyring = Keyring("secret", "registration")
    outbox = Outbox("/congress/registration", keyring)
    async with transaction(sm, outbox) as uow:
        uow.stage(confirmed("d-1", "Ana"))
        uow.stage(confirmed("d-2", "Bo"))
    reader = Keyring("secret", "console")
    follower = KeyFollower("unused:9092", reader)
    async with sm() as session:
        rows = (await session.execute(select(outbox_table).order_by(outbox_table.c.id))).all()
    for row in rows:
        if row.topic == topics.KEYS:
            follower.apply(row.key, row.value)
    async with transaction(sm, outbox) as uow:
        erased_keys = await uow.shred(["d-1"])
    async with sm() as session:
        left = (await session.execute(select(person_keys_table.c.subject, person_keys_table.c.wrapped_key))).all()
        tombstones = (
            await session.execute(
                select(outbox_table).where(outbox_table.c.topic == topics.KEYS, outbox_table.c.value.is_(None))
            )
        ).all()
    assert sorted((subject, bool(key)) for subject, key in left) == [("d-1", False), ("d-2", True)]  # d-1: a mark
    assert [t.key.decode() for t in tombstones] == erased_keys
    for tombstone in tombstones:
        follower.apply(tombstone.key, None)
    ana, bo = (decode(r.value, reader.opener(final=False)).data for r in rows if r.topic == topics.REGISTRATION)
    assert ana.delegate.given_name == ERASED and ana.delegate.email == ERASED  # type: ignore[attr-defined]
    assert ana.delegate.country == "PT" and ana.registration_id == "r-d-1"  # type: ignore[attr-defined]
    assert bo.delegate.given_name == "Bo"  # type: ignore[attr-defined]
    # what is written about her afterwards carries nothing of her (no new key is minted), also after a restart
    restarted = Keyring("secret", "registration")
    async with sm() as session:
        await restarted.load(session)
    async with transaction(sm, Outbox("/congress/registration", restarted)) as uow:
        late = uow.stage(confirmed("d-1", "Ana"))
    async with sm() as session:
        value = (await session.execute(select(outbox_table.c.value).where(outbox_table.c.event_id == late.id))).scalar()
    assert b"Ana" not in value and decode(value).data.delegate.email == ERASED  # type: ignore[attr-defined]


def test_a_key_not_yet_seen_is_pending_until_the_reader_has_read_everything() -> None:
    writer = Keyring("secret", "registration")

    value = encode(new_event(confirmed(), "/t"), writer.sealer(Session()))
    reader = Keyring("secret", "badges")
    with pytest.raises(KeyPending):
        decode(value, reader.opener(final=False))
    assert decode(value, reader.opener(final=True)).data.delegate.email == ERASED  # type: ignore[attr-defined]
    assert decode(value).data.delegate.email.startswith("k1.registration-")  # type: ignore[attr-defined]


def test_values_written_before_encryption_read_as_they_are() -> None:
    plain = encode(new_event(confirmed(), "/t"))
    assert decode(plain, Keyring("secret", "badges").opener(final=True)).data.delegate.email == "ana@example.org"  # type: ignore[attr-defined]


def test_a_key_record_wrapped_with_another_secret_is_not_learnt() -> None:
    issued = Keyring("other", "registration")
    wrapped = issued.wrap("registration-" + "0" * 32, "d-1", b"k" * 32)
    import base64

    record = PersonKeyIssued(
        key_id="registration-" + "0" * 32,
        subject="d-1",
        owner="registration",
        wrapped_key=base64.urlsafe_b64encode(wrapped).decode(),
    )
    assert Keyring("secret", "badges").learn(record) is False


async def test_the_consumers_fast_staging_seals_personal_fields_too(sm: async_sessionmaker[AsyncSession]) -> None:
    """``Outbox.stage`` (what the consumer's handlers emit through) seals as ``add`` does; ``decode`` with an
    opener opens what its one-pass fast path would have left as tokens."""
    keyring = Keyring("secret", "registration")
    outbox = Outbox("/congress/registration", keyring)
    async with sm() as session, session.begin():
        outbox.stage(session, confirmed())
        await write_staged(session)
    async with sm() as session:
        rows = (await session.execute(select(outbox_table).order_by(outbox_table.c.id))).all()
    assert [r.topic for r in rows] == [topics.KEYS, topics.REGISTRATION]
    assert b"ana@example.org" not in rows[1].value and b"Porto" not in rows[1].value
    assert decode(rows[1].value).data.delegate.email.startswith("k1.registration-")  # type: ignore[attr-defined]
    opened = decode(rows[1].value, keyring.opener(final=False)).data
    assert opened.delegate.email == "ana@example.org"  # type: ignore[attr-defined]


def test_the_fast_encoder_seals_and_the_fast_decoder_opens(monkeypatch: pytest.MonkeyPatch) -> None:
    """Both shortcuts of the codec carry personal fields sealed: ``encode_new`` (what ``Outbox.stage`` uses)
    seals as ``encode`` does, and ``decode``'s one-pass fast path (the slow path made to fail here) opens them."""
    keyring = Keyring("secret", "registration")
    with Session() as session:
        seal = keyring.sealer(session)
        _, fast = encode_new(confirmed(), "/congress/registration", seal=seal)
        slow = encode(new_event(confirmed(), "/congress/registration"), seal)
    for value in (fast, slow):
        assert b"ana@example.org" not in value and b"Porto" not in value and b"Ana" not in value

    def no_slow_path(raw: bytes | None) -> None:
        raise AssertionError("decode left its fast path")

    monkeypatch.setattr(base, "_decode_slowly", no_slow_path)
    for value in (fast, slow):
        assert decode(value).data.delegate.email.startswith("k1.registration-")  # type: ignore[attr-defined]
        opened = decode(value, keyring.opener(final=False)).data.delegate  # type: ignore[attr-defined]
        assert (opened.email, opened.given_name, opened.affiliation) == (
            "ana@example.org",
            "Ana",
            "Universidade do Porto",
        )


async def test_a_dead_letter_of_an_opened_event_is_sealed_and_other_raw_values_go_as_they_came(
    sm: async_sessionmaker[AsyncSession],
) -> None:
    """``add_raw`` (dead letters: notify gives up on a cause it opened and encodes it again) seals personal
    fields left in clear; a value already sealed, or not an event at all, is kept byte for byte."""
    keyring = Keyring("secret", "notify")
    outbox = Outbox("/congress/notify", keyring)
    clear = encode(new_event(confirmed(), "/congress/registration"))
    async with sm() as session, session.begin():
        _, sealed = encode_new(confirmed("d-2", "Bia"), "/congress/registration", seal=keyring.sealer(session))
        for value in (clear, sealed, b"not json"):
            outbox.add_raw(session, topic=topics.DEADLETTER, key=b"d-1", value=value, headers=[])
        await write_staged(session)
    async with sm() as session:
        values = (
            (
                await session.execute(
                    select(outbox_table.c.value)
                    .where(outbox_table.c.topic == topics.DEADLETTER)
                    .order_by(outbox_table.c.id)
                )
            )
            .scalars()
            .all()
        )
    assert b"ana@example.org" not in values[0] and b"Porto" not in values[0]
    assert decode(values[0], keyring.opener(final=False)).data.delegate.email == "ana@example.org"  # type: ignore[attr-defined]
    assert values[1:] == [sealed, b"not json"]


async def test_a_value_typed_as_another_persons_token_is_sealed_as_text_for_its_own_person(
    sm: async_sessionmaker[AsyncSession],
) -> None:
    """A name typed as Ana's token (read from a topic) is not passed on as her token: Bia's event carries a
    fresh token under Bia's key, and a consumer opening it reads the typed text, not Ana's name."""
    keyring = Keyring("secret", "registration")
    async with sm() as session, session.begin():
        _, anas = encode_new(confirmed("d-1", "Ana"), "/congress/registration", seal=keyring.sealer(session))
        anas_token = json.loads(anas)["data"]["delegate"]["given_name"]
        forged = confirmed("d-2", "Bia")
        forged = forged.model_copy(update={"delegate": forged.delegate.model_copy(update={"given_name": anas_token})})
        _, bias = encode_new(forged, "/congress/registration", seal=keyring.sealer(session))
    carried = json.loads(bias)["data"]["delegate"]["given_name"]
    assert carried != anas_token and carried.split(".")[1] != anas_token.split(".")[1]  # Bia's key, not Ana's
    opened = decode(bias, keyring.opener(final=False)).data.delegate  # type: ignore[attr-defined]
    assert opened.given_name == anas_token and opened.badge_name == "Bia Müller"


async def test_a_dead_letter_keeps_the_tokens_it_was_received_with_and_seals_what_is_clear(
    sm: async_sessionmaker[AsyncSession],
) -> None:
    """A received event re-encoded (a dead letter of a value partly opened): its tokens pass on as they came,
    marked received (``schemas.personal.Sealed``), not by their look; its clear values are sealed."""
    keyring = Keyring("secret", "notify")
    outbox = Outbox("/congress/notify", keyring)
    async with sm() as session, session.begin():
        _, sealed = encode_new(confirmed("d-1", "Ana"), "/congress/registration", seal=keyring.sealer(session))
        doc = json.loads(sealed)
        token = doc["data"]["delegate"]["given_name"]
        doc["data"]["delegate"]["affiliation"] = "Universidade do Minho"  # opened, then encoded again in clear
        outbox.add_raw(session, topic=topics.DEADLETTER, key=b"d-1", value=json.dumps(doc).encode(), headers=[])
        await write_staged(session)
    async with sm() as session:
        query = select(outbox_table.c.value).where(outbox_table.c.topic == topics.DEADLETTER)
        value = (await session.execute(query)).scalar_one()
    assert b"Minho" not in value and json.loads(value)["data"]["delegate"]["given_name"] == token
    opened = decode(value, keyring.opener(final=False)).data.delegate  # type: ignore[attr-defined]
    assert (opened.given_name, opened.affiliation) == ("Ana", "Universidade do Minho")
