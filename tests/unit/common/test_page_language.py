"""The delegate pages' language: Accept-Language negotiation, the switch's cookie, the country names (CLDR)."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.common.countries import country_names, is_country
from services.common.page_language import (
    LANGUAGE_COOKIE,
    accepted,
    language_router,
    negotiate,
    safe_next,
)


def test_accept_language_ranges_are_ordered_by_quality_and_q0_refuses() -> None:
    assert accepted("de;q=0.5, fr-CH, en;q=0.8, es;q=0") == ["fr-ch", "en", "de"]
    assert accepted("da, en-gb;q=0.8, en;q=0.7") == ["da", "en-gb", "en"]
    assert accepted("fr;q=bad, de") == ["de"]


@pytest.mark.parametrize(
    ("header", "cookie", "expected"),
    [
        ("fr-CH, fr;q=0.9, en;q=0.8", None, "fr"),
        ("ja, es-419;q=0.9, de;q=0.5", None, "es"),
        ("de-AT", None, "de"),
        ("ja, zh", None, "en"),  # nothing offered: English
        ("", None, "en"),
        (None, None, "en"),
        ("fr, en;q=0.5", "de", "de"),  # the switch's cookie wins
        ("fr", "xx", "fr"),  # a cookie naming no shipped language is ignored
        ("fr;q=0, de;q=0.1", None, "de"),
        ("*", None, "en"),
    ],
)
def test_negotiate(header: str | None, cookie: str | None, expected: str) -> None:
    assert negotiate(header, cookie) == expected


def test_a_huge_header_is_read_only_so_far() -> None:
    assert negotiate("x-" + "a" * 10_000 + ", fr") == "en"
    assert negotiate(",".join(["zz"] * 50 + ["fr"])) == "en"


def test_the_switch_sets_the_cookie_and_goes_back_only_within_the_site() -> None:
    app = FastAPI()
    app.include_router(language_router())
    client = TestClient(app, follow_redirects=False)
    went = client.get("/language", params={"lang": "fr", "next": "/group?n=5"})
    assert went.status_code == 303 and went.headers["location"] == "/group?n=5"
    assert f"{LANGUAGE_COOKIE}=fr" in went.headers["set-cookie"]
    assert "httponly" in went.headers["set-cookie"].lower()
    refused = client.get("/language", params={"lang": "xx", "next": "https://evil.example/"})
    assert refused.headers["location"] == "/" and "set-cookie" not in refused.headers
    for target in ("//evil.example/", "/\\evil.example", "javascript:alert(1)", "/a\r\nSet-Cookie: x=1"):
        assert safe_next(target) == "/"


def test_country_names_follow_the_page_language() -> None:
    french = dict(country_names("fr"))
    assert french["DE"] == "Allemagne" and french["CI"] == "Côte d’Ivoire"
    assert dict(country_names("de"))["FR"] == "Frankreich"
    assert dict(country_names("es"))["DE"] == "Alemania"
    names = [name for _code, name in country_names("fr")]
    assert names.index("Égypte") < names.index("Espagne") < names.index("États-Unis")  # accents sort with their letter
    assert "EU" not in french and "ZZ" not in french and "IC" not in french
    assert dict(country_names("not a language"))["DE"] == "Germany"


def test_only_countries_are_countries() -> None:
    assert is_country("KE") and is_country("XK")
    assert not is_country("EU") and not is_country("QQ") and not is_country("ke")
