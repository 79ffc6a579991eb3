"""``congress abstracts match`` on files in the OpenReview matcher's format."""

from __future__ import annotations

import csv
from pathlib import Path

from typer.testing import CliRunner

from services.cli.main import app

runner = CliRunner()


def write(path: Path, rows: list[tuple[str, str, float]]) -> Path:
    path.write_text("".join(f"{p},{r},{v}\n" for p, r, v in rows), encoding="utf-8")
    return path


def read(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def match(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["abstracts", "match", *args])
    return result.exit_code, result.output


def test_match_weighs_score_files_honours_constraints_and_writes_the_plan(tmp_path: Path) -> None:
    text = write(tmp_path / "tpms.csv", [("p1", "r1", 0.9), ("p1", "r2", 0.2), ("p2", "r1", 0.8), ("p2", "r2", 0.1)])
    bids = write(tmp_path / "bids.csv", [("p2", "r2", 1.0)])
    rules = write(tmp_path / "constraints.csv", [("p1", "r2", -1), ("p2", "r3", 1)])
    out = tmp_path / "assignments.csv"
    code, output = match(
        "--scores", str(text), "--scores", str(bids), "--weights", "1", "--weights", "2", "--constraints", str(rules),
        "--num-reviewers", "1", "--min-papers", "0", "--max-papers", "1", "--out", str(out),
    )  # fmt: skip
    assert code == 0, output
    # p2,r3 forced; p1 may not have r2, so r1 — whatever p2's weighted score with r2 (2.1) would say
    assert read(out) == [["p1", "r1", "0.9000"], ["p2", "r3", "0.0000"]]
    assert "total affinity 0.9000" in output and "worst-served paper p2" in output


def test_an_infeasible_instance_exits_non_zero_and_says_why(tmp_path: Path) -> None:
    scores = write(tmp_path / "s.csv", [("p1", "r1", 0.5), ("p2", "r1", 0.5), ("p2", "r2", 0.1)])
    rules = write(tmp_path / "c.csv", [("p1", "r2", -1)])
    out = tmp_path / "a.csv"
    code, output = match(
        "--scores", str(scores), "--constraints", str(rules), "--num-reviewers", "2", "--max-papers", "2",
        "--out", str(out),
    )  # fmt: skip
    assert code == 1 and not out.exists()
    assert "infeasible" in output and "p1: only 1 allowed reviewer(s) for the 2 still needed" in output


def test_a_bad_file_is_named_with_its_line(tmp_path: Path) -> None:
    scores = tmp_path / "s.csv"
    scores.write_text("paper,reviewer,score\np1,r1,high\n", encoding="utf-8")
    code, output = match("--scores", str(scores), "--num-reviewers", "1", "--max-papers", "1", "--out", "x.csv")
    assert code == 1 and f"{scores}:2: 'high' is not a number" in output
    rules = write(tmp_path / "c.csv", [("p1", "r1", 2)])
    good = write(tmp_path / "g.csv", [("p1", "r1", 1)])
    code, output = match(
        "--scores", str(good), "--constraints", str(rules), "--num-reviewers", "1", "--max-papers", "1", "--out", "x"
    )
    assert code == 1 and "a constraint is -1 (conflict) or 1 (forced), not 2" in output
    code, output = match("--scores", str(good), "--weights", "1", "--weights", "2", "--num-reviewers", "1",
                         "--max-papers", "1", "--out", "x")  # fmt: skip
    assert code == 1 and "2 weight(s) for 1 score file(s)" in output
