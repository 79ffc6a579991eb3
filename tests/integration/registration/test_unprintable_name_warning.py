"""Issue 17 at registration: the review page warns when no installed font has a character of a name, and says
how to give the form the badge should print ("Name on the badge"); a name every font prints gets no warning."""

from __future__ import annotations

from tests.forms import submit
from tests.integration.registration.conftest import Service, delegate

TANGSA = "\U00016a70\U00016a71"
"""Tangsa letters: Debian has no font for them."""


async def review(service: Service, **fields: str) -> str:
    form = {"n": "1", "action": "review", "payment_method": "card"} | {
        f"delegates.0.{k}": v for k, v in delegate(**fields).items()
    }
    answer = await submit(service.client, "/", "/register", form)
    assert answer.status_code == 200, answer.text
    return answer.text


async def test_the_review_page_warns_of_a_name_no_font_prints(offline: Service) -> None:
    page = await review(offline, family_name=f"{TANGSA} Wang")
    assert 'role="alert"' in page and "U+16A70 TANGSA LETTER OZ" in page and "Name on the badge" in page


async def test_a_printable_badge_name_or_any_script_with_a_font_gets_no_warning(offline: Service) -> None:
    assert 'role="alert"' not in await review(offline, family_name=f"{TANGSA} Wang", badge_name="Nyan Wang")
    assert 'role="alert"' not in await review(offline, given_name="សុខ", family_name="ශ්‍රියානි 🏫")
