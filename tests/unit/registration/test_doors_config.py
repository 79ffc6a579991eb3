"""Issue 12's settings: invoice holds in the congress file, rate limits in the service settings, the limiter."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.common.congress import ConfigError, Congress, load_congress
from services.registration.config import RegistrationSettings, load_registration
from services.registration.web.rate_limits import Door, RateLimits, TooManyRequests

CONGRESS = load_congress()


def with_registration(**changes: object) -> Congress:
    congress = CONGRESS.model_copy(update={})
    object.__setattr__(
        congress, "__pydantic_extra__", {"registration": dict(CONGRESS.section("registration")) | changes}
    )
    return congress


def test_the_example_congress_holds_unpaid_invoices_and_reminds_before() -> None:
    config = load_registration(CONGRESS)
    assert (config.invoice_hold_days, config.invoice_reminder_days) == (45, 7)


def test_an_invoice_hold_shorter_than_the_payment_term_or_its_reminder_is_refused() -> None:
    with pytest.raises(ConfigError) as err:
        load_registration(with_registration(invoice_hold_days=20, invoice_due_days=30))
    assert "invoice_hold_days (20) is shorter than the payment term" in str(err.value)
    with pytest.raises(ConfigError) as err:
        load_registration(with_registration(invoice_hold_days=30, invoice_reminder_days=30))
    assert "invoice_reminder_days must be fewer than invoice_hold_days" in str(err.value)


def test_rate_limits_are_on_by_default_and_a_limit_that_does_not_parse_is_refused() -> None:
    settings = RegistrationSettings()
    assert settings.rate_limits and settings.rate_limit_per_client == "60/minute;600/hour"
    with pytest.raises(ValidationError, match="couldn't parse rate limit string"):
        RegistrationSettings(rate_limit_per_address="often")


async def test_an_address_is_counted_trimmed_and_lower_cased_and_the_wait_is_told() -> None:
    doors = RateLimits("100/minute", "2/minute")
    await doors.check(Door.QUOTE, "10.0.0.1", ["Ana@Example.org"])
    await doors.check(Door.QUOTE, "10.0.0.2", [" ana@example.org "])
    with pytest.raises(TooManyRequests) as over:
        await doors.check(Door.QUOTE, "10.0.0.3", ["ANA@example.org"])
    assert 1 <= over.value.retry_after <= 60 and "try again in" in str(over.value)
    await doors.check(Door.REGISTER, "10.0.0.3", ["ana@example.org"])  # each door counts on its own


async def test_limits_turned_off_count_nothing() -> None:
    doors = RateLimits("1/minute", "1/minute", enabled=False)
    for _ in range(5):
        await doors.check(Door.REGISTER, "10.0.0.1", ["a@example.org"])
