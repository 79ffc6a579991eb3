"""``bench.kernel``'s inputs: the personal kind arrives sealed, as a real producer sends it, with its keys' records
to publish first, so the benchmark measures opening tokens at the consumer's edge."""

from __future__ import annotations

from bench.kernel import sample_events, sample_inputs
from schemas.base import decode
from schemas.keys import PersonKeyIssued
from services.common.keyring import Keyring
from services.common.settings import ServiceSettings


def test_the_personal_inputs_are_sealed_and_open_with_the_keys_published_before_them() -> None:
    inputs = sample_inputs(3, "personal")

    assert all(b"Ana" not in value and b"example.org" not in value for value in inputs.values)
    reader = Keyring(ServiceSettings().secret.get_secret_value(), "bench")  # the secret the kernel runs with
    for key, value in inputs.keys:
        issued = decode(value).data
        assert isinstance(issued, PersonKeyIssued) and issued.key_id.encode() == key
        assert reader.learn(issued)
    opener = reader.opener(final=False)  # a key it had not learnt would raise KeyPending
    people = [decode(value, opener).data.delegate for value in inputs.values]  # type: ignore[attr-defined]
    assert [(p.given_name, p.email) for p in people] == [("Ana", f"ana{i}@example.org") for i in range(3)]


def test_the_plain_inputs_have_nothing_to_seal() -> None:
    inputs = sample_inputs(2, "plain")

    assert inputs.keys == []
    assert [decode(v).data for v in inputs.values] == [decode(v).data for v in sample_events(2, "plain")]
