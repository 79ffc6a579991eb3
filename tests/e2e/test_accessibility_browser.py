"""axe-core against every page in ``tests/e2e/pages.py``, service by service, in Chromium: no serious or
critical violation on any public or organiser page (signed in as the demo organiser)."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Page, async_playwright

from services.common.auth import ORGANISER_COOKIE, organiser_token
from tests.e2e.audited_services import DELEGATE_SIGN_IN, ORGANISER_EMAIL, SERVICES, Place
from tests.e2e.axe import axe_source, blocking_violations
from tests.e2e.chromium import launch
from tests.e2e.pages import PAGES
from tests.integration.abstracts.conftest import SECRET


def test_every_service_with_pages_is_audited() -> None:
    assert set(PAGES) == set(SERVICES)


@pytest.mark.browser
@pytest.mark.parametrize("service", sorted(PAGES))
async def test_no_serious_accessibility_violation(
    service: str, tmp_path: Path, congress_home: Path, kafka_bootstrap: str, topic_prefix: str, stripe_mock_url: str
) -> None:
    source = axe_source()
    failures: dict[str, list[str]] = {}
    async with (
        SERVICES[service](Place(tmp_path, kafka_bootstrap, topic_prefix, stripe_mock_url)) as (base, values),
        async_playwright() as p,
    ):
        browser = await launch(p)
        visitor = await browser.new_context()
        organiser = await browser.new_context()
        token = organiser_token(SECRET, ORGANISER_EMAIL)
        await organiser.add_cookies([{"name": ORGANISER_COOKIE, "value": token, "url": base}])
        contexts = {"anyone": visitor, "organiser": organiser, "delegate": await browser.new_context()}
        if DELEGATE_SIGN_IN in values:
            signing_in = await contexts["delegate"].new_page()
            await signing_in.goto(base + values[DELEGATE_SIGN_IN])
            await signing_in.locator('form[action="/me/sign-in"] [type=submit]').click()
            await signing_in.wait_for_url(f"{base}/me")
            await signing_in.close()
        for page_spec in PAGES[service]:
            url = base + page_spec.path.format(**values)
            page = await contexts[page_spec.who].new_page()
            answer = await page.goto(url)
            assert answer is not None and answer.status == 200, f"{url}: {answer and answer.status}"
            landing = base + page_spec.lands if page_spec.lands else url.split("?")[0]
            assert page.url.startswith(landing), f"{url}: sent to {page.url} (not signed in?)"
            if page_spec.mistake:
                await send_unfilled(page, page_spec.mistake)
            if found := await blocking_violations(page, source):
                failures[page_spec.path] = found
            await page.close()
        await browser.close()
    assert failures == {}, "\n".join(f"{path}:\n  " + "\n  ".join(v) for path, v in failures.items())


async def send_unfilled(page: Page, form: str) -> None:
    """Send the form as it stands (its required fields empty): the page comes back with its errors shown."""
    async with page.expect_navigation() as navigation:
        await page.locator(f"{form} [type=submit]").last.click()
    answer = await navigation.value
    assert answer is not None and answer.status == 422, f"{form}: {answer and answer.status}"
    assert await page.locator('[role="alert"], .error-summary, [aria-invalid="true"]').count() > 0, page.url
