"""Registration rules: money, prices, codes, refunds, capacity and the waiting list.

Pure functions over frozen dataclasses; standard library only. Amounts are integer
minor units of the congress currency (cents; yen for JPY). A quote's lines are values (a ``LineKind`` with
its amount, percent, code or label), not words: the delegate pages say them in the page's language
(``web/templates/_price_lines.html``), the records and invoices in English (``commands/price_words.py``).
``config.py`` turns the validated ``registration:`` section of the congress file into a ``PriceRules``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

# ISO 4217 currencies whose minor unit is not 1/100 (as Stripe treats them).
ZERO_DECIMAL = frozenset(
    {"BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF"}
)
THREE_DECIMAL = frozenset({"BHD", "JOD", "KWD", "OMR", "TND"})


def minor_exponent(currency: str) -> int:
    """Digits after the decimal point of ``currency``'s minor unit: 0 for JPY, 3 for KWD, else 2."""
    if currency in ZERO_DECIMAL:
        return 0
    return 3 if currency in THREE_DECIMAL else 2


def to_major(amount_minor: int, currency: str) -> Decimal:
    """Minor units as an exact decimal amount (42000 EUR -> 420.00; 42000 JPY -> 42000)."""
    return Decimal(amount_minor).scaleb(-minor_exponent(currency))


def to_minor(amount_major: Decimal | str, currency: str) -> int:
    """A decimal amount in minor units, refusing more precision than the currency has."""
    value = Decimal(amount_major).scaleb(minor_exponent(currency))
    if value != value.to_integral_value():
        raise ValueError(f"{amount_major} has more decimals than {currency} allows")
    return int(value)


def percent_of(amount_minor: int, percent: int | Decimal) -> int:
    """``percent`` % of an amount, rounded half up to a whole minor unit."""
    return int((Decimal(amount_minor) * Decimal(percent) / 100).quantize(Decimal(1), ROUND_HALF_UP))


class IncomeGroup(StrEnum):
    """World Bank income groups."""

    LOW = "low"
    LOWER_MIDDLE = "lower-middle"
    UPPER_MIDDLE = "upper-middle"
    HIGH = "high"


class CodeKind(StrEnum):
    PERCENT = "percent"
    FIXED = "fixed"
    WAIVER = "waiver"


@dataclass(frozen=True)
class Category:
    code: str
    label: str
    regular: int
    early_bird: int
    income_adjusted: bool = True


@dataclass(frozen=True)
class AddOnSpec:
    code: str
    label: str
    kind: str
    price: int
    capacity: int


@dataclass(frozen=True)
class DiscountCode:
    code: str
    kind: CodeKind
    value: int = 0
    """Percent for PERCENT, minor units for FIXED, unused for WAIVER."""
    max_uses: int | None = None
    expires_at: datetime | None = None
    categories: frozenset[str] = frozenset()
    """Empty means every category."""


@dataclass(frozen=True)
class RefundTier:
    until: datetime
    percent: int


@dataclass(frozen=True)
class PriceRules:
    currency: str
    early_bird_until: datetime
    """Aware datetime: the local midnight (or other local time) when early-bird prices end."""
    categories: Mapping[str, Category]
    income_percent: Mapping[IncomeGroup, int]
    add_ons: Mapping[str, AddOnSpec]
    codes: Mapping[str, DiscountCode] = field(default_factory=dict)
    group_min_size: int = 0
    group_percent: int = 0
    refund_tiers: Sequence[RefundTier] = ()
    refund_fee: int = 0


class PricingError(ValueError):
    """A choice that cannot be priced; ``field`` names the form field at fault."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name
        self.message = message


class LineKind(StrEnum):
    """What a price line is: the fee, a reduction of it, a code, or an add-on."""

    FEE = "fee"
    INCOME_GROUP = "income-group"
    GROUP = "group"
    CODE = "code"
    WAIVER = "waiver"
    ADD_ON = "add-on"


@dataclass(frozen=True)
class Line:
    """One line of a price breakdown, as values (no words)."""

    kind: LineKind
    amount_minor: int
    label: str = ""
    """The category's label (``FEE``) or the add-on's (``ADD_ON``), as the congress file gives it."""
    category: str | None = None
    """``FEE``: the category's code (a page names it in its language from the congress file's ``labels``)."""
    early_bird: bool = False
    """``FEE``: the early-bird price (else the regular one)."""
    percent: int = 0
    """``INCOME_GROUP``: the share of the fee paid; ``GROUP``: the discount."""
    group_size: int = 0
    code: str | None = None
    """``CODE`` and ``WAIVER``: the discount code."""
    income_group: IncomeGroup | None = None
    add_on: str | None = None
    """The add-on's code on an add-on's line (lines are matched by it, never by their text)."""


@dataclass(frozen=True)
class Quote:
    currency: str
    lines: tuple[Line, ...]
    total: int
    early_bird: bool
    income_group: IncomeGroup
    code: str | None = None
    waived: bool = False

    @property
    def fee(self) -> int:
        """The registration fee part (everything but add-ons)."""
        return self.total - self.add_ons_total

    @property
    def add_ons_total(self) -> int:
        return sum(line.amount_minor for line in self.lines if line.add_on is not None)

    @property
    def add_ons(self) -> tuple[str, ...]:
        """The codes of the add-ons this quote charges for, in their order."""
        return tuple(line.add_on for line in self.lines if line.add_on is not None)

    def without_add_ons(self, dropped: Collection[str]) -> Quote:
        """The quote without the ``dropped`` add-ons (full: the delegate waits for them); a waiver still waives all."""
        lines = tuple(line for line in self.lines if line.add_on not in dropped)
        if self.waived:
            lines = (*lines[:-1], replace(lines[-1], amount_minor=-sum(x.amount_minor for x in lines[:-1])))
        return replace(self, lines=lines, total=sum(x.amount_minor for x in lines))


def is_early_bird(rules: PriceRules, now: datetime) -> bool:
    """Early-bird prices apply strictly before the deadline instant."""
    return now < rules.early_bird_until


def check_code(rules: PriceRules, code: str, category: str, now: datetime) -> DiscountCode:
    """The discount code if it applies, else ``PricingError`` on field ``code``. Usage limits are the DB's."""
    found = rules.codes.get(code.strip().upper())
    if found is None:
        raise PricingError("code", f"The code {code!r} does not exist.")
    if found.expires_at is not None and now >= found.expires_at:
        raise PricingError("code", f"The code {found.code} has expired.")
    if found.categories and category not in found.categories:
        allowed = ", ".join(sorted(found.categories))
        raise PricingError("code", f"The code {found.code} is only for: {allowed}.")
    return found


def quote(
    rules: PriceRules,
    *,
    category: str,
    income_group: IncomeGroup,
    add_ons: Sequence[str] = (),
    code: str | None = None,
    group_size: int = 1,
    now: datetime,
) -> Quote:
    """Price one delegate's registration, line by line, as the server charges it."""
    cat = rules.categories.get(category)
    if cat is None:
        raise PricingError("category", f"Unknown category {category!r}.")
    early = is_early_bird(rules, now)
    fee = cat.early_bird if early else cat.regular
    lines = [Line(LineKind.FEE, fee, label=cat.label, category=category, early_bird=early)]
    if cat.income_adjusted:
        percent = rules.income_percent.get(income_group, 100)
        if percent != 100:
            cut = fee - percent_of(fee, percent)
            lines.append(Line(LineKind.INCOME_GROUP, -cut, percent=percent, income_group=income_group))
            fee -= cut
    if rules.group_min_size and group_size >= rules.group_min_size and rules.group_percent:
        cut = percent_of(fee, rules.group_percent)
        lines.append(Line(LineKind.GROUP, -cut, percent=rules.group_percent, group_size=group_size))
        fee -= cut
    found = check_code(rules, code, category, now) if code else None
    if found is not None and found.kind is not CodeKind.WAIVER:
        cut = percent_of(fee, found.value) if found.kind is CodeKind.PERCENT else min(found.value, fee)
        lines.append(Line(LineKind.CODE, -cut, code=found.code))
    lines.extend(_add_on_lines(rules, add_ons))
    if found is not None and found.kind is CodeKind.WAIVER:
        waived = sum(line.amount_minor for line in lines)
        lines.append(Line(LineKind.WAIVER, -waived, code=found.code))
    total = sum(line.amount_minor for line in lines)
    return Quote(
        rules.currency,
        tuple(lines),
        total,
        early,
        income_group,
        found.code if found else None,
        bool(found and found.kind is CodeKind.WAIVER),
    )


def _add_on_lines(rules: PriceRules, add_ons: Sequence[str]) -> list[Line]:
    if len(set(add_ons)) != len(add_ons):
        raise PricingError("add_ons", "An add-on was chosen twice.")
    lines = []
    for code in add_ons:
        spec = rules.add_ons.get(code)
        if spec is None:
            raise PricingError("add_ons", f"Unknown add-on {code!r}.")
        lines.append(add_on_line(spec))
    return lines


def add_on_line(spec: AddOnSpec) -> Line:
    """An add-on's line on a price breakdown."""
    return Line(LineKind.ADD_ON, spec.price, label=spec.label, add_on=spec.code)


def income_group_for(table: Mapping[str, IncomeGroup], country: str) -> IncomeGroup:
    """The country's group from the committed table; unlisted countries pay the full (high) price."""
    return table.get(country.upper(), IncomeGroup.HIGH)


def refund_due(rules: PriceRules, paid_minor: int, now: datetime) -> int:
    """What a cancellation at ``now`` refunds under the policy: the first tier not yet passed, less the fee."""
    for tier in sorted(rules.refund_tiers, key=lambda t: t.until):
        if now < tier.until:
            return max(0, percent_of(paid_minor, tier.percent) - rules.refund_fee) if paid_minor else 0
    return 0


# ---- capacity and the waiting list


def seats_left(capacity: int, taken: int) -> int:
    return max(0, capacity - taken)


class WaitStatus(StrEnum):
    WAITING = "waiting"
    OFFERED = "offered"
    ACCEPTED = "accepted"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"


@dataclass(frozen=True)
class WaitingEntry:
    entry_id: int
    registration_id: str
    status: WaitStatus
    offer_expires_at: datetime | None = None


@dataclass(frozen=True)
class SeatDecision:
    """What to do with a seat that became free: offer it to someone, or release it to everyone."""

    offer_to: WaitingEntry | None
    expire: tuple[WaitingEntry, ...] = ()

    @property
    def release(self) -> bool:
        return self.offer_to is None


def expired_offers(entries: Sequence[WaitingEntry], now: datetime) -> tuple[WaitingEntry, ...]:
    return tuple(
        e
        for e in entries
        if e.status is WaitStatus.OFFERED and e.offer_expires_at is not None and now >= e.offer_expires_at
    )


def on_seat_freed(entries: Sequence[WaitingEntry], now: datetime) -> SeatDecision:
    """A held or freed seat goes to the first person still waiting (in entry order), else back to the pool."""
    expired = expired_offers(entries, now)
    waiting = sorted((e for e in entries if e.status is WaitStatus.WAITING), key=lambda e: e.entry_id)
    return SeatDecision(offer_to=waiting[0] if waiting else None, expire=expired)


def offer_deadline(now: datetime, hold_hours: int) -> datetime:
    return now + timedelta(hours=hold_hours)


def can_accept_offer(entry: WaitingEntry, now: datetime) -> bool:
    return entry.status is WaitStatus.OFFERED and entry.offer_expires_at is not None and now < entry.offer_expires_at


def split_refund(payments: Sequence[tuple[str, int]], refunded: int, amount: int) -> list[tuple[str, int]]:
    """Spread a refund over the payments it came from (first payment first), after what was refunded before.

    A registration paid once and then for an add-on taken from the waiting list has two
    card payments; a provider refunds each against its own payment, never more than it took.
    """
    parts = []
    for reference, paid in payments:
        free = max(0, paid - refunded)
        refunded = max(0, refunded - paid)
        take = min(free, amount)
        if take:
            parts.append((reference, take))
            amount -= take
    if amount:
        raise ValueError(f"{amount} more than was paid")
    return parts
