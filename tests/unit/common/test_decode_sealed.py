"""Decoding values with personal fields sealed: parsed once, tokens opened in the parsed document, validated
once (schemas/base.py ``decode``); a consumer's batch opens with one opener (``key_follower.decode_batch``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy.orm import Session

from schemas.base import InvalidEvent, decode, encode_new, envelope
from schemas.personal import ERASED, Open
from schemas.registration import RegistrationConfirmed
from services.common.key_follower import decode_batch
from services.common.keyring import Keyring
from tests.unit.common.test_keyring import confirmed


def sealed(*names: str) -> tuple[Keyring, list[bytes]]:
    """A keyring that minted the keys, and one sealed RegistrationConfirmed per name."""
    keyring = Keyring("secret", "registration")
    with Session() as session:
        seal = keyring.sealer(session)
        values = [encode_new(confirmed(f"d-{i}", n), "/t", seal=seal)[1] for i, n in enumerate(names)]
    return keyring, values


def test_a_sealed_value_is_validated_once_with_its_fields_opened(monkeypatch: pytest.MonkeyPatch) -> None:
    keyring, [value] = sealed("Ana")
    calls: list[str] = []
    model = envelope(RegistrationConfirmed)
    validations = ((model, "model_validate"), (model, "model_validate_json"), (RegistrationConfirmed, "model_validate"))
    for cls, name in validations:
        original = getattr(cls, name)

        def counted(*args: Any, _original: Any = original, _name: str = name, **kwargs: Any) -> Any:
            calls.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(cls, name, counted)

    person = decode(value, keyring.opener(final=True)).data.delegate  # type: ignore[attr-defined]

    assert (person.given_name, person.email, person.affiliation) == ("Ana", "ana@example.org", "Universidade do Porto")
    assert len(calls) == 1  # before: the envelope validated with the tokens, then the data again once opened


def test_a_sealed_value_that_does_not_match_its_schema_is_invalid_with_its_reason() -> None:
    keyring, [value] = sealed("Ana")
    doc = json.loads(value)
    del doc["data"]["registration_id"]
    doc["data"]["delegate"]["given_name"] = 42  # not a string where a personal one is expected: left to validation

    with pytest.raises(InvalidEvent) as raised:
        decode(json.dumps(doc).encode(), keyring.opener(final=True))

    reason = str(raised.value)
    assert "does not match its schema" in reason
    assert "data.registration_id: Field required" in reason and "data.delegate.given_name" in reason


def test_a_token_outside_a_personal_field_is_not_opened() -> None:
    keyring, [value] = sealed("Ana")
    doc = json.loads(value)
    token = doc["data"]["delegate"]["email"]
    doc["data"]["registration_id"] = token  # a token where no personal field is: read as it is

    event = decode(json.dumps(doc).encode(), keyring.opener(final=True))

    assert event.data.registration_id == token  # type: ignore[attr-defined]
    assert event.data.delegate.email == "ana@example.org"  # type: ignore[attr-defined]


def test_a_sealed_value_whose_key_is_gone_reads_erased() -> None:
    _, [value] = sealed("Ana")

    person = decode(value, Keyring("secret", "notify").opener(final=True)).data.delegate  # type: ignore[attr-defined]

    assert (person.given_name, person.email) == (ERASED, ERASED)


@dataclass
class Record:
    value: bytes | None


async def test_a_batch_is_opened_with_one_opener(monkeypatch: pytest.MonkeyPatch) -> None:
    keyring, values = sealed("Ana", "Bia", "Cai")
    made: list[bool] = []
    original = keyring.opener

    def opener(*, final: bool) -> Open:
        made.append(final)
        return original(final=final)

    monkeypatch.setattr(keyring, "opener", opener)

    decoded = await decode_batch([Record(v) for v in [*values, b"not json"]], keyring, None)

    names = [event.data.delegate.given_name for _, event in decoded[:3]]  # type: ignore[union-attr]
    assert names == ["Ana", "Bia", "Cai"]
    assert isinstance(decoded[3][1], InvalidEvent) and "not JSON" in str(decoded[3][1])
    assert made == [False]
