"""The call for papers and the public programme speak the author's language: French from Accept-Language
(or the switch's cookie), country names in French, the domain's messages translated beside their field,
the programme's days and headings in French; the organisers' pages stay English."""

from __future__ import annotations

import html
import json
import re

from tests.forms import token_in
from tests.integration.abstracts.conftest import ORGANISER, TEXT, Service, abstract, author, submit, symposium_fields
from tests.integration.abstracts.programme_data import accept_abstracts

FRENCH = {"accept-language": "fr-FR,fr;q=0.9"}


async def test_the_submission_form_speaks_french(offline: Service) -> None:
    page = await offline.client.get("/submit", headers=FRENCH)
    assert '<html lang="fr">' in page.text and "<h1>Déposer un résumé</h1>" in page.text
    assert '<option value="DE">Allemagne</option>' in page.text and "Pays de l’établissement" in page.text
    wording = re.search(r'data-wording="([^"]+)"', page.text)
    assert (
        wording and json.loads(html.unescape(wording.group(1)))["added"] == "Auteur %(number)s ajouté."
    )  # the script's
    fields = {"rows": "1", "format": "", "network": "", "title": "", "text": "", "csrf_token": token_in(page.text)}
    refused = await offline.client.post("/submit", data=fields | {"action": "submit"}, headers=FRENCH)
    assert refused.status_code == 422
    assert "Veuillez donner un titre à votre résumé." in refused.text
    assert "Veuillez corriger les champs signalés ci-dessous." in refused.text
    german = await offline.client.get("/submit", headers={"accept-language": "de"})
    assert "Ein Abstract einreichen" in german.text and '<option value="FR">Frankreich</option>' in german.text


async def test_the_switch_and_the_programme_in_french(offline: Service) -> None:
    client = offline.client
    went = await client.get("/language", params={"lang": "fr", "next": "/programme"})
    assert went.status_code == 303 and went.headers["location"] == "/programme"
    before = await client.get("/programme")
    assert "Le programme n’est pas encore publié." in before.text
    await accept_abstracts(offline)
    await client.post("/organiser/programme/generate", headers=ORGANISER)
    organiser = await client.get("/organiser/programme", headers=ORGANISER)
    assert '<html lang="en">' in organiser.text and 'class="languages"' not in organiser.text  # stays English
    await client.post("/organiser/programme/publish", headers=ORGANISER)
    after = await client.get("/programme")
    assert "Heures locales de" in after.text
    words = re.search(r'id="now-next"[^>]* data-wording="([^"]+)"', after.text)  # the now-and-next script's words
    assert words and json.loads(html.unescape(words.group(1))) == {
        "now": "En cours : %(session)s (%(time)s)",
        "next": "Ensuite : %(session)s (%(time)s)",
    }
    kinds = set(re.findall(r"</strong> · ([^·<]+?)(?: · |<br>)", after.text))
    assert kinds and kinds <= {"Communication", "Symposium", "Poster", "Atelier", "Table ronde"}, kinds
    assert re.search(
        r'<h2 id="day-[\d-]+">(lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche) \d+ janvier 2027</h2>', after.text
    )


async def test_the_symposium_section_speaks_french(offline: Service) -> None:
    page = await offline.client.get("/submit", headers=FRENCH)
    assert "<legend>Symposium : président de séance, discutant et communications</legend>" in page.text
    assert "Président de séance : prénom" in page.text and "Titre de la communication 2" in page.text
    assert "<legend>Communication 4 (facultative)</legend>" in page.text and "Présente la communication 1" in page.text
    fields = {
        "rows": "1",
        "format": "symposium",
        "network": "",
        "title": "",
        "text": "",
        "csrf_token": token_in(page.text),
    }
    chair = {"symposium.chair.email": "chair@example.org", "symposium.papers.0.text": "un deux trois"}
    refused = await offline.client.post("/submit", data=fields | chair | {"action": "submit"}, headers=FRENCH)
    assert refused.status_code == 422
    assert "Président de séance, prénom: Veuillez indiquer le prénom du président de séance." in refused.text
    assert '<a href="#symposium-papers-0-text">Communication 1, ' in refused.text  # the summary names it in French


async def test_a_symposiums_counted_messages_follow_the_languages_plural(offline: Service) -> None:
    """The messages with a number in them are said in the page's language, plural by its rule, numbers its way."""
    page = await offline.client.get("/submit", headers=FRENCH)
    fields = {"rows": "1", "format": "symposium", "network": "", "title": "", "text": "", "action": "submit"}
    one_paper = {"symposium.chair.email": "chair@example.org", "symposium.papers.0.text": "un deux trois"}
    fields |= one_paper | {"csrf_token": token_in(page.text)}
    french = await offline.client.post("/submit", data=fields, headers=FRENCH)
    assert "Un symposium compte 3 ou 4 communications ; vous en avez donné 1." in french.text
    assert re.search(
        r"Un résumé au format « communication » demande au moins \d+ mots ; celui-ci en a 3\.", french.text
    )
    assert "you gave" not in french.text and "this one has" not in french.text
    german = {"accept-language": "de"}
    refused = await offline.client.post("/submit", data=fields, headers=german)
    assert "Ein Symposium hat 3 oder 4 Beiträge; Sie haben 1 Beitrag angegeben." in refused.text
    two = fields | {"symposium.papers.1.title": "Zweiter Beitrag"}
    refused = await offline.client.post("/submit", data=two, headers=german)
    assert "Sie haben 2 Beiträge angegeben." in refused.text
    options = re.findall(
        r'<option value="(\w+)"[^>]*>([^<]+)</option>', (await offline.client.get("/submit", headers=german)).text
    )
    assert ("roundtable", "Rundtischgespräch") in options and ("paper", "Beitrag") in options  # the formats' names


async def test_a_decided_symposium_names_its_chair_and_discussant_in_french(offline: Service) -> None:
    fields = symposium_fields({**author(1), "presenting": True}, tag="fr")
    done = await submit(
        offline, **abstract(format="symposium", text=" ".join([TEXT] * 3), authors=[], symposium=fields)
    )
    decided = await offline.client.post(
        f"/api/organiser/abstracts/{done['abstract_id']}/decision", json={"decision": "accepted"}, headers=ORGANISER
    )
    assert decided.status_code == 200
    page = await offline.client.get(f"/abstracts/{done['abstract_id']}", params={"t": done["token"]}, headers=FRENCH)
    assert "Présidence : Chidi fr · Discutant·e : Dana fr" in page.text and "Chair:" not in page.text
