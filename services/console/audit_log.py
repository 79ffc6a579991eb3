"""The console's audit log: every ``OrganiserActed`` read from ``congress.audit``, newest first, filtered.

Pure (standard library only). Unlike the ring of recent events, it keeps every record: the audit topic
is kept forever and the journal replays it on a restart, so the page shows the whole trail. A record is
kept once by its ``audit_id`` (a redelivered record is not listed twice).

An organiser is recorded by their account's id (decision 75; before it, by their address, which older records
still hold). The page names the account as it is now and the filter finds a person's records by the ids of the
accounts whose address or name was typed: both come from the organiser directory, given to this module as
values (``AuditFilter.actor_ids``).
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

COLUMNS = (
    "at",
    "service",
    "actor_kind",
    "actor",
    "action",
    "subject_kind",
    "subject_id",
    "delegate_id",
    "reason",
    "details",
    "audit_id",
)
"""The fields of a record, in the order the page and the CSV show them."""


@dataclass(frozen=True)
class AuditRecord:
    """One audit record as the console keeps it (the event's fields; ``details`` as ``key=value`` text)."""

    audit_id: str
    at: str
    """When (UTC, ISO 8601 as the event carries it)."""
    service: str
    actor_kind: str
    actor: str
    action: str
    subject_kind: str
    subject_id: str
    delegate_id: str = ""
    reason: str = ""
    details: str = ""

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> AuditRecord | None:
        """The record in an event's data, or None if it lacks what every record has."""
        required = ("audit_id", "at", "service", "actor_kind", "actor", "action", "subject_kind", "subject_id")
        if not all(isinstance(data.get(k), str) and data.get(k) for k in required):
            return None
        raw = data.get("details")
        details: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
        try:
            datetime.fromisoformat(str(data["at"]))
        except ValueError:
            return None
        return cls(
            **{k: str(data[k]) for k in required},
            delegate_id=str(data.get("delegate_id") or ""),
            reason=str(data.get("reason") or ""),
            details=" ".join(f"{k}={_text(v)}" for k, v in sorted(details.items())),
        )

    def row(self) -> dict[str, str]:
        return {c: getattr(self, c) for c in COLUMNS}


@dataclass(frozen=True)
class AuditFilter:
    """What an organiser narrows the log to; empty fields match everything."""

    actor: str = ""
    """Part of the actor as typed (an organiser's email or name, a job's name), any case."""
    actor_ids: frozenset[str] = frozenset()
    """The ids of the organiser accounts whose address or name holds ``actor`` (from the directory)."""
    action: str = ""
    """An action's name, or the start of one (``registration.``, ``abstracts.programme``)."""
    delegate: str = ""
    """A delegate id: records about that delegate (or a registration id: records on that registration)."""
    abstract: str = ""
    """An abstract id: records on that abstract."""

    def matches(self, record: AuditRecord) -> bool:
        if self.actor and not self._actor_matches(record):
            return False
        if self.action and not (
            record.action == self.action or record.action.startswith(self.action.rstrip(".") + ".")
        ):
            return False
        if self.delegate and self.delegate not in (record.delegate_id, record.subject_id):
            return False
        return not self.abstract or (record.subject_kind == "abstract" and record.subject_id == self.abstract)

    def _actor_matches(self, record: AuditRecord) -> bool:
        """An organiser's account id by the accounts found for the text (or the whole id typed); an address
        recorded before decision 75, a job's name, a delegate or station id by part of it."""
        if record.actor_kind == "organiser" and "@" not in record.actor:
            return record.actor in self.actor_ids or record.actor == self.actor
        return self.actor.casefold() in record.actor.casefold()


@dataclass
class AuditLog:
    """Every record, ordered oldest first by (time, id); read newest first."""

    _records: list[AuditRecord] = field(default_factory=list)
    _seen: set[str] = field(default_factory=set)

    def add(self, data: Mapping[str, Any]) -> bool:
        """Keep one record (an event's data); False if it is malformed or already kept."""
        record = AuditRecord.of(data)
        if record is None or record.audit_id in self._seen:
            return False
        self._seen.add(record.audit_id)
        bisect.insort(self._records, record, key=_order)
        return True

    def __len__(self) -> int:
        return len(self._records)

    def select(self, wanted: AuditFilter) -> list[AuditRecord]:
        """The records that match, newest first."""
        return [r for r in reversed(self._records) if wanted.matches(r)]

    def actions(self) -> list[str]:
        """Every action name seen, for the page's choice."""
        return sorted({r.action for r in self._records})


def _order(record: AuditRecord) -> tuple[datetime, str]:
    """Oldest first by the moment (not the text: ``09:00:00.5Z`` sorts before ``09:00:00Z`` as text)."""
    return datetime.fromisoformat(record.at), record.audit_id


def _text(value: object) -> str:
    """A detail's value as JSON writes it (``true``, ``false``, empty for null)."""
    if value is None:
        return ""
    return str(value).lower() if isinstance(value, bool) else str(value)
