"""``congress kafka start | status | stop``: a local Kafka of one node, or a real cluster of several, without Docker.

One node keeps its data in ``$CONGRESS_HOME/kafka-data-<port>``; a cluster
(``--brokers 3``) in ``$CONGRESS_HOME/kafka-cluster-<port>``, node ``i`` on
``port + 2(i-1)``. ``status`` and ``stop`` find whichever was started from ``--port``.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from services.devtools.kafka_cluster import ClusterView, KafkaCluster, cluster_view
from services.devtools.kafka_launcher import DEFAULT_PORT, KafkaLauncher
from services.devtools.processes import LauncherError, run_blocking

app = typer.Typer(help="A local Apache Kafka (KRaft), one node or a cluster, for machines without Docker.")
console = Console(stderr=True, soft_wrap=True)

PortOption = typer.Option(DEFAULT_PORT, "--port", help="Client port of the (first) node on 127.0.0.1.")
DataDirOption = typer.Option(None, "--data-dir", help="Where the broker (or the cluster's nodes) keep their data.")


def _fail(message: str) -> typer.Exit:
    console.print(f"[bold red]error:[/] {message}")
    return typer.Exit(1)


def start_kafka(port: int, brokers: int, data_dir: Path | None = None) -> KafkaLauncher | KafkaCluster:
    """Start one broker or a cluster of ``brokers`` nodes and return it, running (raises LauncherError)."""
    if brokers > 1:
        cluster = KafkaCluster(data_dir, port=port, brokers=brokers)
        cluster.start(timeout=180)
        return cluster
    if KafkaCluster.existing(port, data_dir) is not None:
        raise LauncherError(f"a cluster was started from port {port}; use --brokers as it was, or another --port")
    launcher = KafkaLauncher(data_dir, port=port)
    launcher.start(timeout=120)
    return launcher


@app.command("start")
def start(
    port: int = PortOption,
    data_dir: Path | None = DataDirOption,
    brokers: int = typer.Option(
        1, "--brokers", min=1, help="Nodes, each a broker and a controller voter; 3 makes a real cluster."
    ),
) -> None:
    """Start the broker(s) (or find them running) and print the bootstrap list once every node serves."""
    what = f"{brokers} Kafka nodes from 127.0.0.1:{port}" if brokers > 1 else f"Kafka on 127.0.0.1:{port}"
    try:
        with console.status(f"starting {what} (first run downloads the jars with Maven)…"):
            kafka = start_kafka(port, brokers, data_dir)
    except LauncherError as exc:
        raise _fail(f"{exc}\n(`congress kafka stop --port {port}` stops whatever did start)") from None
    where = kafka.run_dir if isinstance(kafka, KafkaCluster) else kafka.data_dir
    console.print(f"[green]Kafka is accepting clients[/] (data in {where})")
    typer.echo(kafka.bootstrap)


@app.command("stop")
def stop(
    port: int = PortOption,
    data_dir: Path | None = DataDirOption,
    node: int | None = typer.Option(None, "--node", help="Stop only this node of a cluster (1, 2, 3…)."),
) -> None:
    """Stop the broker, every node of the cluster, or one node of it (SIGTERM: a clean shutdown)."""
    cluster = KafkaCluster.existing(port, data_dir)
    if cluster is None:
        if node is not None:
            raise _fail(f"no cluster was started from port {port}; --node is for clusters")
        stopped = KafkaLauncher(data_dir, port=port).stop()
        console.print("Kafka stopped" if stopped else "no broker of ours was running")
        return
    try:
        stopped_nodes = cluster.stop(node)
    except LauncherError as exc:
        raise _fail(str(exc)) from None
    console.print(f"stopped node(s) {stopped_nodes}" if stopped_nodes else "no node of ours was running")


@app.command("status")
def status(port: int = PortOption, data_dir: Path | None = DataDirOption) -> None:
    """Each node (pid, ports, serving), the active controller, leaders per node, under-replicated partitions.

    Exits 1 when no node serves.
    """
    cluster = KafkaCluster.existing(port, data_dir)
    if cluster is None:
        single = KafkaLauncher(data_dir, port=port).status()
        serving = [single.bootstrap] if single.running else []
        typer.echo(f"node 1  {single.bootstrap}  {'serving' if single.running else 'stopped'}  pid={single.pid}")
        controller: int | None = 1 if single.running else None
    else:
        serving = []
        for node in cluster.node_status():
            state = "serving" if node.serving else "stopped"
            where = f"127.0.0.1:{node.port} (controller {node.controller_port})"
            typer.echo(f"node {node.node_id}  {where}  {state}  pid={node.pid}")
            if node.serving:
                serving.append(f"127.0.0.1:{node.port}")
        controller = cluster.active_controller()
    if not serving:
        typer.echo("no node serves")
        raise typer.Exit(1)
    try:
        view = run_blocking(lambda: cluster_view(",".join(serving)))
    except Exception as exc:  # noqa: BLE001 -- status reports what it can
        typer.echo(f"could not read the cluster's metadata: {exc!r}")
        raise typer.Exit(1) from None
    _print_view(view, controller)


def _print_view(view: ClusterView, controller: int | None) -> None:
    typer.echo(f"brokers registered: {view.brokers}")
    typer.echo(f"active controller: node {controller}" if controller is not None else "active controller: unknown")
    leaders = ", ".join(f"node {b}: {view.leaders.get(b, 0)}" for b in view.brokers)
    typer.echo(f"partition leaders: {leaders}")
    typer.echo(f"under-replicated partitions: {len(view.under_replicated)}")
    for line in view.under_replicated:
        typer.echo(f"  {line}")
    if view.offline:
        typer.echo(f"offline partitions (no leader): {len(view.offline)}")
        for name in view.offline:
            typer.echo(f"  {name}")
