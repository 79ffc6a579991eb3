"""The refusals the abstracts rules and commands give; the web room turns each into its answer (422, 409, 404, 403)."""

from __future__ import annotations


class Rejected(Exception):
    """Input a person must correct: messages keyed by field path."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class NotAllowed(Exception):
    """A request that cannot be done in the abstract's state (409), with a sentence saying why."""


class NotFound(Exception):
    """No such abstract, reviewer or session, or not one this link may see (404)."""


class Closed(Exception):
    """The submission deadline has passed."""
