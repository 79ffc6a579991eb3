"""``congress topics ensure | describe``: the topic policy applied by hand, and the table of what the cluster has.

Both read the same settings a service reads (``KAFKA_BOOTSTRAP_SERVERS``,
``KAFKA_TOPIC_PREFIX``, ``KAFKA_REPLICATION_FACTOR``, ``CONGRESS_CONFIG``) so they
show exactly what a service would create and complain about. Both exit 1 while a
topic differs from its policy.
"""

from __future__ import annotations

import asyncio

import typer
from aiokafka.errors import KafkaError
from rich.console import Console
from rich.table import Table

from schemas.topic_policy import KEEP_FOREVER_MS, policy_for
from services.common.congress import ConfigError
from services.common.settings import ServiceSettings
from services.common.topic_admin import (
    TopicPlan,
    TopicPolicyError,
    TopicReport,
    ensure_topics,
    fix_topics,
    plan_for,
)

app = typer.Typer(help="Congress topics and their policy (partitions, cleanup, retention, replication).")
out = Console(soft_wrap=True, width=None if Console().is_terminal else 200)  # piped: one line per topic
err = Console(stderr=True, soft_wrap=True)

_DAY_MS = 86_400_000


def _plan(bootstrap: str | None, prefix: str | None, replication_factor: int | None) -> tuple[str, TopicPlan]:
    overrides: dict[str, object] = {}
    if bootstrap is not None:
        overrides["kafka_bootstrap_servers"] = bootstrap
    if prefix is not None:
        overrides["kafka_topic_prefix"] = prefix
    if replication_factor is not None:
        overrides["kafka_replication_factor"] = replication_factor
    settings = ServiceSettings().model_copy(update=overrides)
    try:
        return settings.kafka_bootstrap_servers, plan_for(settings)
    except ConfigError as exc:
        err.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(2) from None


def retention_text(value: str | None) -> str:
    """``-1`` as "forever", whole days as "N days", anything else as Kafka says it."""
    if value is None:
        return "?"
    try:
        ms = int(value)
    except ValueError:
        return value
    if ms == KEEP_FOREVER_MS:
        return "forever"
    return f"{ms // _DAY_MS} days" if ms % _DAY_MS == 0 else f"{ms} ms"


def report_table(report: TopicReport, prefix: str) -> Table:
    """One row per congress topic: what the cluster has, and what differs from the policy."""
    table = Table(title=f"congress topics on {report.brokers} broker(s)", title_justify="left", box=None)
    for column in ("topic", "holds", "partitions", "replicas", "min.insync", "cleanup", "retention", "policy"):
        table.add_column(column, no_wrap=column != "policy")
    for required in report.required:
        state = report.found.get(required.name)
        why = policy_for(required.name.removeprefix(prefix)).why
        if state is None:
            table.add_row(required.name, why, "-", "-", "-", "-", "-", "[red]missing[/]")
            continue
        differs = report.differences.get(required.name)
        verdict = "[red]" + "; ".join(differs) + "[/]" if differs else "[green]ok[/]"
        if required.name in report.created:
            verdict += " [cyan]created[/]"
        if report.fixed.get(required.name):
            verdict += " [cyan]fixed: " + "; ".join(report.fixed[required.name]) + "[/]"
        table.add_row(
            required.name,
            why,
            str(state.partitions),
            str(state.replication_factor),
            state.configs.get("min.insync.replicas", "?"),
            state.configs.get("cleanup.policy", "?"),
            retention_text(state.configs.get("retention.ms")),
            verdict,
        )
    return table


def _show(report: TopicReport, plan: TopicPlan) -> None:
    out.print(report_table(report, plan.prefix))
    if not report.ok:
        err.print(
            f"[bold red]{len(report.differences)} topic(s) differ from their policy.[/] "
            "`congress topics ensure --fix` alters configs and adds partitions; "
            "a low replication factor needs `kafka-reassign-partitions`."
        )
        raise typer.Exit(1)


BootstrapOption = typer.Option(None, "--bootstrap", help="Default: KAFKA_BOOTSTRAP_SERVERS or 127.0.0.1:9092.")
PrefixOption = typer.Option(None, "--prefix", help="Default: KAFKA_TOPIC_PREFIX.")
RfOption = typer.Option(
    None, "--replication-factor", min=1, help="Default: KAFKA_REPLICATION_FACTOR or min(3, brokers)."
)


@app.command("describe")
def describe(
    bootstrap: str | None = BootstrapOption,
    prefix: str | None = PrefixOption,
    replication_factor: int | None = RfOption,
) -> None:
    """Print every congress topic as the cluster has it, against its policy; create nothing."""
    servers, plan = _plan(bootstrap, prefix, replication_factor)
    try:
        report = asyncio.run(ensure_topics(servers, plan, create=False))
    except (TopicPolicyError, KafkaError) as exc:
        err.print(f"[bold red]error:[/] {exc} (is Kafka running at {servers}?)")
        raise typer.Exit(2) from None
    _show(report, plan)


@app.command("ensure")
def ensure(
    bootstrap: str | None = BootstrapOption,
    prefix: str | None = PrefixOption,
    replication_factor: int | None = RfOption,
    fix: bool = typer.Option(False, "--fix", help="Also alter configs and add partitions where a topic differs."),
) -> None:
    """Create the missing topics with their policy (as every service does on start) and print the table."""
    servers, plan = _plan(bootstrap, prefix, replication_factor)
    try:
        report = asyncio.run(fix_topics(servers, plan) if fix else ensure_topics(servers, plan))
    except (TopicPolicyError, KafkaError) as exc:
        err.print(f"[bold red]error:[/] {exc} (is Kafka running at {servers}?)")
        raise typer.Exit(2) from None
    _show(report, plan)
