"""CSV formula neutralisation and the organiser sign-in check."""

from __future__ import annotations

from pydantic import SecretStr

from services.common.auth import hash_password
from services.common.congress import load_congress
from services.common.organiser_login import check_organiser
from services.common.text import csv_cell


def test_spreadsheet_formulas_are_neutralised() -> None:
    for evil in ('=HYPERLINK("x")', "+1", "-1+2", "@SUM(A1)"):
        assert csv_cell(evil) == "'" + evil
    assert csv_cell("\tx") == "x" and csv_cell("\r=x") == "'=x"  # the hidden start is gone, the formula quoted
    assert csv_cell("田中") == "田中" and csv_cell(None) == "" and csv_cell(["dinner", "ws-ece"]) == "dinner ws-ece"


def test_organiser_sign_in_by_hash_or_demo_password() -> None:
    congress = load_congress()
    email = str(congress.organisers[0].email)
    assert check_organiser(congress.organisers, email.upper(), "demo", SecretStr("demo")) == email
    assert check_organiser(congress.organisers, email, "wrong", SecretStr("demo")) is None
    assert check_organiser(congress.organisers, email, "demo", None) is None
    assert check_organiser(congress.organisers, "someone@else.org", "demo", SecretStr("demo")) is None
    hashed = congress.model_copy(
        update={"organisers": (congress.organisers[0].model_copy(update={"password_hash": hash_password("s3cret")}),)}
    )
    assert check_organiser(hashed.organisers, email, "s3cret", None) == email
    assert check_organiser(hashed.organisers, email, "demo", SecretStr("demo")) is None
