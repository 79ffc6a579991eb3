"""``bench._cpu``: the whole machine's CPU by process group, each process counted once, in the group whose root
it lies under nearest (the bench starts the services, but their CPU is theirs)."""

from __future__ import annotations

import os
import subprocess
import sys

from bench._cpu import MACHINE, OUTSIDE, THIS_RUN, Snapshot, per_item, snapshot, threads

# bench (1) ─┬─ badges (2) ── render worker (3)
#            ├─ sink (4)
#            └─ helper (5)          other job (6), under init
PARENT = {1: 0, 2: 1, 3: 2, 4: 1, 5: 1, 6: 0}
ROOTS = {"bench": [1], "badges": [2], "sink": [4]}


def at(cpu: dict[int, float], machine: float) -> Snapshot:
    return Snapshot(cpu, PARENT, machine)


def test_each_process_counts_once_in_the_group_of_its_nearest_root() -> None:
    groups = at({1: 1.0, 2: 2.0, 3: 4.0, 4: 0.5, 5: 0.25, 6: 8.0}, machine=20.0).by_group(ROOTS)

    assert groups["badges"] == 6.0  # with its render worker
    assert groups["sink"] == 0.5
    assert groups["bench"] == 1.25  # itself and the helper it started, not the services below it
    assert groups[MACHINE] == 20.0
    assert groups[OUTSIDE] == 20.0 - 7.75


def test_per_item_gives_milliseconds_per_item_and_the_children_of_a_group_apart() -> None:
    before = at({1: 1.0, 2: 2.0, 3: 4.0, 4: 0.5, 5: 0.0, 6: 0.0}, machine=10.0)
    after = at({1: 1.5, 2: 3.0, 3: 8.0, 4: 1.0, 5: 0.0, 6: 2.0}, machine=20.0)

    ms = per_item(before, after, ROOTS, 1000, apart=("render", "badges"))

    assert ms == {
        "bench": 0.5,
        "badges": 5.0,
        "sink": 0.5,
        "render": 4.0,
        THIS_RUN: 6.0,
        OUTSIDE: 4.0,
        MACHINE: 10.0,
    }


def test_a_busy_child_is_read_from_proc_in_its_own_group() -> None:
    spin = "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass\nprint(1, flush=True)\n"
    child = subprocess.Popen(
        [sys.executable, "-c", spin + "import sys; sys.stdin.read()"], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    try:
        assert child.stdout is not None
        child.stdout.readline()  # it has spun
        roots = {"bench": [os.getpid()], "child": [child.pid]}
        groups = snapshot().by_group(roots)
        named = threads([child.pid])
    finally:
        child.kill()
        child.wait()
    assert groups["child"] >= 0.25
    assert groups[MACHINE] >= groups["child"] + groups["bench"]
    assert sum(named.values()) >= 0.25  # its main thread, by name


def test_a_missing_process_counts_nothing() -> None:
    assert threads([2**22 + 12345]) == {}
