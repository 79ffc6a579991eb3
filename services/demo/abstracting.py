"""The call for papers, played through the abstracts service's JSON API.

Authors from the demo's countries submit papers, posters, symposia, workshops and
roundtables to the congress's networks; a few revise through their edit link and one
withdraws. The organiser adds three reviewers per network; each fills a profile (keywords
they know, an abstract of their own) and bids on their network's abstracts (eager where a
keyword is theirs, not willing where none is) through their link; the organiser assigns
(by affinity: profile, bids and conflicts; the service keeps authors' own institutions away
from their abstracts), the reviewers score on the rubric through their portal links, and
the organiser stages decisions from the mean scores — accepted as asked, accepted as a
poster, or rejected — and releases them together (each author hears once), then generates
the programme (sessions in rooms and days), names a few sessions' chairs with an email (``session_chairs.py``) and
publishes it. The presenting authors of accepted abstracts then register among the delegates, so their badges carry
the presenter ribbon; an accepted symposium's chair and discussant too (``symposia.py``: the first abstracts are
symposia, each with a chair, a discussant and 3-4 papers), and the sessions' chairs the chair's.
"""

from __future__ import annotations

import functools
import logging
import random
from dataclasses import dataclass
from typing import Any

from services.demo.client import Failed, Http, Tally, local_path
from services.demo.people import PeopleFactory, Person
from services.demo.session_chairs import name_chairs
from services.demo.symposia import symposium_fields

log = logging.getLogger("congress.demo")

FORMATS = ("paper", "poster", "symposium", "workshop", "roundtable")
FORMAT_WEIGHTS = (60, 22, 7, 6, 5)
FIRST_SYMPOSIA = 3
"""The call opens with this many symposia, so every demo has some."""
THEMES = (
    "data use by teacher teams",
    "school leadership for equity",
    "professional learning networks",
    "early childhood transitions",
    "formative assessment in mathematics",
    "collaborative inquiry in rural schools",
    "system-level improvement strategies",
    "student voice in school self-evaluation",
    "teacher induction and retention",
    "inclusive classrooms after the pandemic",
)
KINDS = ("A mixed-methods study of", "Lessons from a network on", "A longitudinal view of", "Rethinking")
SENTENCES = (
    "Schools across the region have been asked to use evidence more systematically when they plan improvement.",
    "We followed twelve schools over three years and collected interviews, observations and survey data.",
    "Teacher teams met monthly to analyse student work and to agree on one change to try in their classrooms.",
    "The analysis combined multilevel models of attainment with a thematic reading of the team conversations.",
    "Leaders who protected time for collaboration saw the largest gains in the quality of the discussions.",
    "The effects were strongest for students who had been furthest behind at the start of the study.",
    "Several schools struggled when key staff left, which shows how fragile such routines can be.",
    "We discuss what the findings mean for districts that want to scale up collaborative inquiry.",
    "The paper also reflects on the partnership between researchers and practitioners that made the work possible.",
    "Participants will be invited to compare the findings with the improvement approaches in their own systems.",
    "Our design drew on improvement science and on earlier work on school effectiveness in diverse contexts.",
    "We close with implications for policy, for initial teacher education and for further research.",
)
MAIL_LANGUAGES = ("en", "fr", "es", "de")
"""The languages notify writes in; a reviewer from elsewhere reads English."""
KEYWORDS = ("data use", "leadership", "equity", "collaboration", "assessment", "networks", "policy", "inclusion")
COMMENTS = (
    "A clear and relevant contribution; please say more about the sample in the presentation.",
    "Interesting design. The link to the network's theme could be made more explicit.",
    "The methods section is thin for the claims made; consider presenting this as work in progress.",
    "Well written and timely. The practical implications will interest many delegates.",
)


@dataclass(frozen=True)
class Submitted:
    abstract_id: str
    reference: str
    edit_link: str
    format: str


def abstract_text(rng: random.Random, min_words: int) -> str:
    """Sentences from the bank until the text has at least ``min_words`` + a margin, in paragraphs."""
    sentences: list[str] = []
    while sum(len(s.split()) for s in sentences) < min_words + 20:
        sentences.append(rng.choice(SENTENCES))
    half = len(sentences) // 2
    return " ".join(sentences[:half]) + "\n\n" + " ".join(sentences[half:])


class CallForPapers:
    """One call for papers; ``section`` is the congress configuration's ``abstracts:`` section."""

    def __init__(self, http: Http, tally: Tally, section: dict[str, Any], seed: int) -> None:
        self.http = http
        self.tally = tally
        self.rng = random.Random(seed * 17 + 3)
        self.people = PeopleFactory(seed * 7 + 1, tag=f"cfp{seed}")
        self.networks = [str(n["code"]) for n in section.get("networks", [])]
        self.limits = {k: int(v.get("min_words", 0)) for k, v in section.get("word_limits", {}).items()}
        self.rubric = {str(c["code"]): tuple(c.get("formats") or ()) for c in section.get("rubric", [])}
        """Criterion code → the formats scored on it (none: every format)."""
        self.presenters: dict[str, list[Person]] = {}
        """Who presents each submitted abstract (a symposium: its papers' presenters, chair and discussant)."""
        self.accepted: list[str] = []
        self.chairs: list[Person] = []
        """The sessions' chairs the organiser named with an email (``session_chairs.py``)."""

    def _abstract(self, number: int) -> tuple[dict[str, Any], list[Person]]:
        fmt = "symposium" if number < FIRST_SYMPOSIA else self.rng.choices(FORMATS, FORMAT_WEIGHTS)[0]
        first = self.people.person()
        authors = [first] + [
            self.people.person(first.country if self.rng.random() < 0.6 else None)
            for _ in range(self.rng.choice((0, 1, 1, 2, 3)))
        ]
        body = {
            "format": fmt,
            "network": self.rng.choice(self.networks),
            "title": f"{self.rng.choice(KINDS)} {self.rng.choice(THEMES)}",
            "text": abstract_text(self.rng, self.limits.get(fmt, 100)),
            "keywords": self.rng.sample(KEYWORDS, 3),
            "language": "en",
            "authors": [
                {
                    "given_name": p.given_name,
                    "family_name": p.family_name,
                    "email": p.email,
                    "affiliation": p.affiliation,
                    "country": p.country,
                    "presenting": i == 0,
                }
                for i, p in enumerate(authors)
            ],
            "submitter_email": first.email,
        }
        if fmt != "symposium":
            return body, [first]
        paper_text = functools.partial(abstract_text, self.rng, self.limits.get("paper", 100))
        papers, taking_part = symposium_fields(self.rng, self.people, paper_text, first)
        return body | {"authors": [], "symposium": papers}, taking_part

    async def submit(self, count: int) -> list[Submitted]:
        done: list[Submitted] = []
        for number in range(count):
            body, presenter = self._abstract(number)
            try:
                answer = (await self.http.call("POST", "/api/abstracts", json=body, what="submit abstract")).json()
            except Failed:
                continue
            self.presenters[answer["abstract_id"]] = presenter
            done.append(Submitted(answer["abstract_id"], answer["reference"], answer["edit_link"], body["format"]))
            self.tally.add("abstracts submitted")
            if self.rng.random() < 0.15:  # the authors polish the text before the deadline
                body["title"] += " (revised)"
                token = answer["edit_link"].rsplit("?t=", 1)[1]
                if await self._quietly("PUT", f"/api/abstracts/{answer['abstract_id']}?t={token}", json=body):
                    self.tally.add("abstracts revised")
        if done:
            withdrawn = done.pop(self.rng.randrange(len(done)))
            token = withdrawn.edit_link.rsplit("?t=", 1)[1]
            if await self._quietly(
                "POST", f"/api/abstracts/{withdrawn.abstract_id}/withdraw?t={token}", json={"reason": "cannot travel"}
            ):
                self.tally.add("abstracts withdrawn")
        return done

    async def review_round(self, per_network: int = 3) -> None:
        """Reviewers for every network, assignment, every reviewer scores what they were given."""
        tokens: list[str] = []
        for network in self.networks:
            for _ in range(per_network):
                person = self.people.person()
                body = {
                    "name": f"{person.given_name} {person.family_name}",
                    "email": person.email.replace("@", ".reviewer@", 1),
                    "affiliation": person.affiliation,
                    "networks": [network],
                    "language": person.language if person.language in MAIL_LANGUAGES else "en",
                }
                try:
                    answer = await self.http.call("POST", "/api/organiser/reviewers", json=body, what="add reviewer")
                except Failed:
                    continue
                tokens.append(local_path(answer.json()["portal_link"]).rstrip("/").rsplit("/", 1)[1])
        for token in tokens:
            await self._profile_and_bids(token)
        try:
            plan = (await self.http.call("POST", "/api/organiser/assign", what="assign reviewers")).json()
        except Failed:
            return
        self.tally.add("reviewer assignments", len(plan["assigned"]))
        for token in tokens:
            await self._review_all(token)

    async def _profile_and_bids(self, token: str) -> None:
        """The reviewer says what they know and bids: eager where the abstract shares a keyword of theirs (at most
        four), not willing where it shares none (one), nothing elsewhere."""
        known = self.rng.sample(KEYWORDS, 2)
        own = f"{self.rng.choice(KINDS)} {self.rng.choice(THEMES)}: {' '.join(self.rng.sample(SENTENCES, 2))}"
        body = {"keywords": known, "own_abstracts": [own]}
        if await self._quietly("PUT", f"/api/review/{token}/profile", json=body):
            self.tally.add("reviewer profiles")
        try:
            listed = (await self.http.call("GET", f"/api/review/{token}/bids", what="abstracts to bid on")).json()
        except Failed:
            return
        bids: dict[str, str] = {}
        for item in listed["abstracts"]:
            shared = set(item["keywords"]) & set(known)
            if shared and sum(b == "eager" for b in bids.values()) < 4:
                bids[item["abstract_id"]] = "eager"
            elif not shared and "not_willing" not in bids.values():
                bids[item["abstract_id"]] = "not_willing"
        if bids and await self._quietly("PUT", f"/api/review/{token}/bids", json={"bids": bids}):
            self.tally.add("bids", len(bids))

    async def _review_all(self, token: str) -> None:
        try:
            portal = (await self.http.call("GET", f"/api/review/{token}", what="reviewer portal")).json()
        except Failed:
            return
        for item in portal["abstracts"]:
            base = self.rng.choice((2, 3, 4, 4, 4, 5, 5))
            codes = [code for code, formats in self.rubric.items() if not formats or item["format"] in formats]
            scores = {code: max(1, min(5, base + self.rng.choice((-1, 0, 0, 1)))) for code in codes}
            mean = sum(scores.values()) / max(1, len(scores))
            advice = "accept" if mean >= 3.5 else "accept_as_poster" if mean >= 2.75 else "reject"
            body = {"scores": scores, "recommendation": advice, "comments_to_authors": self.rng.choice(COMMENTS)}
            if await self._quietly("POST", f"/api/review/{token}/{item['abstract_id']}", json=body):
                self.tally.add("reviews")

    async def decide(self) -> None:
        """Stage a decision per reviewed abstract from its mean score, then release them all at once."""
        try:
            rows = (await self.http.call("GET", "/api/organiser/abstracts", what="abstracts table")).json()
        except Failed:
            return
        groups: dict[tuple[str, str | None], list[str]] = {}
        for row in rows:
            if row["status"] != "submitted" or row["mean_score"] is None:
                continue
            mean = float(row["mean_score"])
            # sound but not a paper: a poster (accepted as asked if it was one)
            intent = ("accept", None) if mean >= 3.4 else ("accept", "poster") if mean >= 2.6 else ("reject", None)
            groups.setdefault(intent, []).append(row["abstract_id"])
        staged: dict[str, list[str]] = {}
        for (choice, fmt), ids in groups.items():
            body = {"choice": choice, "format": fmt, "abstract_ids": ids}
            if await self._quietly("POST", "/api/organiser/decisions/stage", json=body):
                staged.setdefault(choice, []).extend(ids)
        if not staged:
            return
        try:
            released = (
                await self.http.call("POST", "/api/organiser/decisions/release", json={}, what="release")
            ).json()
        except Failed:
            return
        self.tally.add("decision letters", int(released["letters"]))
        self.tally.add("abstracts accepted", len(staged.get("accept", [])))
        self.tally.add("abstracts rejected", len(staged.get("reject", [])))
        self.accepted.extend(staged.get("accept", []))

    async def publish_programme(self) -> None:
        """The organiser generates the programme from the accepted abstracts, names a few sessions' chairs with an
        email, and publishes it."""
        try:
            draft = (
                await self.http.call("POST", "/api/organiser/programme/generate", what="generate programme")
            ).json()
            self.chairs = await name_chairs(self.http, self.tally, self.people, MAIL_LANGUAGES)
            published = (await self.http.call("POST", "/api/organiser/programme/publish", what="publish")).json()
        except Failed:
            return
        self.tally.add("sessions published", int(published.get("sessions", len(draft["sessions"]))))
        if draft["unplaced"]:
            log.warning("programme: %d session(s) could not be placed", len(draft["unplaced"]))

    def accepted_presenters(self) -> list[Person]:
        """Who presents (or chairs or discusses) an accepted abstract, and the sessions' chairs: they register like
        everyone else and earn their roles; each person once."""
        people = {p.email: p for a in self.accepted for p in self.presenters.get(a, [])}
        people.update((p.email, p) for p in self.chairs)
        return list(people.values())

    async def _quietly(self, method: str, url: str, **kwargs: Any) -> bool:
        try:
            await self.http.call(method, url, what=f"{method} {url.split('?')[0].rsplit('/', 1)[-1]}", **kwargs)
        except Failed:
            return False
        return True
