"""The supervisor's restart rule: a copy that exits comes back after a doubling backoff, and is given up
on only after repeated rapid crashes; --replicas refuses SQLite with a message that says what to do."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from services.cli import main
from services.cli.replicas import ReplicasRefused, check_databases, urls_of
from services.cli.supervisor import Child, RestartPolicy, Supervisor, how_it_ended


class Exited:
    """A process that has ended with ``returncode`` (what ``Popen`` answers after a crash)."""

    def __init__(self, returncode: int, pid: int = 4242) -> None:
        self.returncode, self.pid = returncode, pid

    def poll(self) -> int:
        return self.returncode


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def supervised(tmp_path: Path, policy: RestartPolicy) -> tuple[Supervisor, Clock, list[str], list[int]]:
    clock, said, spawned = Clock(), list[str](), list[int]()
    sup = Supervisor(env={}, say=said.append, policy=policy, clock=clock)
    log = tmp_path / "notify-2.log"
    log.write_text("Traceback: boom\n")

    def spawn(name: str, copy: int, port: int, log_path: Path) -> Any:
        spawned.append(copy)
        return Exited(-9)  # dies again at once

    sup._spawn = spawn  # type: ignore[method-assign]
    sup.children.append(Child("notify", 8104, Exited(-9), log, copy=2))  # type: ignore[arg-type]
    return sup, clock, said, spawned


def test_a_crashed_copy_is_restarted_with_a_doubling_backoff_then_given_up(tmp_path: Path) -> None:
    sup, clock, said, spawned = supervised(tmp_path, RestartPolicy(first_delay=1, cap=4, window=120, give_up_after=5))
    delays = []
    for _ in range(4):
        assert sup.watch() is None  # the crash is seen: a restart is scheduled
        due = sup.children[0].restart_at
        assert due is not None
        delays.append(due - clock.now)
        clock.now = due - 0.1
        assert sup.watch() is None and len(spawned) == len(delays) - 1  # not before its time
        clock.now = due
        assert sup.watch() is None and len(spawned) == len(delays)  # restarted
    assert delays == [1, 2, 4, 4]  # doubling, capped
    assert said[0] == (
        f"notify#2 killed by SIGKILL; restarting in 1s (crash 1 of 5 allowed within 120s; log {tmp_path}/notify-2.log)"
    )
    assert said[1] == "restarted notify#2 (pid 4242) on http://127.0.0.1:8104"
    gave_up = sup.watch()  # the fifth crash within two minutes: a crash loop
    assert gave_up is sup.children[0]
    assert said[-1].startswith("notify#2 killed by SIGKILL; it crashed 5 times within 120s: giving up.")
    assert "Traceback: boom" in said[-1]


def test_crashes_long_apart_are_forgiven(tmp_path: Path) -> None:
    sup, clock, said, spawned = supervised(tmp_path, RestartPolicy(first_delay=1, window=60, give_up_after=2))
    for _ in range(5):
        assert sup.watch() is None
        clock.now += 61  # ran a while before it crashed again
        assert sup.watch() is None
    assert len(spawned) == 5 and all("restarting in 1s (crash 1 of 2" in line for line in said[::2])


def test_how_a_copy_ended_is_said_plainly() -> None:
    assert how_it_ended(-9) == "killed by SIGKILL"
    assert how_it_ended(3) == "exit code 3"


def test_replicas_refuse_sqlite_and_start_postgres_for_the_rest() -> None:
    assert check_databases({}, 2) == ["registration", "abstracts", "badges", "notify"]
    pg = "postgresql+asyncpg://u@h/x"
    assert check_databases({"DATABASE_URL": pg, "NOTIFY_DATABASE_URL": ""}, 2) == []
    with pytest.raises(ReplicasRefused) as refused:
        check_databases({"BADGES_DATABASE_URL": "sqlite+aiosqlite:///b.sqlite3"}, 2)
    assert "needs PostgreSQL" in str(refused.value) and "The database of badges is sqlite+aiosqlite" in str(
        refused.value
    )
    assert urls_of({}, "registration", 3) == "http://127.0.0.1:8001,http://127.0.0.1:8101,http://127.0.0.1:8201"
    assert urls_of({"CONSOLE_HTTP_PORT": "9000"}, "console", 3) == "http://127.0.0.1:9000"


def test_up_with_replicas_on_sqlite_is_refused_before_anything_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONGRESS_HOME", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/all.sqlite3")
    monkeypatch.setattr(subprocess, "Popen", None)  # nothing may be started
    result = CliRunner().invoke(main.app, ["up", "--replicas", "2"])
    assert result.exit_code == 1
    assert "needs PostgreSQL" in result.output and "a SQLite file belongs to one process" in result.output


def test_copies_get_their_own_port_and_share_the_demo_mail_sink() -> None:
    sup = Supervisor(env={"NOTIFY_GROUP_INSTANCE_ID": "notify-a"})
    first, second = sup.copy_env("notify", 1, 8004), sup.copy_env("notify", 2, 8104)
    assert (first["NOTIFY_HTTP_PORT"], second["NOTIFY_HTTP_PORT"]) == ("8004", "8104")
    assert "NOTIFY_EMBEDDED_SINK" not in first and second["NOTIFY_EMBEDDED_SINK"] == "false"
    assert (first["NOTIFY_GROUP_INSTANCE_ID"], second["NOTIFY_GROUP_INSTANCE_ID"]) == ("notify-a", "notify-a-2")
    assert "NOTIFY_EMBEDDED_SINK" not in Supervisor(env={"NOTIFY_SMTP_HOST": "smtp.example.org"}).copy_env(
        "notify", 2, 8104
    )
