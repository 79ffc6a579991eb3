"""The whole machine's CPU during ``bench/pipeline.py``, by process group, from /proc.

A *group* is named by the processes at its roots (badges' copies, notify's copies, the Kafka brokers, the
PostgreSQL postmaster, the SMTP sink, the bench itself): its CPU is that of every process in those roots' trees,
except the trees rooted at another group's root (the bench starts the services and the sink, but their CPU is
theirs, not the bench's). A process's figure is its user + system CPU plus that of its children already reaped
(``cutime``/``cstime``), so a render worker that exits keeps counting. Beside the groups: the machine as a whole
(``/proc/stat``) and what it spent outside every group (other jobs sharing the machine, the kernel's own work).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

MACHINE = "whole machine"
"""The busy CPU of every core (``/proc/stat``), beside the groups."""
OUTSIDE = "outside this run"
"""The machine's busy CPU that no group spent: the other jobs on a shared machine, and the kernel's own work."""


@dataclass(frozen=True)
class Snapshot:
    """Every process's CPU so far and its parent, and the machine's busy CPU, at one moment (seconds)."""

    cpu: Mapping[int, float]
    parent: Mapping[int, int]
    machine: float
    at: float = 0.0
    """When it was taken (``time.perf_counter``)."""
    children: dict[int, list[int]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        children: dict[int, list[int]] = {}
        for pid, parent in self.parent.items():
            children.setdefault(parent, []).append(pid)
        object.__setattr__(self, "children", children)

    def tree(self, pid: int, stop: frozenset[int] = frozenset()) -> float:
        """The CPU of ``pid`` and every process below it, not descending into the processes in ``stop``."""
        total, todo = 0.0, [pid]
        while todo:
            current = todo.pop()
            total += self.cpu.get(current, 0.0)
            todo.extend(child for child in self.children.get(current, ()) if child not in stop)
        return total

    def below(self, pids: Iterable[int]) -> float:
        """The CPU of the processes below ``pids`` (not theirs): a render pool's workers."""
        return sum(self.tree(child) for pid in pids for child in self.children.get(pid, ()))

    def by_group(self, roots: Mapping[str, Iterable[int]]) -> dict[str, float]:
        """Each group's CPU (see the module docstring), then the whole machine's and what no group spent."""
        groups = {name: list(pids) for name, pids in roots.items()}
        every = frozenset(pid for pids in groups.values() for pid in pids)
        out = {name: sum(self.tree(pid, every - {pid}) for pid in pids) for name, pids in groups.items()}
        out[MACHINE] = self.machine
        out[OUTSIDE] = self.machine - sum(out[name] for name in groups)
        return out


def snapshot(proc: Path = Path("/proc")) -> Snapshot:
    """Read every process's ``stat`` and the machine's ``stat`` now."""
    tick = os.sysconf("SC_CLK_TCK")
    cpu: dict[int, float] = {}
    parent: dict[int, int] = {}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
        except OSError:  # gone meanwhile
            continue
        pid = int(entry.name)
        parent[pid] = int(fields[1])
        cpu[pid] = sum(int(f) for f in fields[11:15]) / tick  # utime stime cutime cstime
    return Snapshot(cpu, parent, machine_busy(proc) / tick, time.perf_counter())


def machine_busy(proc: Path = Path("/proc")) -> int:
    """Clock ticks every core spent busy (user, nice, system, irq, softirq, steal) since boot."""
    fields = [int(f) for f in (proc / "stat").read_text().splitlines()[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return user + nice + system + irq + softirq + steal


def spent(before: Mapping[str, float], after: Mapping[str, float]) -> dict[str, float]:
    """What each group (and the machine) spent between two ``by_group`` readings; never below 0 (a group whose
    process died and was restarted counts from its new process)."""
    return {name: max(0.0, after[name] - before.get(name, 0.0)) for name in after}


THIS_RUN = "all of this run"
"""The sum of the groups: what the run itself spent."""


def per_item(
    before: Snapshot, after: Snapshot, roots: Mapping[str, list[int]], items: int, *, apart: tuple[str, str]
) -> dict[str, float]:
    """Milliseconds of CPU per item between two snapshots: each group's, the run's, the machine's and the rest;
    ``apart = (label, group)`` also gives the CPU of that group's child processes (a render pool) under ``label``."""
    used = spent(before.by_group(roots), after.by_group(roots))
    used[THIS_RUN] = sum(used[name] for name in roots)
    label, group = apart
    used[label] = max(0.0, after.below(roots[group]) - before.below(roots[group]))
    order = [*roots, label, THIS_RUN, OUTSIDE, MACHINE]
    return {name: round(used[name] / items * 1000, 2) for name in order}


def print_per_item(ms: Mapping[str, float], items: int, seconds: float, what: str) -> None:
    """A table of ``per_item``'s figures: per item, share of the machine's, and cores busy on average."""
    machine = ms[MACHINE] or 1.0
    print(f"    CPU per {what} ({items} over {seconds:.1f} s; cores busy on average, share of the machine's busy CPU):")
    print(f"    {'process group':<34}{'ms/' + what:>14}{'cores':>8}{'share':>8}")
    for name, value in ms.items():
        cores = value * items / 1000 / seconds if seconds > 0 else 0.0
        print(f"    {name:<34}{value:>14.2f}{cores:>8.2f}{value / machine:>8.0%}")


def threads(pids: Iterable[int], proc: Path = Path("/proc")) -> dict[str, float]:
    """The CPU (seconds, user + system) of these processes' threads, summed by thread name with its digits as
    ``#`` (``data-plane-kafka-request-handler-#``, ``C2 CompilerThre#``): what a JVM spends it on."""
    tick = os.sysconf("SC_CLK_TCK")
    out: dict[str, float] = {}
    for pid in pids:
        try:
            tasks = list((proc / str(pid) / "task").iterdir())
        except OSError:
            continue
        for task in tasks:
            try:
                name, _, rest = (task / "stat").read_text().partition(" (")[2].rpartition(")")
            except OSError:
                continue
            fields = rest.split()
            kind = re.sub(r"\d+", "#", name)
            out[kind] = out.get(kind, 0.0) + (int(fields[11]) + int(fields[12])) / tick
    return out


def by_thread(before: Mapping[str, float], after: Mapping[str, float], items: int) -> dict[str, float]:
    """``threads`` readings → ms per item by thread name, largest first (threads under 0.01 ms left out)."""
    used = {name: (seconds - before.get(name, 0.0)) / items * 1000 for name, seconds in after.items()}
    return {name: round(ms, 2) for name, ms in sorted(used.items(), key=lambda kv: -kv[1]) if ms >= 0.01}
