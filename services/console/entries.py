"""What the console keeps of one Kafka record, and the readable one-line summary of it.

Pure (standard library only): an ``Entry`` holds the whole CloudEvent as plain JSON
(``doc``), so event types the console has never heard of are still shown — by type
and subject — instead of failing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any, Literal

from services.common.text import without_hidden

Kind = Literal["event", "deadletter", "tombstone", "malformed"]

ZERO_DECIMAL = frozenset(
    {"BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF"}
)


@dataclass(frozen=True)
class Entry:
    """One record as observed: an event, a dead letter, a tombstone or a malformed message."""

    topic: str
    """Topic without the deployment's prefix, e.g. congress.registration."""
    partition: int
    offset: int
    key: str | None
    kind: Kind
    type: str
    """CloudEvents type; for the other kinds: deadletter, tombstone or malformed."""
    subject: str
    time: datetime
    """When it happened (UTC): the CloudEvent time, else the record's timestamp."""
    doc: Mapping[str, Any] | None = None
    """The whole CloudEvent as JSON; for a dead letter its headers and the raw value as text."""
    reason: str | None = None
    """Why a dead letter was dead-lettered (its dlq.reason header), or why a message is malformed."""
    headers: Mapping[str, str] = field(default_factory=dict)
    seq: int = 0
    """Position in the console's own arrival order (set by the projection)."""

    @property
    def context(self) -> str:
        parts = self.type.split(".")
        if self.kind == "event" and len(parts) >= 4 and parts[0] == "congress":
            return parts[1]
        return self.topic.removeprefix("congress.")

    @property
    def name(self) -> str:
        """Event name without context and version (RegistrationCreated), or the kind."""
        parts = self.type.split(".")
        return parts[2] if self.kind == "event" and len(parts) >= 4 else self.kind

    @property
    def data(self) -> Mapping[str, Any]:
        value = (self.doc or {}).get("data")
        return value if isinstance(value, Mapping) else {}


def format_money(money: Mapping[str, Any] | None) -> str:
    """``EUR 420.00`` from ``{"amount_minor": 42000, "currency": "EUR"}``; zero-decimal currencies have none."""
    if not money:
        return ""
    currency = str(money.get("currency", ""))
    minor = int(money.get("amount_minor", 0))
    if currency in ZERO_DECIMAL:
        return f"{currency} {minor:,}"
    sign = "-" if minor < 0 else ""
    return f"{currency} {sign}{abs(minor) // 100:,}.{abs(minor) % 100:02d}"


def isolate(text: object) -> str:
    """Text wrapped in Unicode first-strong isolates, so a right-to-left name keeps the line's order intact."""
    return f"\u2068{text}\u2069"


def _replaced(d: Mapping[str, Any]) -> str:
    """A BadgeTextReplaced or DocumentTextReplaced as a line: what was printed, and the characters no font has."""
    replacements = d.get("replacements") or ()
    printed = "; ".join(f"{r.get('field')}: {isolate(r.get('printed'))}" for r in replacements)
    missing = ", ".join(m for r in replacements for m in r.get("missing") or ())
    return f"printed as {printed} (no font for {missing})"


def _person(d: Mapping[str, Any]) -> str:
    who = d.get("delegate")
    if not isinstance(who, Mapping):
        return ""
    name = who.get("badge_name") or f"{who.get('given_name', '')} {who.get('family_name', '')}".strip()
    return f"{isolate(name)} ({who.get('country', '?')}, {who.get('category', '?')})"


_SUMMARIES: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "RegistrationCreated": lambda d: f"{_person(d)} · {format_money(d.get('total'))} · {d.get('payment_method')}",
    "RegistrationConfirmed": lambda d: (
        f"{_person(d)} · {format_money(d.get('total'))} · v{d.get('registration_version')}"
    ),
    "RegistrationUpdated": lambda d: f"{_person(d)} · changed {', '.join(d.get('changed_fields') or ()) or '-'}",
    "RegistrationCancelled": lambda d: (
        f"by {d.get('cancelled_by')}: {d.get('reason')}"
        + (f" · refund due {format_money(d['refund_due'])}" if d.get("refund_due") else "")
    ),
    "PaymentSucceeded": lambda d: (
        f"{format_money(d.get('amount'))} by {d.get('method')} · {d.get('provider_reference')}"
    ),
    "PaymentFailed": lambda d: f"{format_money(d.get('amount'))} failed: {d.get('reason')}",
    "RefundIssued": lambda d: f"{format_money(d.get('amount'))} refunded · {d.get('provider_reference')}",
    "InvoiceIssued": lambda d: (
        f"{d.get('invoice_number')} · {format_money(d.get('total'))} · {d.get('institution_name')}"
    ),
    "WaitingListOffered": lambda d: f"seat offered: {d.get('add_on_label')}",
    "LinkSent": lambda d: f"new {d.get('kind')} link to {d.get('email')}",
    "MagicLinkRequested": lambda d: f"{d.get('kind', 'sign-in')} link to {d.get('email')}",
    "InvoiceHoldEnding": lambda d: (
        f"{d.get('invoice_number')} unpaid · {format_money(d.get('amount_due'))}"
        f" · places held until {d.get('hold_until')}"
    ),
    "RegistrationAttemptedForExistingAddress": lambda d: (
        f"registering again with the address of {d.get('registration_number')} refused; its owner told"
    ),
    "DelegateSnapshot": lambda d: f"{_person(d)} · {d.get('status')} · {'paid' if d.get('paid') else 'unpaid'}",
    "BadgeIssued": lambda d: f"{isolate(d.get('badge_name'))} · v{d.get('registration_version')}",
    "BadgeRevoked": lambda d: f"revoked: {d.get('reason')}",
    "BadgeTextReplaced": lambda d: _replaced(d),
    "DocumentTextReplaced": lambda d: f"{d.get('kind')} {d.get('document_number')} {_replaced(d)}",
    "DocumentIssued": lambda d: f"{d.get('kind')} {d.get('document_number')}",
    "BadgePrinted": lambda d: f"print #{d.get('print_count')} at {d.get('station_id')}",
    "DelegateCheckedIn": lambda d: f"checked in at {d.get('station_id')}",
    "NotificationSent": lambda d: f"{d.get('template')} → {d.get('to')}: {d.get('subject')}",
    "NotificationFailed": lambda d: f"{d.get('template')} → {d.get('to')} failed: {d.get('reason')}",
    "AbstractSubmitted": lambda d: f"{d['reference']} · {d['format']} · {d['network']}: {_short(d['title'])}",
    "AbstractRevised": lambda d: f"{d['reference']} v{d['content_version']}: {_short(d['title'])}",
    "AbstractWithdrawn": lambda d: f"{d['reference']} withdrawn" + (f": {d['reason']}" if d.get("reason") else ""),
    "ReviewerAssigned": lambda d: f"{d['reference']} → {d['reviewer_name']} · due {d['due_on']}",
    "ReviewerUnassigned": lambda d: f"reviewer {d['reviewer_id']} taken off: {d['reason']}",
    "ReviewSubmitted": lambda d: (
        f"{d['recommendation']} · mean {sum(d['scores'].values()) / max(1, len(d['scores'])):.1f}"
    ),
    "AbstractDecided": lambda d: (
        f"{d['reference']} {d['decision']} as {d['format']}"
        + (f" · mean {d['mean_score']:.2f}" if d.get("mean_score") is not None else "")
    ),
    "PresenterRegistrationReminder": lambda d: (
        f"{d['reference']}: no presenter registered · reminder {d['reminder_days']} days before {d['deadline']}"
    ),
    "PresenterUnregistered": lambda d: f"{d['reference']}: no presenter registered by {d['deadline']}",
    "SessionScheduled": lambda d: (
        f"{_short(d['title'], 40)} · {d['room_name']} · {d['day']} · {len(d['presentations'])} presentation(s)"
        f" · v{d['programme_version']}"
    ),
    "PresentationMoved": lambda d: (
        f"{d['reference']} moved {d['old']['room_name']} {d['old']['day']} → {d['new']['room_name']} {d['new']['day']}"
    ),
    "SessionCancelled": lambda d: f"{_short(d['title'], 40)} cancelled: {d['reason']}",
    "ProgrammePublished": lambda d: (
        f"v{d['programme_version']}: {d['sessions']} sessions, {d['presentations']} presentations"
        f" · {d['sessions_changed']} changed, {d['presentations_moved']} moved"
    ),
}


def _short(text: object, limit: int = 60) -> str:
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _shown(value: Any) -> Any:
    """Event data with every string through the one text rule's ``without_hidden`` (old events included)."""
    if isinstance(value, str):
        return without_hidden(value)
    if isinstance(value, Mapping):
        return {k: _shown(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_shown(v) for v in value]
    return value


def summarise(entry: Entry) -> str:
    """The key fields of an entry in words; empty for event types the console does not know."""
    if entry.kind != "event":
        return entry.reason or ""
    render = _SUMMARIES.get(entry.name)
    if render is None:
        return ""
    try:
        return render(_shown(entry.data))
    except (TypeError, ValueError, KeyError):
        return ""  # a payload shaped differently than expected still shows its type and subject


_ORGANISER_STATION = re.compile(r"\borganiser:([A-Za-z0-9_-]+)(?![\w@.+-])")
"""A badge desk used by a signed-in organiser, as badges names it (``organiser:<account id>``; decision 75). An
address recorded before decision 75 (``organiser:ana@…``) does not match and is shown as it is."""


def named(summary: str, name_organiser: Callable[[str], str]) -> str:
    """``summary`` with each organiser's desk named as the directory knows the account now (``shown_actor``)."""
    return _ORGANISER_STATION.sub(lambda m: f"organiser {name_organiser(m.group(1))}", summary)


def to_view(entry: Entry, tz: tzinfo, name_organiser: Callable[[str], str] | None = None) -> dict[str, Any]:
    """The JSON the page and the API show for an entry (time in the congress timezone); with ``name_organiser``,
    an organiser's account id in the summary is given as who it is (the raw event, ``doc``, keeps the id)."""
    local = entry.time.astimezone(tz)
    summary = summarise(entry)
    return {
        "seq": entry.seq,
        "kind": entry.kind,
        "type": entry.type,
        "name": entry.name,
        "context": entry.context,
        "subject": entry.subject,
        "key": entry.key,
        "topic": entry.topic,
        "partition": entry.partition,
        "offset": entry.offset,
        "time": entry.time.isoformat(),
        "local_time": local.strftime("%Y-%m-%d %H:%M:%S"),
        "summary": named(summary, name_organiser) if name_organiser is not None else summary,
        "reason": entry.reason,
        "doc": entry.doc,
    }
