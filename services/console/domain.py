"""The console's projection: live figures, recent events and a per-delegate index, from entries.

Pure (standard library only). Entries are applied in the order they were read;
every figure is derived from the topics alone, so reading them again from the
beginning rebuilds exactly the same figures (nothing is lost by a restart).
"""

from __future__ import annotations

from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, tzinfo
from typing import Any

from services.console.audit_log import AuditLog
from services.console.broadcasts import BroadcastTally
from services.console.entries import Entry


@dataclass(frozen=True)
class AddOnCapacity:
    code: str
    label: str
    capacity: int | None


@dataclass
class Registration:
    """What the figures need of one delegate's registration."""

    status: str = "pending"
    category: str = "?"
    country: str = "?"
    add_ons: dict[str, str] = field(default_factory=dict)
    payment_method: str | None = None
    name: str = ""


@dataclass
class Invoice:
    delegate_id: str
    currency: str
    amount_minor: int
    paid: bool = False


def _money(value: Any) -> tuple[str, int] | None:
    if isinstance(value, Mapping) and "currency" in value and "amount_minor" in value:
        return str(value["currency"]), int(value["amount_minor"])
    return None


class Projection:
    """Applies entries; answers with figures, recent entries and one delegate's history."""

    def __init__(
        self,
        *,
        tz: tzinfo,
        capacities: Mapping[str, AddOnCapacity] | None = None,
        ring_size: int = 2000,
        recent_dead_letters: int = 20,
        erase: Callable[[Entry], Entry] | None = None,
        name_organiser: Callable[[str], str] = str,
    ) -> None:
        self.tz = tz
        self.name_organiser = name_organiser
        """Names an organiser's account id as the figures show it (the directory's ``shown_actor``; decision 75)."""
        self.erase = erase
        """Makes an entry's personal fields read ``erased`` (``adapters.records.erased``): applied to what the
        console holds about a delegate when their snapshot is tombstoned (an erasure, issue 16)."""
        self.capacities = dict(capacities or {})
        self.recent: deque[Entry] = deque(maxlen=ring_size)
        self.by_delegate: dict[str, list[Entry]] = defaultdict(list)
        self.seq = 0
        self.by_type: Counter[str] = Counter()
        self.registrations: dict[str, Registration] = {}
        self.revenue: Counter[tuple[str, str]] = Counter()  # (method, currency) -> minor units
        self.refunded: Counter[str] = Counter()
        self.payments_failed = 0
        self.invoices: dict[str, Invoice] = {}
        self.badges_issued = 0
        self.badged: set[str] = set()
        self.badges_revoked = 0
        self.text_replaced: set[str] = set()
        """Delegates whose badge could not print a name as typed (BadgeTextReplaced): organisers follow up."""
        self.documents_text_replaced: set[str] = set()
        """Documents (by number) that could not print a text as typed (DocumentTextReplaced)."""
        self.badges_printed = 0
        self.reprints = 0
        self.documents: Counter[str] = Counter()
        self.checked_in: set[str] = set()
        self.checkins_by_hour: Counter[str] = Counter()
        self.emails: Counter[str] = Counter()  # sent, failed, failed_permanent
        self.broadcasts = BroadcastTally()
        self.waiting_list_offers = 0
        self.dead_letters = 0
        self.dead_by_consumer: Counter[str] = Counter()
        self.recent_dead: deque[Entry] = deque(maxlen=recent_dead_letters)
        self.malformed = 0
        self.lag: dict[str, dict[str, int]] = {}
        self.lag_updated: datetime | None = None
        self.abstracts: dict[str, str] = {}  # abstract id -> submitted, withdrawn, accepted, rejected
        self.abstract_networks: dict[str, str] = {}
        self.reviewed: set[tuple[str, str]] = set()  # (abstract id, reviewer id): a changed review counts once
        self.programme: dict[str, Any] = {}  # the last ProgrammePublished
        self.presenter_reminders: set[tuple[str, int]] = set()  # (abstract id, reminder days): a redelivery counts once
        self.presenters_unregistered: set[str] = set()  # abstract ids reported after the presenter deadline
        self.retention_removed: Counter[str] = Counter()
        """Records of personal data removed by retention sweeps, by class (``RetentionApplied``)."""
        self.audit = AuditLog()
        """Every audit record (``congress.audit``), kept whole: the audit page reads it."""

    # -- applying -------------------------------------------------------------------------------

    def apply(self, entry: Entry) -> Entry:
        """Record one entry; returns it with its arrival number (``seq``) set."""
        self.seq += 1
        entry = replace(entry, seq=self.seq)
        self.recent.append(entry)
        self.by_type[entry.type] += 1
        who = entry.subject if entry.kind == "event" else entry.key
        if entry.kind == "event" and entry.context == "audit":  # on the page of the delegate it concerns, if any
            who = str(entry.data.get("delegate_id") or "")
        if who:
            self.by_delegate[who].append(entry)
        if entry.kind == "tombstone" and entry.topic == "congress.delegates" and entry.key:
            self.erase_person(entry.key)
        elif entry.kind == "deadletter":
            self._dead_letter(entry)
        elif entry.kind == "malformed":
            self.malformed += 1
        elif entry.kind == "event" and entry.context == "audit":
            if entry.name == "OrganiserActed":
                self.audit.add(entry.data)
            elif entry.name == "RetentionApplied":  # issue 16: what retention removed, by class of data
                self.retention_removed[str(entry.data.get("data_class", "?"))] += _count(entry.data.get("removed"))
        elif entry.kind == "event":
            handler = _HANDLERS.get(entry.name)
            if handler is not None and entry.context != "delegates":
                handler(self, entry.subject, entry.data)
        return entry

    def erase_person(self, delegate_id: str) -> None:
        """The delegate was erased: the entries held about them (their page, the recent ring, recent dead
        letters) and their registration's name read ``erased`` from now on; the counts stay."""
        registration = self.registrations.get(delegate_id)
        if registration is not None:
            registration.name = "erased"  # schemas.personal.ERASED
        if self.erase is None:
            return
        about = self.by_delegate.get(delegate_id, [])
        changed = {entry.seq: self.erase(entry) for entry in about}
        self.by_delegate[delegate_id] = [changed[entry.seq] for entry in about]
        self.recent = deque((changed.get(e.seq, e) for e in self.recent), maxlen=self.recent.maxlen)
        self.recent_dead = deque((changed.get(e.seq, e) for e in self.recent_dead), maxlen=self.recent_dead.maxlen)

    def _dead_letter(self, entry: Entry) -> None:
        self.dead_letters += 1
        self.dead_by_consumer[entry.headers.get("dlq.consumer", "?")] += 1
        self.recent_dead.append(entry)

    def _registration(self, delegate_id: str, data: Mapping[str, Any]) -> Registration:
        reg = self.registrations.setdefault(delegate_id, Registration())
        who = data.get("delegate")
        if isinstance(who, Mapping):
            reg.category = str(who.get("category", reg.category))
            reg.country = str(who.get("country", reg.country))
            reg.name = str(who.get("badge_name") or reg.name)
            reg.add_ons = {
                str(a.get("code")): str(a.get("label", a.get("code")))
                for a in who.get("add_ons") or ()
                if isinstance(a, Mapping)
            }
        return reg

    def _on_registration_created(self, delegate_id: str, data: Mapping[str, Any]) -> None:
        reg = self._registration(delegate_id, data)
        reg.payment_method = str(data.get("payment_method") or reg.payment_method)

    def _on_registration_confirmed(self, delegate_id: str, data: Mapping[str, Any]) -> None:
        self._registration(delegate_id, data).status = "confirmed"

    def _on_registration_updated(self, delegate_id: str, data: Mapping[str, Any]) -> None:
        self._registration(delegate_id, data)

    def _on_registration_cancelled(self, delegate_id: str, data: Mapping[str, Any]) -> None:
        self._registration(delegate_id, data).status = "cancelled"

    def _on_payment_succeeded(self, delegate_id: str, data: Mapping[str, Any]) -> None:
        money = _money(data.get("amount"))
        method = str(data.get("method", "?"))
        if money:
            self.revenue[(method, money[0])] += money[1]
        self._registration(delegate_id, data).payment_method = method
        if method == "invoice":
            for invoice in self.invoices.values():
                if invoice.delegate_id == delegate_id:
                    invoice.paid = True

    def _on_payment_failed(self, delegate_id: str, data: Mapping[str, Any]) -> None:
        self.payments_failed += 1

    def _on_refund_issued(self, delegate_id: str, data: Mapping[str, Any]) -> None:
        money = _money(data.get("amount"))
        if money:
            method = self._registration(delegate_id, data).payment_method or "?"
            self.revenue[(method, money[0])] -= money[1]
            self.refunded[money[0]] += money[1]

    def _on_invoice_issued(self, delegate_id: str, data: Mapping[str, Any]) -> None:
        currency, amount = _money(data.get("total")) or ("?", 0)
        self.invoices[str(data.get("invoice_number"))] = Invoice(delegate_id, currency, amount)

    def _on_waiting_list_offered(self, delegate_id: str, data: Mapping[str, Any]) -> None:
        self.waiting_list_offers += 1

    def _on_abstract_submitted(self, abstract_id: str, data: Mapping[str, Any]) -> None:
        self.abstracts.setdefault(abstract_id, "submitted")
        self.abstract_networks[abstract_id] = str(data.get("network", "?"))

    def _on_abstract_withdrawn(self, abstract_id: str, data: Mapping[str, Any]) -> None:
        self.abstracts[abstract_id] = "withdrawn"

    def _on_abstract_decided(self, abstract_id: str, data: Mapping[str, Any]) -> None:
        self.abstracts[abstract_id] = str(data.get("decision", "decided"))

    def _on_review_submitted(self, abstract_id: str, data: Mapping[str, Any]) -> None:
        self.reviewed.add((abstract_id, str(data.get("reviewer_id", "?"))))

    def _on_programme_published(self, congress_id: str, data: Mapping[str, Any]) -> None:
        self.programme = {k: data.get(k) for k in ("programme_version", "sessions", "presentations", "unplaced")}

    def _on_presenter_reminder(self, abstract_id: str, data: Mapping[str, Any]) -> None:
        self.presenter_reminders.add((abstract_id, int(data.get("reminder_days", 0))))

    def _on_presenter_unregistered(self, abstract_id: str, data: Mapping[str, Any]) -> None:
        self.presenters_unregistered.add(abstract_id)

    def _abstract_figures(self) -> dict[str, Any]:
        status = Counter(self.abstracts.values())
        return {
            "submitted": len(self.abstracts),
            "withdrawn": status["withdrawn"],
            "undecided": status["submitted"],
            "accepted": status["accepted"],
            "rejected": status["rejected"],
            "reviews": len(self.reviewed),
            "by_network": dict(Counter(self.abstract_networks.values()).most_common()),
            "programme": self.programme or None,
        }

    def _on_badge_issued(self, delegate_id: str, data: Mapping[str, Any]) -> None:
        self.badges_issued += 1
        self.badged.add(delegate_id)

    def _on_badge_text_replaced(self, delegate_id: str, data: Mapping[str, Any]) -> None:
        self.text_replaced.add(delegate_id)

    def _on_document_text_replaced(self, delegate_id: str, data: Mapping[str, Any]) -> None:
        self.documents_text_replaced.add(str(data.get("document_number")))

    def _on_badge_revoked(self, delegate_id: str, data: Mapping[str, Any]) -> None:
        self.badges_revoked += 1
        self.badged.discard(delegate_id)

    def _on_badge_printed(self, delegate_id: str, data: Mapping[str, Any]) -> None:
        self.badges_printed += 1
        if int(data.get("print_count", 1)) > 1:
            self.reprints += 1

    def _on_document_issued(self, delegate_id: str, data: Mapping[str, Any]) -> None:
        self.documents[str(data.get("kind", "?"))] += 1

    def _on_delegate_checked_in(self, delegate_id: str, data: Mapping[str, Any]) -> None:
        if delegate_id in self.checked_in:
            return  # a second scan of the same badge is not a second arrival
        self.checked_in.add(delegate_id)
        when = datetime.fromisoformat(str(data.get("checked_in_at")))
        self.checkins_by_hour[when.astimezone(self.tz).strftime("%Y-%m-%d %H:00")] += 1

    def _on_notification_sent(self, delegate_id: str, data: Mapping[str, Any]) -> None:
        self.emails["sent"] += 1
        self.broadcasts.notified(data, sent=True)

    def _on_notification_failed(self, delegate_id: str, data: Mapping[str, Any]) -> None:
        self.emails["failed"] += 1
        if data.get("permanent"):
            self.emails["failed_permanent"] += 1
        self.broadcasts.notified(data, sent=False)

    def _on_broadcast_requested(self, broadcast_id: str, data: Mapping[str, Any]) -> None:
        self.broadcasts.requested(data)

    def set_lag(self, lag: Mapping[str, Mapping[str, int]], at: datetime) -> None:
        """Consumer lag per group and topic, as last measured."""
        self.lag = {group: dict(topics) for group, topics in lag.items()}
        self.lag_updated = at

    # -- reading --------------------------------------------------------------------------------

    def entries(
        self,
        *,
        context: str | None = None,
        type_: str | None = None,
        subject: str | None = None,
        after: int = 0,
        limit: int = 200,
    ) -> list[Entry]:
        """Recent entries, newest first, matching every filter given."""
        found: list[Entry] = []
        for entry in reversed(self.recent):
            if entry.seq <= after or len(found) >= limit:
                break
            if _matches(entry, context, type_, subject):
                found.append(entry)
        return found

    def delegate(self, delegate_id: str) -> list[Entry]:
        """Every entry about one delegate, in the order the facts happened."""
        return sorted(self.by_delegate.get(delegate_id, ()), key=lambda e: (e.time, e.seq))

    def figures(self) -> dict[str, Any]:
        return {
            "events_total": self.seq,
            "events_by_type": dict(sorted(self.by_type.items())),
            "retention_removed": dict(sorted(self.retention_removed.items())),
            "registrations": self._registration_figures(),
            "revenue": self._revenue_figures(),
            "add_ons": self._add_on_figures(),
            "invoices_unpaid": self._unpaid_invoices(),
            "abstracts": self._abstract_figures(),
            "presenters": {
                "reminders": len(self.presenter_reminders),
                "unregistered": len(self.presenters_unregistered),
            },
            "badges": {
                "issued": self.badges_issued,
                "delegates_with_badge": len(self.badged),
                "revoked": self.badges_revoked,
                "text_replaced": len(self.text_replaced),
                "documents_text_replaced": len(self.documents_text_replaced),
                "printed": self.badges_printed,
                "reprints": self.reprints,
                "documents": dict(sorted(self.documents.items())),
            },
            "checkins": {"total": len(self.checked_in), "by_hour": dict(sorted(self.checkins_by_hour.items()))},
            "emails": {
                "sent": self.emails["sent"],
                "failed": self.emails["failed"],
                "failed_permanent": self.emails["failed_permanent"],
            },
            "broadcasts": self.broadcasts.figures(self.name_organiser),
            "payments_failed": self.payments_failed,
            "waiting_list_offers": self.waiting_list_offers,
            "dead_letters": {
                "count": self.dead_letters,
                "by_consumer": dict(sorted(self.dead_by_consumer.items())),
                "recent": [
                    _dead_view(e)
                    for e in sorted(self.recent_dead, reverse=True, key=lambda e: (e.time, e.partition, e.offset))
                ],
            },
            "malformed": self.malformed,
            "consumer_lag": {
                "groups": {g: {"total": sum(t.values()), "by_topic": t} for g, t in sorted(self.lag.items())},
                "measured_at": self.lag_updated.isoformat() if self.lag_updated else None,
            },
        }

    def _active(self) -> Iterator[Registration]:
        return (r for r in self.registrations.values() if r.status != "cancelled")

    def _registration_figures(self) -> dict[str, Any]:
        status = Counter(r.status for r in self.registrations.values())
        active = list(self._active())
        return {
            "active": len(active),
            "pending": status["pending"],
            "confirmed": status["confirmed"],
            "cancelled": status["cancelled"],
            "by_category": dict(Counter(r.category for r in active).most_common()),
            "by_country": dict(Counter(r.country for r in active).most_common()),
        }

    def _revenue_figures(self) -> dict[str, Any]:
        by_currency: Counter[str] = Counter()
        by_method: dict[str, dict[str, int]] = defaultdict(dict)
        for (method, currency), minor in sorted(self.revenue.items()):
            by_currency[currency] += minor
            by_method[method][currency] = minor
        return {
            "by_currency": dict(sorted(by_currency.items())),
            "by_method": dict(by_method),
            "refunded": dict(sorted(self.refunded.items())),
        }

    def _add_on_figures(self) -> dict[str, Any]:
        booked: Counter[str] = Counter()
        labels = {code: c.label for code, c in self.capacities.items()}
        for reg in self._active():
            for code, label in reg.add_ons.items():
                booked[code] += 1
                labels.setdefault(code, label)
        return {
            code: {
                "label": labels[code],
                "booked": booked[code],
                "capacity": self.capacities[code].capacity if code in self.capacities else None,
            }
            for code in sorted(labels)
        }

    def _unpaid_invoices(self) -> dict[str, Any]:
        unpaid = [
            i
            for i in self.invoices.values()
            if not i.paid and self.registrations.get(i.delegate_id, Registration()).status != "cancelled"
        ]
        by_currency: Counter[str] = Counter()
        for invoice in unpaid:
            by_currency[invoice.currency] += invoice.amount_minor
        return {"count": len(unpaid), "by_currency": dict(sorted(by_currency.items()))}


def _matches(entry: Entry, context: str | None, type_: str | None, subject: str | None) -> bool:
    if context and entry.context != context:
        return False
    if type_ and type_ not in (entry.type, entry.name):
        return False
    return not subject or subject in (entry.subject, entry.key)


def _dead_view(entry: Entry) -> dict[str, Any]:
    return {
        "partition": entry.partition,
        "offset": entry.offset,
        "time": entry.time.isoformat(),
        "reason": entry.reason,
        "consumer": entry.headers.get("dlq.consumer"),
        "topic": entry.headers.get("dlq.topic"),
        "key": entry.key,
    }


# Event name -> the Projection method that applies it.
_HANDLERS: dict[str, Callable[[Projection, str, Mapping[str, Any]], None]] = {
    "RegistrationCreated": Projection._on_registration_created,
    "RegistrationConfirmed": Projection._on_registration_confirmed,
    "RegistrationUpdated": Projection._on_registration_updated,
    "RegistrationCancelled": Projection._on_registration_cancelled,
    "PaymentSucceeded": Projection._on_payment_succeeded,
    "PaymentFailed": Projection._on_payment_failed,
    "RefundIssued": Projection._on_refund_issued,
    "InvoiceIssued": Projection._on_invoice_issued,
    "WaitingListOffered": Projection._on_waiting_list_offered,
    "BadgeIssued": Projection._on_badge_issued,
    "BadgeRevoked": Projection._on_badge_revoked,
    "BadgeTextReplaced": Projection._on_badge_text_replaced,
    "DocumentTextReplaced": Projection._on_document_text_replaced,
    "BadgePrinted": Projection._on_badge_printed,
    "DocumentIssued": Projection._on_document_issued,
    "DelegateCheckedIn": Projection._on_delegate_checked_in,
    "NotificationSent": Projection._on_notification_sent,
    "NotificationFailed": Projection._on_notification_failed,
    "BroadcastRequested": Projection._on_broadcast_requested,
    "AbstractSubmitted": Projection._on_abstract_submitted,
    "AbstractWithdrawn": Projection._on_abstract_withdrawn,
    "AbstractDecided": Projection._on_abstract_decided,
    "ReviewSubmitted": Projection._on_review_submitted,
    "ProgrammePublished": Projection._on_programme_published,
    "PresenterRegistrationReminder": Projection._on_presenter_reminder,
    "PresenterUnregistered": Projection._on_presenter_unregistered,
}


def _count(value: Any) -> int:
    """A count from an event's data (0 when absent or not a whole number)."""
    return value if isinstance(value, int) and not isinstance(value, bool) else 0
