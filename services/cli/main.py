"""The ``congress`` command: run the local Kafka, the services, and follow the event stream."""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import secrets
import shutil
import signal
import socket
import threading
import time
from datetime import UTC, datetime, timedelta

import typer
from rich.console import Console

from services.cli import db, kafka, supervisor, tail, topics
from services.cli.replicas import ReplicasRefused, check_databases, postgres_home, provide_databases, urls_of
from services.cli.replicas import copies_of as replicas_of
from services.common.settings import ServiceSettings, congress_home
from services.demo.team import TEAM
from services.devtools.kafka_cluster import KafkaCluster
from services.devtools.kafka_launcher import DEFAULT_PORT, KafkaLauncher
from services.devtools.pg_launcher import PostgresLauncher
from services.devtools.processes import LauncherError, port_in_use

app = typer.Typer(help="Run an international congress end to end.", no_args_is_help=True)
app.add_typer(kafka.app, name="kafka", no_args_is_help=True)
app.add_typer(db.app, name="db")
app.add_typer(topics.app, name="topics", no_args_is_help=True)
REPLICAS_HELP = (
    "Copies of registration, abstracts, badges and notify, each on its own port (8001, 8101, …); "
    "needs PostgreSQL, started locally unless <SERVICE>_DATABASE_URL names one."
)
console = Console(stderr=True, soft_wrap=True)  # one line per event, however narrow the terminal
# aiokafka warns about every topic it has not seen yet while a broker warms up; the CLI's own messages say more.
logging.getLogger("aiokafka").setLevel(logging.ERROR)

for _name in ("abstracts", "badges", "notify"):  # services that bring sub-commands of their own
    with contextlib.suppress(ModuleNotFoundError):
        app.add_typer(importlib.import_module(f"services.{_name}.cli").app, name=_name)


def _fail(message: str) -> typer.Exit:
    console.print(f"[bold red]error:[/] {message}")
    return typer.Exit(1)


@app.command("roles-doc")
def roles_doc_command() -> None:
    """Print docs/roles.md: the organiser roles and every service's route-access table."""
    from services.cli.roles_doc import render  # imports every service's web tables: only when asked

    print(render())


@app.command("tail")
def tail_command(
    type_: str | None = typer.Option(None, "--type", help="Only events whose type contains this, e.g. Confirmed."),
    subject: str | None = typer.Option(None, help="Only events about this delegate or abstract id."),
    new_only: bool = typer.Option(False, "--new", help="Only events from now on (default: from the beginning)."),
    limit: int | None = typer.Option(None, help="Stop after this many lines."),
) -> None:
    """Follow every topic: one line per event (time, type, subject, key fields)."""
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", f"127.0.0.1:{DEFAULT_PORT}")
    with contextlib.suppress(KeyboardInterrupt):
        tail.run(
            bootstrap,
            prefix=os.environ.get("KAFKA_TOPIC_PREFIX", ""),
            type_filter=type_,
            subject_filter=subject,
            from_beginning=not new_only,
            limit=limit,
            secret=os.environ.get("CONGRESS_SECRET") or ServiceSettings().secret.get_secret_value(),
        )


def demo_secrets() -> dict[str, str]:
    """Secrets for a local run, generated once into $CONGRESS_HOME/secrets.env (never committed)."""
    path = congress_home() / "secrets.env"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            f"CONGRESS_SECRET={secrets.token_urlsafe(32)}\nCONGRESS_ORGANISER_PASSWORD={secrets.token_urlsafe(9)}\n"
        )
        path.chmod(0o600)
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return dict(pairs)


def _start_kafka(env: dict[str, str], port: int, brokers: int = 1) -> KafkaLauncher | KafkaCluster | None:
    if env.get("KAFKA_BOOTSTRAP_SERVERS"):
        return None
    nodes = f"{brokers} Kafka nodes" if brokers > 1 else "Kafka"
    with console.status(f"starting {nodes} on 127.0.0.1:{port}…"):
        started = kafka.start_kafka(port, brokers)
    env["KAFKA_BOOTSTRAP_SERVERS"] = started.bootstrap
    console.print(f"[green]✓[/] Kafka {env['KAFKA_BOOTSTRAP_SERVERS']}")
    return started


def _start_stripe_mock(env: dict[str, str]) -> object | None:
    """Stripe's own stripe-mock on 12111 for the demo, unless a real Stripe (or another mock) is configured."""
    if env.get("REGISTRATION_STRIPE_API_BASE") or env.get("REGISTRATION_STRIPE_API_KEY", "").startswith("sk_live"):
        return None
    from services.devtools.stripe_mock import StripeMock

    port = int(env.get("STRIPE_MOCK_PORT", "12111"))
    env["REGISTRATION_STRIPE_API_BASE"] = f"http://127.0.0.1:{port}"
    if port_in_use(port):
        console.print(f"[green]✓[/] stripe-mock already answering on {port}")
        return None
    mock = StripeMock(port=port)
    with console.status("starting stripe-mock…"):
        mock.start()
    console.print(f"[green]✓[/] stripe-mock {env['REGISTRATION_STRIPE_API_BASE']} (test mode: no real money)")
    return mock


def _start_services(sup: supervisor.Supervisor, names: list[str], replicas: int) -> None:
    for name in names:
        for copy in range(1, replicas_of(name, replicas) + 1):
            port = sup.port_of(name, copy)
            label = name if copy == 1 else f"{name}#{copy}"
            if port_in_use(port):
                raise _fail(f"port {port} for {label} is in use; stop what uses it or set {name.upper()}_HTTP_PORT")
            with console.status(f"starting {label} on http://127.0.0.1:{port} …"):
                child = sup.start(name, copy)
                ready = sup.wait_ready(child)
            if not ready:
                console.print(
                    f"[bold red]{label} did not become ready[/]; last lines of {child.log_path}:\n{child.tail()}"
                )
                sup.stop_all()
                raise typer.Exit(1)
            console.print(f"[green]✓[/] {label:<15} http://127.0.0.1:{port}")


def _databases_for(env: dict[str, str], replicas: int) -> PostgresLauncher | None:
    """With --replicas N > 1: PostgreSQL for every copied service (refused on SQLite), started here if need be."""
    if replicas <= 1:
        return None
    try:
        missing = check_databases(env, replicas)
        with console.status("starting PostgreSQL for the copies…"):
            launcher = provide_databases(env, missing)
    except (ReplicasRefused, LauncherError) as exc:
        raise _fail(str(exc)) from None
    if launcher is not None:
        console.print(f"[green]✓[/] PostgreSQL 127.0.0.1:{launcher.port} (data kept in {launcher.base_dir})")
    return launcher


def wipe_local_state(kafka_port: int = DEFAULT_PORT) -> None:
    """Delete what a previous local run left (databases, Kafka's data, PDFs, mail); keep the generated secrets."""
    home = congress_home()
    if not home.exists():
        return
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", kafka_port), timeout=0.5):
        raise _fail(f"something answers on {kafka_port} (a running demo or `congress kafka start`?); stop it first")
    for entry in sorted(home.iterdir()):
        if entry.name == "secrets.env":
            continue
        console.print(f"removing {entry}")
        if entry.is_dir():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    kept = postgres_home()  # the --replicas PostgreSQL, outside $CONGRESS_HOME when run as root
    if kept.exists() and not kept.is_relative_to(home):
        console.print(f"removing {kept}")
        shutil.rmtree(kept)


def run_congress(
    *,
    follow: bool,
    after_start: list[str] | None = None,
    kafka_port: int = DEFAULT_PORT,
    keep_kafka: bool = False,
    brokers: int = 1,
    replicas: int = 1,
) -> None:
    """Kafka, then every service (``replicas`` copies of each copied one), then (optionally) a command and the
    event stream; a copy that dies is restarted; Ctrl-C stops all."""
    env = {**os.environ, **demo_secrets(), "PYTHONUNBUFFERED": "1"}
    env.setdefault("CONGRESS_HOME", str(congress_home()))
    # links in the mail point at the abstracts service on whatever port it runs (the programme, edit links)
    env.setdefault(
        "ABSTRACTS_PUBLIC_URL",
        f"http://127.0.0.1:{env.get('ABSTRACTS_HTTP_PORT', supervisor.DEFAULT_PORTS['abstracts'])}",
    )
    postgres = _databases_for(env, replicas)
    try:
        launcher = _start_kafka(env, kafka_port, brokers)
        stripe_mock = _start_stripe_mock(env)
    except LauncherError as exc:
        if postgres is not None:
            postgres.stop()
        raise _fail(str(exc)) from None
    for name in ("registration", "badges", "abstracts"):  # the simulator spreads its clients over the copies
        env.setdefault(f"DEMO_{name.upper()}_URL", urls_of(env, name, replicas))
    sup = supervisor.Supervisor(env=env, say=lambda line: console.print(line, markup=False, highlight=False))
    stop = threading.Event()
    follower: threading.Thread | None = None
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        _start_services(sup, supervisor.available_services(), replicas)
        _print_links(env, replicas)
        if after_start:
            sup.children.append(sup.start_command("simulator", after_start))
        if follow:
            follower = threading.Thread(target=_follow, args=(env, stop), daemon=True)
            follower.start()
        while not stop.is_set():
            if sup.watch() is not None:  # a copy in a crash loop: the supervisor said why
                raise typer.Exit(1)
            time.sleep(0.5)
    except KeyboardInterrupt:
        console.print("\nstopping…")
    finally:
        stop.set()  # the event tail first, while Kafka still answers
        if follower is not None:
            follower.join(timeout=5)
        sup.stop_all()
        if stripe_mock is not None:
            stripe_mock.stop()  # type: ignore[attr-defined]
        if launcher is not None and not keep_kafka:
            launcher.stop()
        if postgres is not None:
            postgres.stop()
        console.print("all stopped")


def _follow(env: dict[str, str], stop: threading.Event) -> None:
    try:
        tail.run(
            env["KAFKA_BOOTSTRAP_SERVERS"],
            prefix=env.get("KAFKA_TOPIC_PREFIX", ""),
            emit=lambda line: console.print(line, markup=False, highlight=False),
            stop=stop,
            secret=env.get("CONGRESS_SECRET"),
        )
    except Exception as exc:  # noqa: BLE001 -- the tail is a view; its failure must not stop the congress
        console.print(f"[yellow]event tail stopped: {exc}[/]")


def _print_links(env: dict[str, str], replicas: int = 1) -> None:
    """What to open, one line each (plain lines stay readable in any terminal width)."""
    password = env.get("CONGRESS_ORGANISER_PASSWORD", "")
    organiser = f"sign in: organiser@icsei.example.org / {password}"
    rows = {
        "registration": (
            "Registration pages",
            "/",
            "delegates register here; organisers: /organiser/registrations, messages: /organiser/broadcasts",
        ),
        "abstracts": ("Call for papers", "/submit", "organisers: /organiser/abstracts; reviewers by their link"),
        "console": ("Organisers' console", "/", organiser),
        "badges": ("Badge station", "/station", "station tokens: /organiser/badges (organiser sign-in)"),
        "notify": ("Mail the delegates received", "/mail", "organiser sign-in"),
    }
    team = ", ".join(f"{email} ({'/'.join(roles)})" for email, _name, roles, _networks in TEAM)
    console.print("\n[bold]congress is running — open these:[/]")
    for name in supervisor.available_services():
        label, path, note = rows.get(name, (name, "/", ""))
        port = env.get(f"{name.upper()}_HTTP_PORT", supervisor.DEFAULT_PORTS[name])
        console.print(f"  {label:<28} http://127.0.0.1:{port}{path:<9} {note}", highlight=False)
        if replicas_of(name, replicas) > 1:
            others = urls_of(env, name, replicas).split(",")[1:]
            console.print(f"  {'  other copies':<28} {'  '.join(others)}", highlight=False)
    notify_port = env.get("NOTIFY_HTTP_PORT", supervisor.DEFAULT_PORTS.get("notify", 8004))
    console.print(
        f"  {'Organiser accounts':<28} http://127.0.0.1:{notify_port}/organiser/accounts  admins invite the team here;"
        f" sign in at http://127.0.0.1:{notify_port}/organiser/login",
        highlight=False,
    )
    console.print(
        f"  {'Demo team (same password)':<28} {team} / {password}  (invited by the simulator)", highlight=False
    )
    notify_port = env.get("NOTIFY_HTTP_PORT", supervisor.DEFAULT_PORTS.get("notify", 8004))
    console.print(
        f"  {'Organiser accounts':<28} http://127.0.0.1:{notify_port}/organiser/accounts  admins invite the team here;"
        f" invited organisers sign in at http://127.0.0.1:{notify_port}/organiser/login",
        highlight=False,
    )
    console.print(f"  {'Demo team (same password)':<28} {team} / {password}", highlight=False)
    console.print("  Event stream                 congress tail (also below)\n  Ctrl-C stops everything.\n")


BrokersOption = typer.Option(
    1, "--brokers", min=1, help="Local Kafka nodes: 1, or 3 for a real cluster (topics get RF 3, min.insync 2)."
)


@app.command("up")
def up(
    follow: bool = typer.Option(False, "--tail", help="Also print the event stream."),
    kafka_port: int = typer.Option(DEFAULT_PORT, help="Port for the local broker."),
    brokers: int = BrokersOption,
    replicas: int = typer.Option(1, min=1, max=9, help=REPLICAS_HELP),
) -> None:
    """Start Kafka and every service; a copy that dies is restarted; Ctrl-C stops everything cleanly."""
    run_congress(follow=follow, kafka_port=kafka_port, brokers=brokers, replicas=replicas)


DEMO_CLIENT_LIMIT = "100000/hour"
"""The per-client rate limit `congress demo` gives registration: its simulator is one client."""


@app.command("demo")
def demo(
    delegates: int = typer.Option(1500, help="How many delegates the simulator registers."),
    speed: float = typer.Option(1.0, help="Simulator speed: 2 plays twice as fast."),
    kafka_port: int = typer.Option(DEFAULT_PORT),
    fresh: bool = typer.Option(False, help="Start from nothing: delete the local state under $CONGRESS_HOME first."),
    brokers: int = BrokersOption,
    replicas: int = typer.Option(1, min=1, max=9, help=REPLICAS_HELP),
) -> None:
    """The whole congress on the embedded defaults, with simulated delegates and the live event stream."""
    if fresh:
        wipe_local_state(kafka_port)
    simulator = None
    if (supervisor.ROOT / "services" / "demo" / "simulator.py").exists():
        simulator = ["-m", "services.demo.simulator", "--delegates", str(delegates), "--speed", str(speed)]
    # the simulated call for papers must be open whatever today's date: the organisers "extend" it
    os.environ.setdefault("ABSTRACTS_DEADLINE", (datetime.now(UTC).date() + timedelta(days=30)).isoformat())
    # ...and its accepted presenters must have until after it to register, or all would be "unregistered"
    os.environ.setdefault(
        "REGISTRATION_PRESENTER_DEADLINE", (datetime.now(UTC).date() + timedelta(days=60)).isoformat()
    )
    # ...and its 1,500 delegates all register from this machine's address: the per-client rate limit is raised
    # for it (the per-address limit stays as configured)
    os.environ.setdefault("REGISTRATION_RATE_LIMIT_PER_CLIENT", DEMO_CLIENT_LIMIT)
    run_congress(follow=True, after_start=simulator, kafka_port=kafka_port, brokers=brokers, replicas=replicas)


if __name__ == "__main__":
    app()
