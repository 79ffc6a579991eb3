"""The registration pages speak the delegate's language: French from Accept-Language, the switch's cookie,
errors translated beside their field, countries named in French, and the language chosen kept for the emails."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from services.common.congress import DEFAULT_CONFIG
from services.common.page_language import LANGUAGE_COOKIE
from services.registration.adapters import db
from tests.forms import token_in
from tests.integration.registration.conftest import Service, close_service, open_service, settings_for

FRENCH = {"accept-language": "fr-CH, fr;q=0.9, en;q=0.5"}


def form_fields(**over: str) -> dict[str, str]:
    base = {
        "n": "1",
        "delegates.0.given_name": "Amélie",
        "delegates.0.family_name": "Dubois",
        "delegates.0.affiliation": "Université de Genève",
        "delegates.0.country": "CH",
        "delegates.0.email": "amelie@example.org",
        "delegates.0.category": "member",
        "payment_method": "invoice",
        "invoice.institution_name": "Université de Genève",
        "invoice.institution_address": "24 rue du Général-Dufour, Genève",
        "invoice.email": "compta@example.org",
    }
    return base | over


async def test_the_form_speaks_french_to_a_french_browser(offline: Service) -> None:
    page = await offline.client.get("/", headers=FRENCH)
    assert '<html lang="fr">' in page.text
    assert "<h1>S’inscrire</h1>" in page.text and "Pays de l’établissement" in page.text
    assert '<option value="DE">Allemagne</option>' in page.text  # a list of names, not a code to type
    assert '<option value="fr" selected>Français</option>' in page.text  # emails in the page's language by default
    assert "aria-current" in page.text and 'href="/language?lang=de&amp;next=%2F"' in page.text
    english = await offline.client.get("/", headers={"accept-language": "ja, en;q=0.5"})
    assert '<html lang="en">' in english.text and "<h1>Register</h1>" in english.text
    assert '<option value="DE">Germany</option>' in english.text


async def test_the_switch_changes_the_language_and_keeps_it(offline: Service) -> None:
    client = offline.client
    went = await client.get("/language", params={"lang": "de", "next": "/group?n=3"}, headers=FRENCH)
    assert went.status_code == 303 and went.headers["location"] == "/group?n=3"
    assert client.cookies.get(LANGUAGE_COOKIE) == "de"
    page = await client.get("/group?n=3", headers=FRENCH)  # the cookie wins over the browser
    assert '<html lang="de">' in page.text and "Eine Gruppe anmelden" in page.text
    assert '<option value="FR">Frankreich</option>' in page.text


async def test_errors_are_shown_in_french_and_an_unknown_country_is_refused(offline: Service) -> None:
    client = offline.client
    token = token_in((await client.get("/", headers=FRENCH)).text)
    fields = form_fields(**{"delegates.0.given_name": "", "delegates.0.country": "QQ", "csrf_token": token})
    page = await client.post("/register", data=fields, headers=FRENCH)
    assert page.status_code == 422
    assert re.search(r'id="delegates-0-given_name-error">Veuillez remplir ce champ\.<', page.text)
    assert re.search(r'id="delegates-0-country-error">Choisissez le pays dans la liste\.<', page.text)
    assert "Veuillez corriger les champs signalés ci-dessous." in page.text


async def test_a_french_registration_keeps_french_for_the_emails(offline: Service) -> None:
    client = offline.client
    token = token_in((await client.get("/", headers=FRENCH)).text)
    fields = form_fields(**{"delegates.0.language": "fr", "csrf_token": token})
    review = await client.post("/register", data=fields | {"action": "review"}, headers=FRENCH)
    assert review.status_code == 200 and "Vérifier le prix" in review.text
    assert re.search(r'id="total">[\d\u202f\u00a0 ]+,\d\d\s€<', review.text), review.text[-1500:]
    done = await client.post("/register", data=fields | {"action": "confirm"}, headers=FRENCH)
    assert done.status_code == 303
    status = await client.get(done.headers["location"], headers=FRENCH)
    assert "Votre inscription" in status.text and "paiement sur facture attendu" in status.text
    async with offline.runtime.sessionmaker() as session:
        rows = (await session.execute(db.registrations.select())).mappings().all()
    assert [(r["country"], r["language"]) for r in rows] == [("CH", "fr")]


async def test_a_refusal_of_the_commands_is_french_beside_its_field(offline: Service) -> None:
    client = offline.client
    token = token_in((await client.get("/group?n=2", headers=FRENCH)).text)
    second = {
        "delegates.1.given_name": "Jules",
        "delegates.1.family_name": "Martin",
        "delegates.1.affiliation": "Université de Genève",
        "delegates.1.country": "CH",
        "delegates.1.email": "AMELIE@example.org",  # the same address as the first, in other letters
        "delegates.1.category": "member",
    }
    fields = form_fields(n="2", csrf_token=token, action="confirm") | second
    page = await client.post("/register", data=fields, headers=FRENCH)
    assert page.status_code == 422
    said = re.search(r'id="delegates-1-email-error">([^<]+)<', page.text)
    assert said and said.group(1) == "Chaque participant a besoin de sa propre adresse e-mail."


async def test_the_privacy_notice_is_shown_in_the_page_language_when_it_is_written_in_it(
    db_url: str, stripe_mock_url: str, tmp_path: Path
) -> None:
    doc = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    doc["privacy"]["notices"][-1]["text"]["fr"] = "Le secrétariat utilise vos données pour le congrès."
    config = tmp_path / "congress.yaml"
    config.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    service = await open_service(settings_for(db_url, stripe_mock_url, config), kafka=False)
    try:
        form = await service.client.get("/", headers=FRENCH)
        assert '<div lang="fr" style="white-space:pre-line">Le secrétariat utilise' in form.text
        notice = await service.client.get("/privacy", headers=FRENCH)
        assert "Le secrétariat utilise vos données" in notice.text
        german = await service.client.get("/privacy", headers={"accept-language": "de"})  # none in German
        assert "The ICSEI Congress Secretariat uses" in german.text
    finally:
        await close_service(service, kafka=False)


async def test_the_price_lines_speak_spanish_with_spanish_amounts(offline: Service) -> None:
    """The price check's lines are the domain's values said in Spanish, amounts and percentages the Spanish way."""
    spanish = {"accept-language": "es-ES,es;q=0.9"}
    client = offline.client
    token = token_in((await client.get("/", headers=spanish)).text)
    fields = form_fields(**{"delegates.0.country": "IN", "csrf_token": token, "action": "review"})
    fields |= {"delegates.0.add_ons": "dinner", "delegates.0.code": "NETWORK10"}
    review = await client.post("/register", data=fields, headers=spanish)
    assert review.status_code == 200, review.text[-1500:]
    rows = re.findall(r'<tr data-kind="([\w-]+)"><td>([^<]+)</td><td class="amount">([^<]+)</td></tr>', review.text)
    said = {kind: (words, amount) for kind, words, amount in rows}
    assert said["fee"][0].startswith("Inscripción: Miembro de ICSEI (tarifa ")  # the congress file's `labels`
    assert said["income-group"][0] == "País de ingreso mediano bajo (50\u00a0% de la cuota)"
    assert said["code"][0] == "Código NETWORK10" and said["add-on"][0] == "Complemento: Cena del congreso"
    assert all(re.fullmatch(r"-?[\d.]+,\d\d\u00a0€", amount) for _w, amount in said.values()), said
    assert said["add-on"][1] == "85,00\u00a0€" and said["income-group"][1].startswith("-")
    assert "registration (" not in review.text and "Income group" not in review.text
    form = await client.get("/", headers=spanish)
    assert ">Miembro de ICSEI — " in form.text and "Cena del congreso — 85,00\u00a0€" in form.text
    english = await client.get("/", headers={"accept-language": "en"})
    assert ">ICSEI member — " in english.text and "Congress dinner — €85.00" in english.text


async def test_a_hidden_character_is_refused_in_french_naming_it(offline: Service) -> None:
    client = offline.client
    token = token_in((await client.get("/", headers=FRENCH)).text)
    fields = form_fields(**{"delegates.0.family_name": "Du\x07bois", "csrf_token": token, "action": "review"})
    page = await client.post("/register", data=fields, headers=FRENCH)
    assert page.status_code == 422
    said = re.search(r'id="delegates-0-family_name-error">([^<]+)<', page.text)
    assert said and said.group(1) == (
        "Ceci contient un caractère de contrôle invisible (U+0007 BELL). Veuillez le ressaisir sans lui."
    )
