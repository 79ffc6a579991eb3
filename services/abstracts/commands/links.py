"""Signed links: an abstract's edit link and a reviewer's portal link, made and checked.

Edit links are ``sign(secret, "abstract-edit", {a: abstract id, c: congress id})``; reviewer links
``sign(secret, "reviewer", {r: reviewer id, v: link version, c: congress id})``. A link that is
damaged, for something else or too old is a ``LinkProblem`` (an expired one offers a new link).
"""

from __future__ import annotations

from typing import Any, Protocol

from schemas.access import AccessKind
from services.abstracts.config import AbstractsConfig
from services.common.auth import InvalidToken, sign, verify
from services.common.congress import Congress

EDIT = "abstract-edit"
REVIEWER = "reviewer"


class Keys(Protocol):
    """What signing and checking links needs (``Deps`` has it)."""

    @property
    def secret(self) -> str: ...
    @property
    def congress(self) -> Congress: ...
    @property
    def config(self) -> AbstractsConfig: ...
    @property
    def public_url(self) -> str: ...


class LinkProblem(Exception):
    """A signed link that is tampered with, for another abstract, revoked or expired.

    ``renew``: (kind, the old token) when a new link can be mailed to the address on record.
    """

    def __init__(self, title: str, message: str, status: int = 400, *, renew: tuple[str, str] | None = None) -> None:
        super().__init__(message)
        self.title, self.message, self.status, self.renew = title, message, status, renew


def expired(what: str, kind: AccessKind, token: str) -> LinkProblem:
    """410 with the offer of a new link (``/new-link``), for a genuine link that is too old."""
    return LinkProblem(f"This {what} has expired", f"This {what} is too old to use.", 410, renew=(kind.value, token))


def edit_token(keys: Keys, abstract_id: str) -> str:
    return sign(keys.secret, EDIT, {"a": abstract_id, "c": keys.congress.id})


def edit_link(keys: Keys, abstract_id: str) -> str:
    return f"{keys.public_url}/abstracts/{abstract_id}?t={edit_token(keys, abstract_id)}"


def check_edit_token(keys: Keys, token: str, abstract_id: str) -> None:
    try:
        claims = verify(keys.secret, EDIT, token, max_age_seconds=keys.config.edit_link_days * 86400)
    except InvalidToken as exc:
        if exc.reason == "expired":
            raise expired("edit link", AccessKind.ABSTRACT_EDIT, token) from exc
        raise LinkProblem("This edit link does not work", f"The link is damaged or incomplete ({exc.reason}).") from exc
    if claims.get("a") != abstract_id or claims.get("c") != keys.congress.id:
        raise LinkProblem("This link is for another abstract", "Use the edit link you received for this abstract.", 403)


def reviewer_token(keys: Keys, reviewer_id: str, version: int) -> str:
    return sign(keys.secret, REVIEWER, {"r": reviewer_id, "v": version, "c": keys.congress.id})


def portal_link(keys: Keys, reviewer: dict[str, Any]) -> str:
    return f"{keys.public_url}/review/{reviewer_token(keys, reviewer['id'], reviewer['link_version'])}"


def reviewer_claims(keys: Keys, token: str) -> tuple[str, int]:
    """The reviewer id and link version a portal token carries (``LinkProblem`` if it is not genuine)."""
    try:
        claims = verify(keys.secret, REVIEWER, token, max_age_seconds=keys.config.reviewer_link_days * 86400)
    except InvalidToken as exc:
        if exc.reason == "expired":
            raise expired("reviewer link", AccessKind.REVIEWER, token) from exc
        raise LinkProblem(
            "This reviewer link does not work",
            f"The link is damaged or incomplete ({exc.reason}). Use the link in your latest invitation.",
        ) from exc
    if claims.get("c") != keys.congress.id or not isinstance(claims.get("r"), str):
        raise LinkProblem("This reviewer link does not work", "The link is for another congress.")
    return str(claims["r"]), int(claims.get("v", 0))
