"""Which organiser routes change something, and whether each is mapped to the audit actions it records.

A test per service calls ``unaudited(app, routes, catalogue)``: an unsafe route (POST, PUT, PATCH,
DELETE) behind the organiser sign-in that the service's route map does not name, or names with an
action its catalogue does not hold, is a failure -- so a new organiser action cannot ship unrecorded.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import iter_route_contexts

from services.common.audit import Catalogue

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
Route = tuple[str, str]
"""(method, path template), e.g. ``("POST", "/api/organiser/registrations/{rid}/refund")``."""
RouteActions = Mapping[Route, tuple[str, ...]]
"""A service's map from each unsafe organiser route to the audit actions it may record."""


def _calls(dependant: Dependant) -> Iterator[object]:
    for sub in dependant.dependencies:
        yield sub.call
        yield from _calls(sub)


def organiser_only(dependant: Dependant | None) -> bool:
    """Whether a route needs the organiser sign-in (``require_organiser``'s dependency, however deep)."""
    calls = _calls(dependant) if dependant is not None else iter(())
    return any(getattr(call, "__qualname__", "").startswith("require_organiser.") for call in calls)


def organiser_changes(app: FastAPI) -> list[Route]:
    """Every unsafe route of the app behind the organiser sign-in (routers' dependencies included)."""
    found = {
        (method, str(route.path))
        for route in iter_route_contexts(app.routes)
        if organiser_only(getattr(route, "dependant", None))
        for method in (route.methods or set()) & UNSAFE
    }
    return sorted(found)


def unaudited(app: FastAPI, routes: RouteActions, catalogue: Catalogue) -> list[str]:
    """What is wrong with the route map: unsafe organiser routes it misses, names it has that are not actions."""
    problems = [f"{m} {p}: no audit action mapped" for m, p in organiser_changes(app) if not routes.get((m, p))]
    problems += [
        f"{m} {p}: {name!r} is not in the {catalogue.service} audit catalogue"
        for (m, p), names in routes.items()
        for name in names
        if name not in catalogue
    ]
    return problems
