"""Organiser roles and the route-access tables every service declares: deny by default.

Each service states, in one table (``services/<service>/web/access.py`` or
``services/console/access.py``), for every organiser route — HTTP method and route path as
FastAPI matches it (``"/organiser/abstracts/{abstract_id}"``) — which roles may use it and
whether it is *network-scoped* (a convener may use it, but sees and acts on their own
networks' items only; the route filters by ``Grant.networks``). ``require_organiser`` checks
the table on every organiser request: a route missing from it is refused to everyone, and
``tests/unit/test_route_access.py`` fails when a service has an organiser route its table lacks.
docs/roles.md shows the tables; a test checks it against them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    """What an organiser may do; an account holds one or more."""

    ADMIN = "admin"
    PROGRAMME_CHAIR = "programme_chair"
    CONVENER = "convener"
    FINANCE = "finance"
    DESK = "desk"
    VIEWER = "viewer"


LABELS: Mapping[Role, str] = {
    Role.ADMIN: "Admin",
    Role.PROGRAMME_CHAIR: "Programme chair",
    Role.CONVENER: "Network convener",
    Role.FINANCE: "Registration & finance",
    Role.DESK: "Desk",
    Role.VIEWER: "Viewer",
}

DESCRIPTIONS: Mapping[Role, str] = {
    Role.ADMIN: "Organiser accounts and roles (invite, change, deactivate, erase) and the edition's settings.",
    Role.PROGRAMME_CHAIR: "Every abstract, reviewer and decision, and the programme.",
    Role.CONVENER: "Abstracts, reviewers and decisions of their own network(s) only; they see nothing else.",
    Role.FINANCE: "Registrations, invoices, marking paid, refunds, overrides, cancellations and exports.",
    Role.DESK: "Station tokens, badge reprints, check-in and the delegate search at the desk.",
    Role.VIEWER: "The console and the read-only lists.",
}

EVERY_ROLE: frozenset[Role] = frozenset(Role)


@dataclass(frozen=True)
class Rule:
    """Who may use one route: ``roles``, and whether a convener's use is limited to their networks."""

    roles: frozenset[Role]
    network_scoped: bool = False


def allow(*roles: Role, scoped: bool = False) -> Rule:
    """A table entry: these roles may use the route (``scoped``: conveners for their networks only)."""
    return Rule(frozenset(roles), network_scoped=scoped)


RouteKey = tuple[str, str]
"""(HTTP method, route path as declared, e.g. ``("POST", "/organiser/registrations/{registration_id}/refund")``)."""
RouteAccess = Mapping[RouteKey, Rule]


@dataclass(frozen=True)
class Grant:
    """What a signed-in organiser may do on the route they called.

    ``networks`` is None when they may see every network, else the network codes they may see
    (a convener on a network-scoped route).
    """

    email: str
    roles: frozenset[Role]
    networks: frozenset[str] | None

    def sees(self, network: str | None) -> bool:
        """Whether an item of ``network`` is theirs to see (items without a network: only with every network)."""
        return self.networks is None or (network is not None and network in self.networks)


def parse_roles(values: Iterable[str]) -> frozenset[Role]:
    """The roles named (unknown names are dropped: a newer owner's role means nothing here yet)."""
    known = {role.value: role for role in Role}
    return frozenset(known[v] for v in values if v in known)


def decide(rule: Rule | None, email: str, roles: frozenset[Role], networks: frozenset[str]) -> Grant | None:
    """The grant for an organiser holding ``roles`` on a route with ``rule``; None when refused.

    A route without a rule is refused (deny by default). On a network-scoped route a convener
    with no other allowed role gets their networks only; any other allowed role sees every network.
    """
    if rule is None:
        return None
    held = roles & rule.roles
    if not held:
        return None
    if held - {Role.CONVENER}:
        return Grant(email, roles, None)
    if not rule.network_scoped:
        return None
    return Grant(email, roles, networks)


def opens(routes: RouteAccess, roles: frozenset[Role], method: str, path: str) -> bool:
    """Whether ``roles`` open the route ``method path`` of ``routes`` (a page offers only the actions they may take)."""
    rule = routes.get((method, path))
    return rule is not None and bool(roles & rule.roles)


def route_key(method: str, path: str) -> RouteKey:
    """The table key of a request: HEAD is answered by the GET route."""
    method = method.upper()
    return ("GET" if method == "HEAD" else method, path)
