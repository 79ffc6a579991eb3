"""The service's stores as commands see them (one set per unit of work); ``adapters/stores.py`` implements them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from schemas.values import Role
from services.registration.domain.presenters import Presentation
from services.registration.domain.registration import Registration
from services.registration.domain.roles import Cause, EarnedRole

Row = dict[str, Any]
"""A stored row as the store returns it (a registration, a charge, a waiting-list entry)."""
Task = dict[str, Any]
"""A queued Stripe request (``reg_stripe_tasks``)."""
TOTAL = "_total"
"""The seats row of the congress as a whole (add-ons have a row under their code)."""
REGISTRATION_COUNTER = "registration"
"""The counter that numbers registrations; registering locks it (``EarnedRoles.serialise_with_registering``)."""


SORTS = ("number", "name", "email", "institution", "country", "category", "status", "amount", "date")
"""The columns the organisers' list sorts by (``Filters.sort``)."""


@dataclass(frozen=True)
class Filters:
    """What the organiser filtered and sorted the registrations by; empty means any (the text is folded by the store).

    ``text`` must match every one of its words (``services.common.folding``) somewhere in the number, names, email,
    institution, country or invoice number; ``sort`` is one of ``SORTS`` (ties in number order).
    """

    status: str = ""
    category: str = ""
    text: str = ""
    country: str = ""
    payment_method: str = ""
    sort: str = "number"
    descending: bool = False

    def query(self) -> dict[str, str]:
        """The filters as the list's query string says them (empty values left out by ``Paging``)."""
        return {
            "status": self.status,
            "category": self.category,
            "country": self.country,
            "method": self.payment_method,
            "q": self.text,
            "sort": "" if self.sort == "number" else self.sort,
            "dir": "desc" if self.descending else "",
        }


class Registrations(Protocol):
    async def take_seat(self, code: str) -> bool:
        """Take one seat if one is left; False when full. Atomic under concurrency."""
        ...

    async def release_seat(self, code: str) -> None: ...

    async def next_number(self, name: str) -> int:
        """The next value of a gap-free counter, in the caller's transaction."""
        ...

    async def seat_counts(self) -> dict[str, tuple[int, int]]: ...

    async def get(self, registration_id: str, *, for_update: bool = False) -> Registration | None: ...

    async def by_payer(self, payer_id: str, *, for_update: bool = False) -> list[Registration]: ...

    async def by_email(self, email: str) -> list[Registration]: ...

    async def save(self, registration_id: str, now: datetime, **values: Any) -> None: ...

    async def waiting_entries(self, add_on_code: str, *, for_update: bool = False) -> list[Row]: ...

    async def set_waiting(self, entry_id: int, status: str, expires: datetime | None = None) -> None: ...

    async def waiting_entry(self, entry_id: int) -> Row | None: ...

    async def offered_add_ons(self) -> list[str]: ...

    async def hold_until(self, payer_id: str) -> datetime | None: ...

    async def extend_hold(self, payer_id: str, until: datetime) -> None: ...

    async def unpaid_card_payers(self, created_before: datetime) -> list[str]:
        """Payers with a pending card registration made before ``created_before`` (candidates for expiry)."""
        ...

    async def add_charge(self, **values: Any) -> int: ...

    async def get_charge(self, charge_id: int) -> Row | None: ...

    async def charges_of(self, payer_id: str, *, status: str | None = None) -> list[Row]: ...

    async def set_charge(self, charge_id: int, **values: Any) -> None: ...

    async def open_invoice_payers(self) -> set[str]:
        """Payers with an add-on invoice still to be paid (their "mark invoice paid" stays offered)."""
        ...

    async def offers_to(self, registration_id: str) -> list[Row]:
        """Seats offered to this registration from a waiting list and not taken yet (each holds a seat)."""
        ...

    async def withdraw_waiting(self, registration_id: str) -> None:
        """A registration that ends leaves every waiting list it was on."""
        ...

    async def live_by_addresses(self, keys: Iterable[str]) -> list[Registration]:
        """Live registrations whose address is one of ``keys`` (trimmed, lower-cased), oldest first."""
        ...

    async def unpaid_invoice_payers(self, created_before: datetime) -> list[str]:
        """Payers of unpaid invoices made before ``created_before``, or whose hold was extended (hold candidates)."""
        ...

    async def holds_of(self, payer_ids: Iterable[str]) -> dict[str, datetime]:
        """Extended hold ends of these payers (those with none are absent)."""
        ...

    async def mark_once(self, marker: str, now: datetime) -> bool:
        """Record a one-time marker (a spent link, a reminder sent, a refund applied); False if it was there."""
        ...

    async def marked(self, marker: str) -> bool:
        """Whether a one-time marker was recorded (a link spent), without recording it."""
        ...

    async def record_stripe_event(self, event_id: str, kind: str, now: datetime) -> bool:
        """Record a Stripe event id; False if it was handled before (a redelivery)."""
        ...

    async def count_listed(self, filters: Filters) -> int:
        """How many registrations the organisers' filters match."""
        ...

    async def page_listed(self, filters: Filters, *, offset: int, limit: int) -> list[Registration]:
        """One page of the filtered list in the order ``filters.sort`` asks for."""
        ...

    async def countries(self) -> list[str]:
        """The countries registrations come from (for the list's filter), in code order."""
        ...

    async def waiting_of(self, registration_id: str) -> list[Row]:
        """Every waiting-list entry of a registration (waiting, offered, taken, withdrawn, lapsed), oldest first."""
        ...

    async def history(self, delegate_id: str) -> list[Row]:
        """The events the service published about this delegate, oldest first: ``type``, ``time``, ``data``."""
        ...


class StripeTaskStore(Protocol):
    async def add(self, **values: Any) -> int | None:
        """Queue a task in the caller's transaction; None if one with the same key is queued already."""
        ...

    async def due(self, now: datetime, ids: Iterable[int] | None = None, limit: int = 50) -> list[Task]: ...

    async def claim(self, task: Task, now: datetime, lease_until: datetime) -> bool:
        """Take a due task for one attempt (counted); False if another worker took it first."""
        ...

    async def finish(self, task_id: int, now: datetime, result: str) -> bool:
        """Mark done; False if it was done already (its effects must then not be applied again)."""
        ...

    async def failed(self, task_id: int, retry_at: datetime, error: str) -> None: ...

    async def queued_key(self, key: str) -> bool:
        """Whether a task with this key was ever queued (e.g. ``expire:<session id>``)."""
        ...

    async def pending_refunds(
        self, *, counting_only: bool = False, registration_id: str | None = None
    ) -> dict[str, int]:
        """Registration id -> minor units of refunds queued and not yet accepted by Stripe."""
        ...

    async def pending_refund_tasks(self) -> list[Task]: ...

    async def paid_card_charges(self) -> list[Row]:
        """Every add-on paid by card after registering (each a PaymentIntent of its own)."""
        ...

    async def of_registration(self, registration_id: str) -> list[Task]:
        """Every Stripe request queued for a registration (refunds, expiries), oldest first."""
        ...


class EarnedRoles(Protocol):
    async def serialise_with_registering(self) -> None:
        """Wait for registrations being written now, and hold new ones back until this transaction ends."""
        ...

    async def record(self, earned: Iterable[EarnedRole], now: datetime) -> list[EarnedRole]:
        """Insert the earned roles not recorded yet; returns those that are new."""
        ...

    async def holders(self, cause: Cause) -> set[str]:
        """The email keys that earn a role from this cause (none: the cause never earned anything, or went before)."""
        ...

    async def drop(self, cause: Cause, keys: Iterable[str] | None = None) -> None:
        """The cause went (abstract withdrawn or rejected, reviewer unassigned): forget what it earned; with
        ``keys``, only for those emails (an organiser changed the abstract's people)."""
        ...

    async def forget(self, key: str) -> None:
        """Erasure: the roles earned by this email are forgotten with the rest of the delegate's data."""
        ...

    async def roles_earned(self, keys: Iterable[str]) -> Mapping[str, set[Role]]: ...

    async def registrations_of(self, keys: Iterable[str], ended: Iterable[str]) -> list[Registration]:
        """Registrations not ended whose email matches one of ``keys`` (trimmed, case-insensitive), locked."""
        ...


class AppliedRoles(Protocol):
    async def record(self, registration_id: str, roles: Iterable[Role], now: datetime) -> None:
        """The call for papers added these roles to the registration (rows already there are kept)."""
        ...

    async def applied(self, registration_ids: Iterable[str]) -> dict[str, set[Role]]:
        """The roles the call for papers put on each of these registrations."""
        ...

    async def forget(self, registration_id: str, roles: Iterable[Role] | None = None) -> None:
        """Roles taken back (or, with ``roles=None``, the registration erased): their rows go."""
        ...


class Presentations(Protocol):
    async def remember(self, presentation: Presentation) -> None:
        """Keep (or replace, after a new decision) an accepted abstract and its presenters."""
        ...

    async def forget(self, abstract_id: str) -> None:
        """Withdrawn or rejected: no longer a presentation, and its notices start afresh if it is accepted again."""
        ...

    async def get(self, abstract_id: str) -> Presentation | None:
        """The accepted abstract kept under this id (None: not accepted, or forgotten)."""
        ...

    async def all_presentations(self) -> list[Presentation]: ...

    async def forget_person(self, is_person: Callable[[str], bool]) -> int:
        """Erasure of a person known by email (``AuthorErased``): their presenter entries lose name and address."""
        ...

    async def sent_notices(self) -> dict[str, set[str]]:
        """Abstract id -> the causes already emitted about it."""
        ...

    async def record_notice(self, abstract_id: str, cause: str, event_id: str, now: datetime) -> None: ...

    async def confirmed_keys(self, keys: Iterable[str]) -> set[str]:
        """Which of these email keys have a confirmed registration (trimmed, case-insensitive match)."""
        ...


class MagicLinks(Protocol):
    async def sent_since(self, registration_id: str, since: datetime) -> int:
        """How many links were emailed for this registration since ``since``."""
        ...

    async def record(self, jti: str, registration_id: str, now: datetime) -> None:
        """Note a link emailed now (and forget those older than a day)."""
        ...


class Traces(Protocol):
    """What other services did for a delegate, as registration heard it (badge, prints, check-in, emails)."""

    async def note(self, event_id: str, delegate_id: str, kind: str, at: datetime, detail: str) -> bool:
        """Keep one (``badge``, ``printed``, ``checked_in`` or ``email``); False if this event was kept before."""
        ...

    async def of(self, delegate_id: str) -> list[Row]:
        """A delegate's traces, oldest first: ``kind``, ``at``, ``detail``."""
        ...

    async def forget(self, delegate_id: str) -> None:
        """Erasure: the subjects of the emails sent to them are blanked (that an email went out stays)."""
        ...
