"""``congress abstracts …``: the reviewer-matching engine on files, to compare it with other tools."""

from __future__ import annotations

import time
from pathlib import Path

import typer

from services.abstracts.adapters import openreview
from services.abstracts.domain.matching import flow
from services.abstracts.domain.matching.model import Infeasible

app = typer.Typer(help="Abstracts: the reviewer matcher on OpenReview-format files.", no_args_is_help=True)


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(1)


@app.command("match")
def match(
    scores: list[Path] = typer.Option(..., "--scores", help="Score files of paper,reviewer,score rows (repeat)."),
    weights: list[float] | None = typer.Option(None, "--weights", help="One weight per score file (default 1)."),
    constraints: Path | None = typer.Option(None, "--constraints", help="paper,reviewer,-1|1 rows."),
    num_reviewers: int = typer.Option(..., "--num-reviewers", min=1, help="Reviewers per paper (exactly)."),
    min_papers: int = typer.Option(0, "--min-papers", min=0, help="Fewest papers per reviewer."),
    max_papers: int = typer.Option(..., "--max-papers", min=1, help="Most papers per reviewer."),
    out: Path = typer.Option(..., "--out", help="Where to write paper,reviewer,score rows."),
) -> None:
    """Assign exactly k reviewers per paper within the loads, never a conflict, best floor then total."""
    if min_papers > max_papers:
        raise _fail(f"--min-papers ({min_papers}) is above --max-papers ({max_papers})")
    try:
        table = openreview.read_scores(scores, weights)
        conflicts, forced = openreview.read_constraints(constraints) if constraints else (set(), set())
    except openreview.BadFile as exc:
        raise _fail(str(exc)) from None
    inst = openreview.instance(table, conflicts, forced, openreview.Loads(num_reviewers, min_papers, max_papers))
    if not inst.papers:
        raise _fail("the score files name no paper")
    started = time.perf_counter()
    try:
        plan = flow.solve(inst)
    except Infeasible as exc:
        lines = "\n  ".join(exc.reasons)
        raise _fail(f"infeasible: no assignment meets every constraint:\n  {lines}") from None
    seconds = time.perf_counter() - started
    rows = openreview.write_assignments(out, inst, plan.pairs)
    worst = plan.worst or ("-", 0.0)
    typer.echo(f"assigned {rows} pairs to {len(inst.papers)} papers from {len(inst.reviewers)} reviewers -> {out}")
    typer.echo(f"total affinity {plan.total:.4f}; worst-served paper {worst[0]} (mean {worst[1]:.4f})")
    typer.echo(f"floor {plan.floor if plan.floor is not None else '-'}; solved in {seconds:.3f} s")
