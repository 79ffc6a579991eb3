"""docs/roles.md from the code: the roles, and every service's route-access table.

``congress roles-doc > docs/roles.md`` writes it; ``tests/unit/test_route_access.py`` fails when
the committed page and the tables differ.
"""

from __future__ import annotations

from services.abstracts.web.route_access import ROUTES as ABSTRACTS
from services.badges.web.route_access import ROUTES as BADGES
from services.common.roles import DESCRIPTIONS, LABELS, Role, RouteAccess
from services.console.route_access import ROUTES as CONSOLE
from services.notify.web.route_access import ROUTES as NOTIFY
from services.registration.web.route_access import ROUTES as REGISTRATION

TABLES: dict[str, tuple[str, RouteAccess]] = {
    "console": ("services/console/route_access.py", CONSOLE),
    "registration": ("services/registration/web/route_access.py", REGISTRATION),
    "abstracts": ("services/abstracts/web/route_access.py", ABSTRACTS),
    "badges": ("services/badges/web/route_access.py", BADGES),
    "notify": ("services/notify/web/route_access.py", NOTIFY),
}
"""Every service's route-access table, by service, with the file that holds it."""

INTRO = """# Organiser roles and what each may do

Generated from the route-access tables by `congress roles-doc > docs/roles.md`; a test fails when
this page and the code differ. Deny by default: every organiser route of every service is in its
service's table, a route missing from it is refused to everyone (403), and a test walks every
route with every role. Organiser accounts are kept by notify (`/organiser/accounts`, admins only);
see docs/ARCHITECTURE.md, decision 40.

✓ = allowed; **net** = a convener may use it for their own network(s) only (other networks' items
answer 404, lists show only theirs); blank = refused (403).

**Adding an organiser route:** keep `require_organiser` on it, add one line to its service's table —
`("POST", "/organiser/things/{thing_id}/do"): allow(FINANCE)`, the method and the path exactly as the
route declares it (prefix of an included router included); `allow(CHAIR, CONVENER, scoped=True)` for a
route that filters by `organiser_grant(sessions)`'s `Grant.networks` — then run
`congress roles-doc > docs/roles.md`.
"""


def render() -> str:
    """The whole page."""
    lines = [INTRO, "## Roles", "", "| role | code | what they do |", "|---|---|---|"]
    lines += [f"| {LABELS[role]} | `{role.value}` | {DESCRIPTIONS[role]} |" for role in Role]
    lines += [
        "",
        "Admins may hold several roles. An account may hold any set of roles; what it may do is the union.",
        "",
    ]
    head = "| method | route | " + " | ".join(LABELS[r] for r in Role) + " |"
    rule = "|---|---|" + "---|" * len(Role)
    for service, (where, table) in TABLES.items():
        lines += [f"## {service}", "", f"Table: `{where}`.", "", head, rule]
        for (method, path), allowed in sorted(table.items(), key=lambda item: (item[0][1], item[0][0])):
            cells = [_cell(role, allowed.roles, allowed.network_scoped) for role in Role]
            lines.append(f"| {method} | `{path}` | " + " | ".join(cells) + " |")
        lines.append("")
    return "\n".join(lines)


def _cell(role: Role, allowed: frozenset[Role], scoped: bool) -> str:
    if role not in allowed:
        return ""
    return "net" if role is Role.CONVENER and scoped else "✓"
