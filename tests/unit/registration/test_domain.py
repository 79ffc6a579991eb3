"""Pricing, codes, refunds, money and waiting-list rules: pure, no I/O."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from schemas.values import Money
from services.common.congress import ConfigError, load_congress
from services.registration.commands.price_words import add_on_line, invoice_line, record_lines, record_text
from services.registration.config import load_income_groups, load_registration
from services.registration.domain import pricing as domain
from services.registration.domain.pricing import IncomeGroup, PricingError, WaitingEntry, WaitStatus

CONGRESS = load_congress()
CONFIG = load_registration(CONGRESS)
RULES = CONFIG.rules(CONGRESS.tz, CONGRESS.currency)
TOKYO = ZoneInfo("Asia/Tokyo")
EARLY = datetime(2026, 6, 1, tzinfo=UTC)
LATE = datetime(2026, 12, 15, tzinfo=UTC)


def money(amount_minor: int) -> Money:
    """As ``Deps.money``: minor units in the congress's currency."""
    return Money(amount_minor=amount_minor, currency=CONGRESS.currency)


def price(**kw: object) -> domain.Quote:
    args: dict = {"category": "member", "income_group": IncomeGroup.HIGH, "now": EARLY} | kw
    return domain.quote(RULES, **args)


def test_early_bird_ends_at_local_midnight_in_the_congress_timezone() -> None:
    last_moment = datetime(2026, 9, 30, 23, 59, 59, 999999, tzinfo=TOKYO)
    midnight = datetime(2026, 10, 1, 0, 0, tzinfo=TOKYO)
    assert price(now=last_moment).total == 52000 and price(now=last_moment).early_bird
    assert price(now=midnight).total == 62000 and not price(now=midnight).early_bird
    # 15:00 UTC on 30 September is already midnight in Tokyo.
    assert price(now=datetime(2026, 9, 30, 15, 0, tzinfo=UTC)).total == 62000


@pytest.mark.parametrize(
    ("group", "expected"),
    [
        (IncomeGroup.HIGH, 52000),
        (IncomeGroup.UPPER_MIDDLE, 39000),
        (IncomeGroup.LOWER_MIDDLE, 26000),
        (IncomeGroup.LOW, 13000),
    ],
)
def test_income_group_share_of_the_fee(group: IncomeGroup, expected: int) -> None:
    assert price(income_group=group).total == expected


def test_accompanying_persons_pay_the_same_everywhere_and_add_ons_are_not_discounted() -> None:
    assert price(category="accompanying", income_group=IncomeGroup.LOW).total == 15000
    assert price(income_group=IncomeGroup.LOW, add_ons=("dinner", "bm-data-use")).total == 13000 + 8500


def test_group_discount_from_the_minimum_size_then_codes() -> None:
    assert price(group_size=4).total == 52000
    assert price(group_size=5).total == 46800
    assert price(group_size=5, code="network10").total == 46800 - 4680
    assert price(code="SPONSOR100", add_ons=("dinner",)).total == 42000 + 8500


def test_waiver_covers_fee_and_add_ons() -> None:
    quote = price(code="KEYNOTE27", add_ons=("dinner", "ws-ece"))
    assert quote.total == 0 and quote.waived and quote.lines[-1].amount_minor == -(52000 + 8500 + 9000)


def test_code_errors_name_the_field() -> None:
    with pytest.raises(PricingError, match="only for: student") as restricted:
        price(code="VOLUNTEER27")
    assert restricted.value.field == "code"
    with pytest.raises(PricingError, match="expired"):
        price(code="SPONSOR100", now=LATE)
    with pytest.raises(PricingError, match="does not exist"):
        price(code="FREE")
    with pytest.raises(PricingError) as unknown:
        price(add_ons=("spa",))
    assert unknown.value.field == "add_ons"
    with pytest.raises(PricingError):
        price(add_ons=("dinner", "dinner"))


def test_fixed_code_never_makes_the_fee_negative() -> None:
    assert price(category="one-day", income_group=IncomeGroup.LOW, code="SPONSOR100").total == 0


def test_refund_tiers_and_fee() -> None:
    assert domain.refund_due(RULES, 62000, datetime(2026, 10, 31, 14, 59, tzinfo=UTC)) == 62000 - 2500
    assert domain.refund_due(RULES, 62000, datetime(2026, 11, 15, tzinfo=UTC)) == 31000 - 2500
    assert domain.refund_due(RULES, 62000, LATE) == 0
    assert domain.refund_due(RULES, 0, EARLY) == 0


def test_money_minor_units_and_zero_decimal_currencies() -> None:
    assert domain.to_major(42000, "EUR") == Decimal("420.00")
    assert domain.to_major(42000, "JPY") == Decimal("42000")
    assert domain.to_major(1234, "KWD") == Decimal("1.234")
    assert domain.to_minor("420.5", "EUR") == 42050 and domain.to_minor("500", "JPY") == 500
    with pytest.raises(ValueError, match="decimals"):
        domain.to_minor("1.5", "JPY")
    assert domain.percent_of(25, 50) == 13 and domain.percent_of(1001, 75) == 751


def test_income_group_table_has_provenance_and_known_countries() -> None:
    table = load_income_groups()
    assert (
        table["KE"] is IncomeGroup.LOWER_MIDDLE and table["JP"] is IncomeGroup.HIGH and table["ET"] is IncomeGroup.LOW
    )
    assert domain.income_group_for(table, "zz") is IncomeGroup.HIGH
    assert len(table) > 200


def test_config_errors_have_field_paths() -> None:
    bad = CONGRESS.model_copy(update={})
    raw = dict(CONGRESS.section("registration"))
    raw["categories"] = dict(raw["categories"]) | {"student": {"label": "S", "regular": 100, "early_bird": 200}}
    raw["codes"] = [{"code": "X1", "kind": "percent"}]
    object.__setattr__(bad, "__pydantic_extra__", {"registration": raw})
    with pytest.raises(ConfigError) as err:
        load_registration(bad)
    text = str(err.value)
    assert "registration.categories.student" in text and "early_bird (200) is more than regular" in text
    assert "registration.codes.0" in text and "needs `percent`" in text


def test_a_freed_seat_goes_to_the_first_waiting_and_lapsed_offers_expire() -> None:
    now = EARLY
    entries = [
        WaitingEntry(3, "r3", WaitStatus.WAITING),
        WaitingEntry(1, "r1", WaitStatus.OFFERED, now),
        WaitingEntry(2, "r2", WaitStatus.WAITING),
    ]
    decision = domain.on_seat_freed(entries, now)
    assert decision.offer_to is not None and decision.offer_to.registration_id == "r2"
    assert [e.registration_id for e in decision.expire] == ["r1"]
    assert domain.on_seat_freed([], now).release
    offer = WaitingEntry(4, "r4", WaitStatus.OFFERED, domain.offer_deadline(now, 48))
    assert domain.can_accept_offer(offer, now + timedelta(hours=47))
    assert not domain.can_accept_offer(offer, now + timedelta(hours=48))
    assert domain.seats_left(50, 50) == 0 and domain.seats_left(50, 12) == 38


def test_a_refund_is_spread_over_the_payments_it_came_from() -> None:
    payments = [("pi_reg", 52000), ("pi_dinner", 8500)]
    assert domain.split_refund(payments, 0, 60500) == [("pi_reg", 52000), ("pi_dinner", 8500)]
    assert domain.split_refund(payments, 0, 1000) == [("pi_reg", 1000)]
    assert domain.split_refund(payments, 51000, 2000) == [("pi_reg", 1000), ("pi_dinner", 1000)]
    assert domain.split_refund(payments, 52000, 8500) == [("pi_dinner", 8500)]
    with pytest.raises(ValueError, match="more than was paid"):
        domain.split_refund(payments, 60000, 600)


def test_add_on_lines_carry_their_code_and_a_full_one_is_dropped_by_code() -> None:
    """Two add-ons with the same label (a dinner on each night) are told apart by their code, not their text."""
    twin = domain.AddOnSpec("dinner-2", RULES.add_ons["dinner"].label, "social", 9000, 10)
    rules = replace(RULES, add_ons={**RULES.add_ons, "dinner-2": twin})
    quote = domain.quote(
        rules, category="member", income_group=IncomeGroup.HIGH, add_ons=("dinner", "dinner-2"), now=EARLY
    )
    assert quote.add_ons == ("dinner", "dinner-2") and quote.add_ons_total == 8500 + 9000
    kept = quote.without_add_ons({"dinner"})
    assert kept.add_ons == ("dinner-2",) and kept.total == quote.total - 8500
    assert [line.label for line in kept.lines if line.kind is domain.LineKind.ADD_ON] == [twin.label]


def test_a_waiver_still_waives_what_is_left_when_a_full_add_on_is_dropped() -> None:
    quote = price(code="KEYNOTE27", add_ons=("dinner", "ws-ece"))
    kept = quote.without_add_ons({"dinner"})
    assert kept.total == 0 and kept.add_ons == ("ws-ece",) and kept.lines[-1].amount_minor == -(52000 + 9000)


def test_a_quotes_lines_are_values_and_the_records_keep_their_english() -> None:
    """The domain says what each line is (no words); the records word them as they always have."""
    quote = price(income_group=IncomeGroup.LOWER_MIDDLE, group_size=5, code="NETWORK10", add_ons=("dinner",))
    kinds = [(line.kind, line.percent, line.code, line.label) for line in quote.lines]
    assert kinds == [
        (domain.LineKind.FEE, 0, None, "ICSEI member"),
        (domain.LineKind.INCOME_GROUP, 50, None, ""),
        (domain.LineKind.GROUP, 10, None, ""),
        (domain.LineKind.CODE, 0, "NETWORK10", ""),
        (domain.LineKind.ADD_ON, 0, None, "Congress dinner"),
    ]
    assert quote.lines[0].early_bird and quote.lines[1].income_group is IncomeGroup.LOWER_MIDDLE
    assert record_lines(quote.lines) == (
        ("ICSEI member registration (early bird)", 52000),
        ("Income group lower-middle (50% of the fee)", -26000),
        ("Group of 5 (10% off)", -2600),
        ("Code NETWORK10", -2340),
        ("Add-on: Congress dinner", 8500),
    )
    waived = price(code="KEYNOTE27", now=LATE)
    assert [record_text(line) for line in waived.lines] == [
        "ICSEI member registration (regular)",
        "Code KEYNOTE27 (full waiver)",
    ]


def test_an_invoice_line_keeps_the_records_english_and_carries_its_values_for_a_document_to_word() -> None:
    """The English a record keeps, and what badges needs to print the line in the invoice's language."""
    quote = price(income_group=IncomeGroup.LOWER_MIDDLE, group_size=5, code="NETWORK10", add_ons=("dinner",))
    lines = [invoice_line("Zoë Ørsted (ICSEI27-0007)", line, CONFIG, money) for line in quote.lines]
    assert [x.description for x in lines] == [
        f"Zoë Ørsted (ICSEI27-0007): {text}" for text, _ in record_lines(quote.lines)
    ]
    assert {x.delegate for x in lines} == {"Zoë Ørsted (ICSEI27-0007)"}
    fee, income, group, code, dinner = (x.charge for x in lines)
    assert fee is not None and (fee.kind, fee.label, fee.early_bird) == ("fee", "ICSEI member", True)
    assert fee.labels["fr"] == "Membre de l’ICSEI"
    assert income is not None and (income.kind, income.income_group, income.percent) == (
        "income-group",
        "lower-middle",
        50,
    )
    assert group is not None and (group.kind, group.group_size, group.percent) == ("group", 5, 10)
    assert code is not None and (code.kind, code.code) == ("code", "NETWORK10")
    assert dinner is not None and (dinner.kind, dinner.labels["de"]) == ("add-on", "Kongressdinner")
    assert [x.amount.amount_minor for x in lines] == [amount for _, amount in record_lines(quote.lines)]
    alone = invoice_line("Kwame (ICSEI27-0008)", add_on_line(RULES.add_ons["dinner"]), CONFIG, money)
    assert alone.description == "Kwame (ICSEI27-0008): Add-on: Congress dinner" and alone.amount.amount_minor == 8500
