"""What ``congress up --replicas N`` needs besides more processes: PostgreSQL, and where each copy listens.

Copies of a service share its database (the inbox, the outbox, the leases of its periodic jobs),
so N > 1 needs PostgreSQL: a SQLite file belongs to one process. A service whose database URL
is given must be PostgreSQL (else ``up`` refuses and says why); for those without one, ``up``
starts a local PostgreSQL from Debian's packages whose data is kept between runs (under
``$CONGRESS_HOME/postgres``, or, as root, a directory the ``postgres`` user can reach) and
gives each service a database of its own there.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from services.cli.supervisor import DEFAULT_PORTS, REPLICATED, copy_port
from services.common.settings import congress_home
from services.devtools.pg_launcher import PostgresLauncher


class ReplicasRefused(Exception):
    """``--replicas`` cannot run with these settings; the message says what to change."""


def database_url_of(env: dict[str, str], name: str) -> str | None:
    return env.get(f"{name.upper()}_DATABASE_URL") or env.get("DATABASE_URL") or None


def check_databases(env: dict[str, str], replicas: int) -> list[str]:
    """The replicated services that have no database URL yet; raises ``ReplicasRefused`` on a non-PostgreSQL one."""
    given = {name: database_url_of(env, name) for name in REPLICATED}
    other = {name: url for name, url in given.items() if url and not url.startswith("postgresql")}
    if other:
        name, url = next(iter(other.items()))
        scheme = url.split(":", 1)[0]
        raise ReplicasRefused(
            f"--replicas {replicas} runs {replicas} copies of {', '.join(REPLICATED)} sharing one database per "
            f"service, which needs PostgreSQL (a SQLite file belongs to one process). The database of {name} is "
            f"{scheme} ({name.upper()}_DATABASE_URL or DATABASE_URL): point it at a postgresql+asyncpg:// URL, "
            "or unset it and `congress up` starts a local PostgreSQL."
        )
    return [name for name, url in given.items() if not url]


def postgres_home() -> Path:
    """Where the local PostgreSQL keeps its data; as root, outside $HOME, which the postgres user cannot enter."""
    home = congress_home()
    if os.geteuid() != 0:
        return home / "postgres"
    tag = hashlib.sha256(str(home.resolve()).encode()).hexdigest()[:10]
    return Path("/var/tmp") / f"congress-postgres-{tag}"  # noqa: S108 -- one per $CONGRESS_HOME, kept between runs


def provide_databases(env: dict[str, str], names: list[str]) -> PostgresLauncher | None:
    """Start the local PostgreSQL (if any service needs it) and set ``<SERVICE>_DATABASE_URL`` for each."""
    if not names:
        return None
    launcher = PostgresLauncher(keep_in=postgres_home())
    launcher.start()
    for name in names:
        env[f"{name.upper()}_DATABASE_URL"] = launcher.ensure_database(name)
    return launcher


def copies_of(name: str, replicas: int) -> int:
    return replicas if name in REPLICATED else 1


def urls_of(env: dict[str, str], name: str, replicas: int) -> str:
    """Every copy's base URL, comma-separated (the demo simulator spreads its clients over them)."""
    base = int(env.get(f"{name.upper()}_HTTP_PORT", DEFAULT_PORTS[name]))
    return ",".join(f"http://127.0.0.1:{copy_port(base, k)}" for k in range(1, copies_of(name, replicas) + 1))
