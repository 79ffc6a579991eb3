"""`congress demo --fresh` deletes the previous local run's state and keeps the generated secrets."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer

from services.cli import main
from services.devtools.processes import free_port


def test_fresh_removes_state_but_keeps_secrets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONGRESS_HOME", str(tmp_path))
    (tmp_path / "db").mkdir()
    (tmp_path / "db" / "registration.sqlite3").write_bytes(b"old")
    (tmp_path / "kafka-data").mkdir()
    (tmp_path / "secrets.env").write_text("CONGRESS_SECRET=s\n")
    main.wipe_local_state(free_port())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["secrets.env"]


def test_fresh_refuses_while_kafka_still_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    monkeypatch.setenv("CONGRESS_HOME", str(tmp_path))
    (tmp_path / "db").mkdir()
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        with pytest.raises(typer.Exit):
            main.wipe_local_state(listener.getsockname()[1])
    assert (tmp_path / "db").exists()
