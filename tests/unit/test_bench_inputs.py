"""``bench.kernel``'s inputs: the personal kind arrives sealed, as a real producer sends it, with its keys' records
to publish first, so the benchmark measures opening tokens at the consumer's edge.

Run in a child process: making its plain events registers its bench-only event (``bench_event``), which the
contract tests in this process must not see."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

CHILD = """
import json
from bench.kernel import sample_events, sample_inputs
from schemas.base import decode
from schemas.keys import PersonKeyIssued
from services.common.keyring import Keyring
from services.common.settings import ServiceSettings

personal, plain = sample_inputs(3, "personal"), sample_inputs(2, "plain")
reader = Keyring(ServiceSettings().secret.get_secret_value(), "bench")  # the secret the kernel runs with
issued = [decode(value).data for _, value in personal.keys]
learnt = [isinstance(i, PersonKeyIssued) and i.key_id.encode() == k and reader.learn(i)
          for i, (k, _) in zip(issued, personal.keys)]
opener = reader.opener(final=False)  # a key it had not learnt would raise KeyPending
people = [decode(value, opener).data.delegate for value in personal.values]
print(json.dumps({
    "clear_on_the_wire": [b"Ana" in v or b"example.org" in v for v in personal.values],
    "learnt": learnt,
    "opened": [[p.given_name, p.email] for p in people],
    "plain_keys": len(plain.keys),
    "plain_same": [decode(v).data == decode(w).data for v, w in zip(plain.values, sample_events(2, "plain"))],
}))
"""


def test_the_personal_inputs_are_sealed_and_open_with_the_keys_published_before_them() -> None:
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", CHILD], cwd=root, capture_output=True, text=True, check=True)
    found = json.loads(done.stdout.strip().splitlines()[-1])

    assert found["clear_on_the_wire"] == [False, False, False]
    assert found["learnt"] == [True, True, True]
    assert found["opened"] == [["Ana", f"ana{i}@example.org"] for i in range(3)]
    assert found["plain_keys"] == 0 and found["plain_same"] == [True, True]
